/**
 * `blockqnn bench pruning`: what each pruner saves on real training. Per seed, the
 * run's strategy proposes the candidates once (asked all at once, before any result,
 * so every pruner sees the same proposals in the same order); then each pruner trains
 * that same list with the torch engine, one candidate after another, through the
 * worker's own path: the job carries the pruner, the engine handler asks the job's
 * pruner at epoch ends (src/worker/pruning.ts) on a pruning board in Redis, and a
 * candidate is seeded as its run would seed it, so its curve is the same under every
 * pruner up to where one cuts it. Per pruner: epochs trained, wall seconds, the best
 * validation accuracy among the candidates that trained the whole recipe (a pruned
 * candidate's accuracy is that of fewer epochs, not comparable), and their ratios
 * (accuracy: difference in points) to `none`.
 *
 * Candidates train sequentially, so the board each decision reads is the same in
 * every repetition; seeds run their pruners back to back so a neighbour's load on a
 * shared machine hits them alike (wall seconds still carry that noise; epochs do not).
 */
import { cpus, loadavg } from 'node:os';
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import { DEFAULT_STRATEGY, NO_PRUNER, decisionSpaces, normalizePrunerSpec, strategies } from '../../controller/index.js';
import { datasetSources, resolveSpec, specShape } from '../../datasets/index.js';
import type { Engine } from '../../engines/engine.js';
import { torchEngineFactory } from '../../engines/torch/index.js';
import { nscCandidates } from '../../orchestrator/candidates.js';
import { JOB_CONTRACT, type EvaluateJob, parseEvaluateJob } from '../../queue/contract.js';
import { PruningBoard } from '../../queue/pruning-board.js';
import { type RedisSettings, createRedis } from '../../queue/redis.js';
import { parseTask, type ClassificationTask } from '../../task/task.js';
import { engineHandler } from '../../worker/handler.js';
import { deletePrefix } from '../orchestration/util.js';

export interface PruningBenchOptions {
  redis: RedisSettings;
  pruners: string[];
  seeds: number;
  /** Candidates per seed. */
  candidates: number;
  epochs: number;
  dataset: string;
  subset: number;
  validationSize: number;
  imageSize?: number | undefined;
  batchSize: number;
  learningRate: number;
  blocksPerStage: number;
  baseFilters: number;
  stages: number;
  maxIndex: number;
  strategy: string;
  /** First seed; seeds are seed, seed+1, …. */
  seed: number;
  /** Options per pruner name (the defaults otherwise). */
  prunerOptions?: Record<string, Record<string, number>>;
  engine?: Engine;
  log?: (line: string) => void;
}

export const PRUNING_BENCH_DEFAULTS = {
  pruners: ['none', 'median', 'asha'],
  seeds: 3,
  // Sized to finish well within 15 minutes on 2 busy CPU cores (440 s at load 20, README "Pruning at epoch ends").
  candidates: 12,
  epochs: 4,
  dataset: 'fashion-mnist',
  subset: 1000,
  validationSize: 300,
  imageSize: 14,
  batchSize: 64,
  learningRate: 0.05,
  blocksPerStage: 1,
  baseFilters: 8,
  stages: 2,
  maxIndex: 6,
  strategy: DEFAULT_STRATEGY,
  seed: 0,
} as const;

export interface SeedFigures {
  seed: number;
  epochsTrained: number;
  wallSeconds: number;
  /** Best accuracy among the candidates that trained the whole recipe (null: none did). */
  bestValAccuracy: number | null;
  statuses: Record<string, number>;
  /** Per candidate in proposal order: epochs trained. */
  epochsPerCandidate: number[];
}

export interface PrunerFigures {
  pruner: string;
  options: Record<string, number>;
  /** Summed over seeds. */
  epochsTrained: number;
  wallSeconds: number;
  /** Mean over seeds of each seed's best. */
  bestValAccuracy: number | null;
  candidates: number;
  pruned: number;
  ratios: { epochs: number; wallSeconds: number; bestValAccuracyPoints: number | null } | null;
  /** ≤ 50 % of none's epochs with the best accuracy within 0.5 points of none's, on every seed's mean. */
  meetsGoal: boolean | null;
  seeds: SeedFigures[];
}

export interface PruningBenchReport {
  pruners: Record<string, PrunerFigures>;
  settings: Omit<PruningBenchOptions, 'redis' | 'engine' | 'log'> & { totalEpochsBudget: number };
  machine: { cores: number; loadBefore: number[]; loadAfter: number[]; engine: string; wallSeconds: number; date: string };
}

/** The best of a seed, the pruner's goal, and ratios to `none`. */
function summarise(name: string, options: Record<string, number>, seeds: SeedFigures[]): PrunerFigures {
  const bests = seeds.map((s) => s.bestValAccuracy).filter((b): b is number => b !== null);
  const sum = (f: (s: SeedFigures) => number) => seeds.reduce((t, s) => t + f(s), 0);
  return {
    pruner: name,
    options,
    epochsTrained: sum((s) => s.epochsTrained),
    wallSeconds: round(
      sum((s) => s.wallSeconds),
      1,
    ),
    bestValAccuracy: bests.length === seeds.length ? round(bests.reduce((a, b) => a + b, 0) / bests.length, 4) : null,
    candidates: sum((s) => Object.values(s.statuses).reduce((a, b) => a + b, 0)),
    pruned: sum((s) => s.statuses.pruned ?? 0),
    ratios: null,
    meetsGoal: null,
    seeds,
  };
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

export async function runPruningBench(o: PruningBenchOptions): Promise<PruningBenchReport> {
  const log = o.log ?? (() => {});
  if (o.pruners.length === 0) throw new BlockqnnError(ErrorCode.INVALID_INPUT, 'bench pruning needs at least one pruner');
  const task = parseTask({
    kind: 'classification',
    dataset: { name: o.dataset, subset: o.subset, validationSize: o.validationSize, ...(o.imageSize ? { imageSize: o.imageSize } : {}) },
    recipe: { epochs: o.epochs, batchSize: o.batchSize, learningRate: o.learningRate },
  }) as ClassificationTask;
  // Every pruner is checked against the recipe before anything trains.
  const specs = o.pruners.map((name) => normalizePrunerSpec({ name, options: o.prunerOptions?.[name] ?? {} }, o.epochs));
  const loadBefore = loadavg();
  const started = performance.now();
  const space = decisionSpaces.get('nsc')({ maxIndex: o.maxIndex });
  const source = datasetSources.get(task.dataset.name);
  const network = {
    inputShape: specShape(resolveSpec(task.dataset), source.shape),
    classes: source.classes.length,
    blocksPerStage: o.blocksPerStage,
    baseFilters: o.baseFilters,
    stages: o.stages,
  };
  const factory = nscCandidates(network, o.maxIndex);
  const engine = o.engine ?? (await torchEngineFactory.create());
  const handler = engineHandler(engine);
  const client = createRedis(o.redis);
  const board = new PruningBoard(client, o.redis.prefix);
  const perPruner = new Map<string, SeedFigures[]>(specs.map((s) => [s.name, []]));
  try {
    for (let i = 0; i < o.seeds; i++) {
      const seed = o.seed + i;
      const strategy = strategies.get(o.strategy).create(space, { seed, budget: o.candidates });
      const proposals = Array.from({ length: o.candidates }, () => strategy.ask());
      const candidates = proposals.map((p) => factory.materialize(p.key));
      for (const spec of specs) {
        const runId = `bench-pruning-${spec.name}-s${seed}`;
        await board.clear(runId, o.epochs);
        const figures: SeedFigures = {
          seed,
          epochsTrained: 0,
          wallSeconds: 0,
          bestValAccuracy: null,
          statuses: {},
          epochsPerCandidate: [],
        };
        for (const [index, m] of candidates.entries()) {
          const job: EvaluateJob = parseEvaluateJob({
            contract: JOB_CONTRACT,
            runId,
            candidateHash: m.hash,
            candidateKey: m.key,
            ir: m.ir,
            task,
            engine: 'torch',
            // As the search loop seeds a candidate: the same training under every pruner.
            seed: (seed * 1_000_003 + parseInt(m.hash.slice(0, 8), 16)) >>> 0,
            timeLimitSeconds: 3600,
            ...(spec.name !== NO_PRUNER ? { pruner: spec } : {}),
          });
          const t0 = performance.now();
          const outcome = await handler(job, {
            signal: new AbortController().signal,
            attempt: 1,
            reportProgress: () => {},
            pruningBoard: board,
            log,
          });
          figures.wallSeconds += (performance.now() - t0) / 1000;
          figures.epochsTrained += outcome.curve.length;
          figures.epochsPerCandidate.push(outcome.curve.length);
          figures.statuses[outcome.status] = (figures.statuses[outcome.status] ?? 0) + 1;
          if (outcome.status === 'ok' && outcome.accuracy !== null)
            figures.bestValAccuracy = Math.max(figures.bestValAccuracy ?? 0, outcome.accuracy);
          log(
            `${((performance.now() - started) / 1000).toFixed(0)} s: seed ${seed} ${spec.name}: candidate ${index + 1}/${candidates.length} ${m.key} ${outcome.status} after ${outcome.curve.length} epoch(s), accuracy ${outcome.accuracy?.toFixed(4) ?? '–'}`,
          );
        }
        figures.wallSeconds = round(figures.wallSeconds, 1);
        perPruner.get(spec.name)!.push(figures);
        await board.clear(runId, o.epochs);
      }
    }
  } finally {
    client.disconnect();
    await deletePrefix(o.redis).catch(() => undefined);
    if (!o.engine) await engine.close?.();
  }
  const pruners: Record<string, PrunerFigures> = {};
  for (const spec of specs) pruners[spec.name] = summarise(spec.name, spec.options, perPruner.get(spec.name)!);
  const none = pruners[NO_PRUNER];
  if (none) {
    for (const p of Object.values(pruners)) {
      const points =
        p.bestValAccuracy !== null && none.bestValAccuracy !== null ? round((p.bestValAccuracy - none.bestValAccuracy) * 100, 2) : null;
      p.ratios = {
        epochs: round(p.epochsTrained / none.epochsTrained, 3),
        wallSeconds: round(p.wallSeconds / none.wallSeconds, 3),
        bestValAccuracyPoints: points,
      };
      p.meetsGoal = points !== null && p.ratios.epochs <= 0.5 && points >= -0.5;
    }
  }
  const { redis: _redis, engine: _engine, log: _log, ...settings } = o;
  return {
    pruners,
    settings: { ...settings, totalEpochsBudget: o.seeds * o.candidates * o.epochs },
    machine: {
      cores: cpus().length,
      loadBefore: loadBefore.map((l) => round(l, 2)),
      loadAfter: loadavg().map((l) => round(l, 2)),
      engine: engine.describe(),
      wallSeconds: round((performance.now() - started) / 1000, 1),
      date: new Date().toISOString(),
    },
  };
}

export function formatPruningBench(report: PruningBenchReport): string {
  const s = report.settings;
  const lines = [
    `bench pruning: ${s.seeds} seed(s) × ${s.candidates} candidates × ${s.epochs} epochs, strategy ${s.strategy}, ${s.dataset} ${s.subset}/${s.validationSize}${s.imageSize ? ` at ${s.imageSize}px` : ''}, batch ${s.batchSize}`,
    `machine: ${report.machine.cores} cores, load ${report.machine.loadBefore.join('/')} → ${report.machine.loadAfter.join('/')}, ${report.machine.engine}, ${report.machine.wallSeconds} s in all`,
    'pruner   epochs  ratio   wall s  ratio   best val acc  Δ points  pruned  goal',
  ];
  for (const p of Object.values(report.pruners)) {
    lines.push(
      [
        p.pruner.padEnd(8),
        String(p.epochsTrained).padStart(6),
        (p.ratios?.epochs.toFixed(3) ?? '–').padStart(6),
        p.wallSeconds.toFixed(1).padStart(8),
        (p.ratios?.wallSeconds.toFixed(3) ?? '–').padStart(6),
        (p.bestValAccuracy?.toFixed(4) ?? '–').padStart(13),
        (p.ratios?.bestValAccuracyPoints?.toFixed(2) ?? '–').padStart(9),
        `${p.pruned}/${p.candidates}`.padStart(7),
        p.meetsGoal === null ? '–' : p.meetsGoal ? 'yes' : 'no',
      ].join('  '),
    );
  }
  return lines.join('\n');
}
