/**
 * `blockqnn bench claim`: BlockQNN's central claim measured on Fashion-MNIST.
 *
 * 1. A search (the default strategy, the early-stop proxy of the scale) as a
 *    run of this bench's own database.
 * 2. Its top blocks and the claim's baselines, each MAC-matched to the
 *    reference ResNet-20 (match.ts).
 * 3. Every network trained with one final recipe over the scale's seeds, each
 *    training a `blockqnn train` training (planTraining, submitTraining, the
 *    engine's queue, worker slots), so the numbers are the tool's own.
 * 4. The table and the verdict (report.ts).
 *
 * Everything lives in the bench's database (`--db`): the search run, and the
 * trainings tagged with the bench's key (network @ seed). An interrupted run
 * keeps what finished; the next run with the same database resumes the search
 * from its last commit and submits only the trainings that have no result.
 */
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import { dirEnvVar, datasetSources } from '../../datasets/index.js';
import { DEFAULT_PRUNER, DEFAULT_STRATEGY, NO_PRUNER } from '../../controller/index.js';
import { type SearchConfig, parseSearchConfig } from '../../orchestrator/config.js';
import { parseTask, taskKey } from '../../task/task.js';
import { createRun, prepareConfig, runController } from '../../orchestrator/session.js';
import { type TrainingFlags, type TrainingSelector, planTraining } from '../../orchestrator/training-plan.js';
import { collectTraining, submitTraining } from '../../orchestrator/training.js';
import { irDensity } from '../../orchestrator/ir-density.js';
import { EvaluationQueue } from '../../queue/evaluation-queue.js';
import { type LocalRedis, ensureRedis } from '../../queue/local-redis.js';
import { type RedisSettings, assertRedisReachable } from '../../queue/redis.js';
import { type ExtraLayerType, density, parseNsc } from '../../search-space/index.js';
import { type Store, type Training, openStore } from '../../store/index.js';
import { detectGpus } from '../../worker/slots.js';
import { Supervisor } from '../../worker/supervisor.js';
import { matchBaseline, matchBlock, referenceMacs } from './match.js';
import { CLAIM_BASELINES, type ClaimScale, SCALES, type ScaleName } from './scales.js';
import { type ClaimReport, type NetworkPlan, type TrainingRow, buildReport } from './report.js';
import { type PlannedTraining, importResults, readResults, writeJobs } from './jobs.js';

export const CLAIM_DATASET = 'fashion-mnist';
const CLASSES = 10;

export interface ClaimOptions {
  scale: ScaleName;
  /** Database URL (file:PATH). */
  db: string;
  redis: RedisSettings;
  /** True: the Redis URL was given, never start a local one. */
  redisGiven?: boolean;
  engine: string;
  /** Local worker slots (0: workers elsewhere serve the engine's queue). */
  workers?: number;
  log: (line: string) => void;
  /** Aborting stops the bench after the commits in progress; the database keeps everything finished. */
  stopSignal?: AbortSignal;
  /** Called after each training's result is stored (progress, and the tests' interruption point). */
  onTraining?: (row: TrainingRow) => void;
  /** How often open trainings are collected (default 1 s). */
  pollMs?: number;
  /** Seconds of the search's controller between reconciles (tests shorten it). */
  reconcileEveryMs?: number;
  controllerId: string;
  /** Write the trainings without a result as job files for bench/gpu/claim.py into this folder, train nothing. */
  emitJobs?: string | undefined;
  /** Read bench/gpu/claim.py's results file into the database, train nothing. */
  importResults?: string | undefined;
  /** GPU indices (default nvidia-smi); the gpu scale refuses to start without one. */
  gpus?: () => number[];
}

const invalid = (message: string, hint: string) => new BlockqnnError(ErrorCode.INVALID_INPUT, message, { hint });

/** Everything that can be checked before a database, Redis or a worker is touched. */
export async function checkClaimInput(scale: ClaimScale, gpus: () => number[] = detectGpus): Promise<void> {
  if (scale.needsGpu && gpus().length === 0) {
    throw invalid(
      `--scale ${scale.name} trains on all 60,000 images for ${scale.final.epochs} epochs over ${scale.final.seeds.length} seeds and needs a CUDA GPU; nvidia-smi reports none on this machine`,
      `run --scale cpu here (about 70 minutes on 2 loaded cores), or write the trainings with --scale ${scale.name} --emit-jobs DIR and run bench/gpu/claim.py DIR on a GPU host`,
    );
  }
  // NOT_FOUND naming the files and the package when Fashion-MNIST is absent.
  await datasetSources.get(CLAIM_DATASET).fingerprint(process.env[dirEnvVar(CLAIM_DATASET)]);
}

/** The search run's name: one per scale and database. */
export const searchRunName = (scale: ClaimScale) => `bench claim ${scale.name}: search`;

export function claimSearchConfig(scale: ClaimScale, engine: string): SearchConfig {
  const s = scale.search;
  const task = parseTask({
    kind: 'classification',
    dataset: { name: CLAIM_DATASET, subset: s.subset, validationSize: s.validationSize, imageSize: scale.imageSize },
    recipe: { epochs: s.epochs, batchSize: s.batchSize, learningRate: s.learningRate },
  });
  const network = {
    inputShape: [scale.imageSize, scale.imageSize, 1] as [number, number, number],
    classes: CLASSES,
    ...scale.network,
    baseFilters: s.baseFilters,
  };
  return prepareConfig({
    name: searchRunName(scale),
    space: 'nsc',
    strategy: DEFAULT_STRATEGY,
    engine,
    task,
    // As `blockqnn search` keys it, so a result of an earlier run of the same proxy is reused.
    taskKey: taskKey(task, engine, network),
    network,
    maxIndex: s.maxIndex,
    budget: { candidates: s.budget },
    seed: 1,
    // As `blockqnn search` defaults: the default pruner where the proxy leaves epochs to decide at.
    pruner: { name: task.kind === 'classification' && task.recipe.epochs >= 2 ? DEFAULT_PRUNER : NO_PRUNER, options: {} },
  });
}

/** The bench's search run of this scale in the database: created, resumed, or found finished. */
async function searchPhase(store: Store, scale: ClaimScale, o: ClaimOptions): Promise<{ runId: string; finished: boolean }> {
  const name = searchRunName(scale);
  const existing = (await store.listRuns({ limit: 1000 })).find((r) => r.name === name);
  let runId: string;
  if (existing) {
    if (existing.engine !== o.engine) {
      throw invalid(
        `this database's ${scale.name} search ran on engine ${existing.engine}, not ${o.engine}`,
        `give --engine ${existing.engine} to resume it, or another --db for a fresh bench`,
      );
    }
    runId = existing.id;
    if (existing.status === 'finished') return { runId, finished: true };
    o.log(`search: resuming run ${runId} (${existing.status})`);
  } else {
    const config = claimSearchConfig(scale, o.engine);
    runId = (await createRun(store, config)).id;
    o.log(
      `search: run ${runId}, ${scale.search.budget} candidates, early-stop proxy ${scale.search.subset} images at ${scale.imageSize}x${scale.imageSize}, ${scale.search.epochs} epoch(s), engine ${o.engine}`,
    );
  }
  const outcome = await runController(runId, {
    store,
    redis: o.redis,
    log: o.log,
    controllerId: o.controllerId,
    ...(o.stopSignal ? { stopSignal: o.stopSignal } : {}),
    ...(o.reconcileEveryMs ? { reconcileEveryMs: o.reconcileEveryMs } : {}),
  });
  return { runId, finished: outcome === 'finished' };
}

/** The networks of the claim: the top searched blocks and the baselines, each matched to the reference's multiply-adds. */
export async function planNetworks(store: Store, runId: string, scale: ClaimScale): Promise<{ target: number; networks: NetworkPlan[] }> {
  const run = await store.getRun(runId);
  const config = parseSearchConfig(run.config, `stored configuration of run ${runId}`);
  const shape: [number, number, number] = [scale.imageSize, scale.imageSize, 1];
  const [reference] = CLAIM_BASELINES;
  const target = referenceMacs(reference, shape, CLASSES, scale.referenceWidth);
  const networks: NetworkPlan[] = [];
  const top = await store.bestCandidates(runId, { by: 'reward', limit: scale.topBlocks });
  top.forEach((c, i) => {
    const block = parseNsc(c.nsc, { maxIndex: config.maxIndex, extraTypes: config.nscTypes as ExtraLayerType[] });
    const m = matchBlock(block, config.network, shape, CLASSES, target);
    networks.push({
      key: `searched-${i + 1}`,
      kind: 'searched',
      label: `searched #${i + 1} (${c.nsc})`,
      nsc: c.nsc,
      candidateHash: c.hash,
      proxyAccuracy: c.accuracy,
      baseFilters: m.baseFilters,
      width: null,
      rounded: false,
      macs: m.macs,
      params: m.params,
      density: density(block),
      offset: m.offset,
      within: m.within,
    });
  });
  for (const name of CLAIM_BASELINES) {
    const m = matchBaseline(name, shape, CLASSES, target);
    networks.push({
      key: name,
      kind: 'baseline',
      label: name,
      nsc: null,
      candidateHash: null,
      proxyAccuracy: null,
      baseFilters: null,
      width: m.width,
      rounded: m.rounded,
      macs: m.macs,
      params: m.params,
      density: irDensity(m.checked.ir),
      offset: m.offset,
      within: m.within,
    });
  }
  return { target, networks };
}

/** The flags of one final training: the same recipe for every network; only the architecture differs. */
export function trainingFlagsFor(scale: ClaimScale, network: NetworkPlan, seed: number): TrainingFlags {
  return {
    dataset: CLAIM_DATASET,
    epochs: scale.final.epochs,
    batchSize: scale.final.batchSize,
    subset: scale.final.subset,
    imageSize: scale.imageSize,
    seed,
    ...(network.kind === 'searched' ? { filters: network.baseFilters! } : { baselineWidth: network.width! }),
  };
}

export const trainingKey = (scale: ClaimScale, network: NetworkPlan, seed: number) => `${scale.name}/${network.key}/${seed}`;

/** The bench key a training row was tagged with, or null. */
export function claimKeyOf(t: Training): string | null {
  const claim = (t.config as { claim?: { key?: unknown } }).claim;
  return typeof claim?.key === 'string' ? claim.key : null;
}

const OPEN = new Set(['queued', 'running']);

async function trainingsByKey(store: Store): Promise<Map<string, Training>> {
  const byKey = new Map<string, Training>();
  // Oldest first, so a retried training (a newer row of the same key) replaces a failed one.
  const rows = (await store.trainings.list({ limit: 1000 })).sort((a, b) => a.id - b.id);
  for (const t of rows) {
    const key = claimKeyOf(t);
    if (key !== null && t.status !== 'cancelled') byKey.set(key, t);
  }
  return byKey;
}

/** Each planned training (network × seed) as stored, and the plans of those still without a result or a job. */
async function trainingsOf(
  store: Store,
  scale: ClaimScale,
  runId: string,
  networks: readonly NetworkPlan[],
  engine: string,
): Promise<{ kept: Map<string, Training>; missing: PlannedTraining[] }> {
  const byKey = await trainingsByKey(store);
  const kept = new Map<string, Training>();
  const missing: PlannedTraining[] = [];
  for (const seed of scale.final.seeds) {
    for (const network of networks) {
      const key = trainingKey(scale, network, seed);
      const had = byKey.get(key);
      if (had && (had.status === 'ok' || OPEN.has(had.status))) {
        kept.set(key, had);
        continue;
      }
      const selector: TrainingSelector =
        network.kind === 'searched'
          ? { kind: 'run-candidate', runId, candidate: network.candidateHash! }
          : { kind: 'baseline', name: network.key };
      const plan = await planTraining(store, selector, trainingFlagsFor(scale, network, seed), engine);
      plan.config = { ...plan.config, claim: { key, network: network.key, seed, scale: scale.name } };
      missing.push({ key, network, seed, plan });
    }
  }
  return { kept, missing };
}

async function finishedSearch(store: Store, scale: ClaimScale, what: string): Promise<string> {
  const run = (await store.listRuns({ limit: 1000 })).find((r) => r.name === searchRunName(scale));
  if (run?.status !== 'finished') {
    throw invalid(
      `${what} needs this database's ${scale.name} search finished; it is ${run ? run.status : 'not started'}`,
      `run \`blockqnn bench claim --scale ${scale.name} --emit-jobs DIR\` with the same --db first`,
    );
  }
  return run.id;
}

/** Runs (or resumes) the bench; returns the report of whatever is finished, complete or not. */
export async function runClaim(o: ClaimOptions): Promise<ClaimReport> {
  const scale = SCALES[o.scale];
  const started = Date.now();
  const offline = o.emitJobs !== undefined || o.importResults !== undefined;
  // Emitting and importing train nothing here: no GPU needed on this machine.
  await checkClaimInput(scale, offline ? () => [0] : o.gpus);
  const results = o.importResults !== undefined ? await readResults(o.importResults) : undefined;
  const store = await openStore(o.db);
  let redis: LocalRedis | undefined;
  let supervisor: Supervisor | undefined;
  let queue: EvaluationQueue | undefined;
  const report = (
    searchRunId: string,
    searchFinished: boolean,
    target: number | null,
    networks: NetworkPlan[],
    rows: TrainingRow[],
    extra: Partial<ClaimReport> = {},
  ) => ({
    ...buildReport({
      scale,
      engine: o.engine,
      db: o.db,
      searchRunId,
      searchFinished,
      target,
      networks,
      rows,
      seconds: (Date.now() - started) / 1000,
    }),
    ...extra,
  });
  try {
    if (store.trainings.checkpointDir === null)
      throw invalid(
        `the database ${o.db} has no checkpoint folder for the final trainings`,
        'use a SQLite database (file:PATH), or set BLOCKQNN_CHECKPOINT_DIR',
      );
    if (results) {
      const runId = await finishedSearch(store, scale, '--import-results');
      const { target, networks } = await planNetworks(store, runId, scale);
      const { missing } = await trainingsOf(store, scale, runId, networks, o.engine);
      const imported = await importResults(store, results, scale, runId, new Map(missing.map((m) => [m.key, m])), o.log);
      o.log(`imported ${imported} result(s) from ${o.importResults}`);
      const { kept } = await trainingsOf(store, scale, runId, networks, o.engine);
      return report(runId, true, target, networks, [...kept.values()].map(rowOf));
    }
    if (o.redisGiven) await assertRedisReachable(o.redis);
    else redis = await ensureRedis(o.redis, o.log);
    const redisSettings = { ...o.redis, url: redis?.url ?? o.redis.url };
    const workers = o.workers ?? scale.workers;
    if (workers > 0) {
      supervisor = new Supervisor({
        redisUrl: redisSettings.url,
        prefix: redisSettings.prefix,
        engine: o.engine,
        slots: Array.from({ length: workers }, (_, i) => ({ name: `cpu${i}`, gpu: null })),
        graceMs: 2000,
        log: o.log,
      });
      supervisor.start();
    }
    const search = await searchPhase(store, scale, { ...o, redis: redisSettings });
    if (!search.finished) {
      o.log('search stopped before its budget; run the same command again to resume it');
      return report(search.runId, false, null, [], []);
    }
    const { target, networks } = await planNetworks(store, search.runId, scale);
    for (const n of networks)
      o.log(
        `network ${n.label}: ${(n.macs / 1e6).toFixed(2)} M multiply-adds (${n.offset >= 0 ? '+' : ''}${(n.offset * 100).toFixed(1)} % of the reference${n.within ? '' : ', OUTSIDE ±10 %'}), ${n.params.toLocaleString('en')} parameters, ${n.kind === 'searched' ? `base filters ${n.baseFilters}` : `width ${n.width}${n.rounded ? ' (rounded)' : ''}`}`,
      );
    const { kept, missing } = await trainingsOf(store, scale, search.runId, networks, o.engine);
    const reused = [...kept.values()].filter((t) => t.status === 'ok').length;
    if (reused > 0) o.log(`${reused} training(s) already finished in ${o.db}: not trained again`);
    if (o.emitJobs !== undefined) {
      const count = await writeJobs(o.emitJobs, scale, search.runId, missing);
      o.log(
        `wrote ${count} training job(s) to ${o.emitJobs}: run \`bench/gpu/claim.sh ${o.emitJobs} --out results.json\` on the GPU host, then \`blockqnn bench claim --scale ${scale.name} --db ${o.db} --import-results results.json\``,
      );
      return report(search.runId, true, target, networks, [...kept.values()].filter((t) => t.status === 'ok').map(rowOf), {
        emitted: count,
      });
    }
    queue = new EvaluationQueue(redisSettings, o.engine);
    const ids = new Map<string, number>([...kept].map(([key, t]) => [key, t.id]));
    for (const m of missing) {
      if (o.stopSignal?.aborted) break;
      ids.set(m.key, (await submitTraining(store, queue, m.plan)).id);
    }
    o.log(
      `final trainings: ${ids.size} of ${networks.length * scale.final.seeds.length} submitted or kept (${scale.final.epochs} epoch(s), ${scale.final.subset ?? 60_000} images, seeds ${scale.final.seeds.join(', ')})`,
    );
    const open = new Set([...ids.values()].filter((id) => ![...kept.values()].some((t) => t.id === id && t.status === 'ok')));
    while (open.size > 0 && !o.stopSignal?.aborted) {
      for (const id of [...open]) {
        const t = await collectTraining(store, queue, id);
        if (OPEN.has(t.status)) continue;
        open.delete(id);
        const row = rowOf(t);
        o.log(
          `training ${t.id} ${row.network} seed ${row.seed}: ${t.status}${t.accuracy === null ? '' : ` · test accuracy ${(t.accuracy * 100).toFixed(2)} %`}${t.error ? ` · ${t.error.split('\n')[0]}` : ''} (${open.size} left)`,
        );
        o.onTraining?.(row);
        if (o.stopSignal?.aborted) break;
      }
      if (open.size > 0) await pause(o.pollMs ?? 1000, o.stopSignal);
    }
    if (open.size > 0)
      o.log(`stopped with ${open.size} training(s) unfinished; run the same command again to resume (finished ones are kept)`);
    const rows: TrainingRow[] = [];
    for (const id of ids.values()) rows.push(rowOf(await store.trainings.get(id)));
    return report(search.runId, true, target, networks, rows);
  } finally {
    await supervisor?.stop();
    await queue?.close();
    await redis?.close();
    await store.close();
  }
}

export function rowOf(t: Training): TrainingRow {
  const claim = (t.config as { claim: { network: string; seed: number } }).claim;
  return {
    network: claim.network,
    seed: claim.seed,
    trainingId: t.id,
    status: t.status,
    accuracy: t.accuracy,
    seconds: t.trainSeconds === null ? null : t.trainSeconds + (t.evalSeconds ?? 0),
  };
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
