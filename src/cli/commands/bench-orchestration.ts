/**
 * `blockqnn bench orchestration`: how fast the controller → queue → store loop
 * turns candidates over, beside raw BullMQ on the same Redis in the same run.
 *
 * - raw BullMQ: `Queue.addBulk` of small jobs and a `Worker` with a no-op
 *   processor (the ceiling any BullMQ-based system can reach here);
 * - end to end: `runController` (the real search loop: strategy, commits with
 *   the controller snapshot in one transaction, job removal) on NAS-Bench-201
 *   with the table engine and no simulated training, fed by in-process
 *   `EvaluationWorker`s;
 * - scaling: 64 simulated workers (concurrency 64 in all) with fixed 100 ms
 *   jobs (`delayMs` 100); ideal throughput is 64 / 0.1 s = 640 candidates/s;
 * - memory (`--memory`): the controller's resident memory after 100,000
 *   candidates with its workers in another process, and a worker slot's
 *   resident memory across 1,000 jobs (the slot of a real `blockqnn worker`).
 *
 * Everything runs under its own key prefix (deleted afterwards) and, unless
 * `--db` is given, in a fresh SQLite file that is removed at the end. The
 * raw-BullMQ baseline names BullMQ directly: measuring it is its purpose.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue, Worker } from 'bullmq';
import type { Command } from 'commander';
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import { TableEngine } from '../../engines/table/index.js';
import type { SearchConfigInput } from '../../orchestrator/config.js';
import type { SearchProgress } from '../../orchestrator/search-loop.js';
import { createRun, prepareConfig, runController } from '../../orchestrator/session.js';
import { EvaluationWorker } from '../../queue/evaluation-worker.js';
import { type RedisSettings, assertRedisReachable, createRedis, redisOptions } from '../../queue/redis.js';
import { listWorkers } from '../../queue/worker-registry.js';
import { type Store, openStore } from '../../store/index.js';
import { parseTask, taskKey } from '../../task/task.js';
import { engineHandler } from '../../worker/handler.js';
import { positiveInt } from './options.js';

export interface OrchestrationBenchOptions {
  redisUrl: string;
  /** Key prefix of everything the bench puts in Redis (deleted afterwards); default: bench-orch-RANDOM. */
  prefix?: string | undefined;
  /** Database URL; default: a fresh SQLite file, removed afterwards. */
  db?: string | undefined;
  /** NAS-Bench-201 table (CSV) for the table engine. */
  table: string;
  fitness: string;
  /** Candidates of the end-to-end run. */
  candidates: number;
  /** Jobs of the raw BullMQ run. */
  rawJobs: number;
  /** In-process worker instances and the concurrency of each (end to end and raw BullMQ alike). */
  workers: number;
  concurrency: number;
  maxInFlight: number;
  strategy: string;
  /** Length of the 64-worker scaling run, seconds. */
  scalingSeconds: number;
  memory: boolean;
  memoryCandidates: number;
  workerJobs: number;
  log: (line: string) => void;
}

export interface ThroughputFigure {
  count: number;
  seconds: number;
  perSecond: number;
}

export interface OrchestrationBenchReport {
  candidatesPerSecond: number;
  rawBullmqJobsPerSecond: number;
  ratio: number;
  scalingEfficiency64: number;
  endToEnd: ThroughputFigure & { steadyPerSecond: number; strategy: string; workers: number; concurrency: number; maxInFlight: number; database: string };
  rawBullmq: ThroughputFigure & { workers: number; concurrency: number };
  scaling: { workers: number; jobMs: number; idealPerSecond: number; perSecond: number; steadyPerSecond: number; overallEfficiency: number; candidates: number; seconds: number };
  memory?: {
    controllerRssMbAfter100k: number;
    controllerCandidates: number;
    controllerRuns: number;
    controllerRssMbByRun: number[];
    /** Highest RSS of the controller process (getrusage maxrss). */
    controllerPeakRssMb: number;
    controllerSeconds: number;
    workerRssMbStart: number;
    workerRssMbEnd: number;
    workerRssMbSamples: { jobs: number; rssMb: number }[];
  };
  targets: { ratio: number; candidatesPerSecond: number; scalingEfficiency64: number; controllerRssMb: number };
  machine: string;
  versions: Record<string, string>;
}

const mb = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A deadline that does not keep the process alive by itself (the child it guards does). */
const deadline = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

function packageVersion(name: string): string {
  try {
    let dir = fileURLToPath(new URL('.', import.meta.url));
    for (let i = 0; i < 8; i++) {
      const manifest = join(dir, 'node_modules', name, 'package.json');
      if (existsSync(manifest)) return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
      dir = join(dir, '..');
    }
  } catch {
    // fall through
  }
  return 'unknown';
}

/** Deletes every key under the bench's prefix (and nothing else). */
async function deletePrefix(settings: RedisSettings): Promise<void> {
  const client = createRedis(settings);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${settings.prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await client.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

// ---- raw BullMQ -----------------------------------------------------------------

export async function measureRawBullmq(redis: RedisSettings, o: { jobs: number; workers: number; concurrency: number }): Promise<ThroughputFigure> {
  const queue = new Queue(RAW_QUEUE, { connection: redisOptions(redis), prefix: redis.prefix });
  const host = await startWorkerHost({ mode: 'raw', redis, workers: o.workers, concurrency: o.concurrency });
  try {
    await queue.waitUntilReady();
    const finished = host.completed(o.jobs);
    const started = performance.now();
    for (let i = 0; i < o.jobs; i += 1000) {
      await queue.addBulk(Array.from({ length: Math.min(1000, o.jobs - i) }, (_, j) => ({ name: 'noop', data: { i: i + j } })));
    }
    await finished;
    const seconds = (performance.now() - started) / 1000;
    return { count: o.jobs, seconds, perSecond: o.jobs / seconds };
  } finally {
    await host.stop();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}

// ---- end to end ---------------------------------------------------------------------

interface LoopRun {
  candidates: number;
  seconds: number;
  perSecond: number;
  /** Throughput between 10% and 90% of the candidates (no start-up or drain). */
  steadyPerSecond: number;
}

function lookupConfig(o: { table: string; fitness: string; strategy: string; candidates: number; maxInFlight: number; delayMs: number; seed: number }): SearchConfigInput {
  const task = parseTask({ kind: 'lookup', table: o.table, fitness: o.fitness, delayMs: o.delayMs });
  return {
    name: `bench-orchestration-${o.delayMs}ms`, space: 'nasbench201', strategy: o.strategy, engine: 'table', task, taskKey: taskKey(task, 'table'),
    network: { inputShape: [32, 32, 3], classes: 10 }, budget: { candidates: o.candidates }, maxInFlight: o.maxInFlight, seed: o.seed,
    reward: { mu: 0, rho: 0 }, reuseResults: false,
  };
}

/** One run of the real search loop; returns its throughput. */
async function runLoop(store: Store, redis: RedisSettings, config: SearchConfigInput, log: (line: string) => void): Promise<LoopRun> {
  const run = await createRun(store, prepareConfig(config));
  const marks: { t: number; done: number }[] = [];
  const started = performance.now();
  const outcome = await runController(run.id, {
    store, redis, log, controllerId: `bench:${process.pid}`,
    onProgress: (p: SearchProgress) => marks.push({ t: performance.now(), done: p.done }),
  });
  const seconds = (performance.now() - started) / 1000;
  if (outcome !== 'finished') throw new BlockqnnError(ErrorCode.INTERNAL, `bench run ${run.id} ended ${outcome}`);
  const done = (await store.getRun(run.id)).resultCount;
  const at = (share: number) => marks.find((m) => m.done >= share * done) ?? marks[marks.length - 1]!;
  const a = at(0.1);
  const b = at(0.9);
  const steady = b.t > a.t ? ((b.done - a.done) * 1000) / (b.t - a.t) : done / seconds;
  return { candidates: done, seconds, perSecond: done / seconds, steadyPerSecond: steady };
}

// ---- the worker host: the bench's workers in a child process of their own -------------

const RAW_QUEUE = 'raw-noop';
const HOST_FLAG = '--blockqnn-bench-worker-host';

interface HostSpec {
  mode: 'raw' | 'table';
  redis: RedisSettings;
  workers: number;
  concurrency: number;
}

type HostMessage = { kind: 'ready'; pid: number } | { kind: 'completed'; count: number } | { kind: 'error'; message: string };

interface WorkerHost {
  pid: number;
  /** Resolves once the host's workers completed `count` jobs in all. */
  completed(count: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts `workers` BullMQ workers (no-op processors for `raw`, table-engine
 * EvaluationWorkers for `table`), each with `concurrency`, in a child process:
 * the workers then have a core of their own, as they would on worker hosts,
 * and the controller's figures are the controller's.
 */
async function startWorkerHost(spec: HostSpec): Promise<WorkerHost> {
  const self = fileURLToPath(import.meta.url);
  const child = fork(self, [HOST_FLAG, JSON.stringify(spec)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: self.endsWith('.ts') ? ['--import', 'tsx'] : [] });
  let completed = 0;
  const waiters: { count: number; resolve: () => void }[] = [];
  const failed = new Promise<never>((_, reject) => {
    child.on('message', (m: HostMessage) => {
      if (m.kind === 'completed') {
        completed = m.count;
        for (const w of waiters.splice(0)) (completed >= w.count ? w.resolve : () => waiters.push(w))();
      } else if (m.kind === 'error') reject(new BlockqnnError(ErrorCode.INTERNAL, `bench worker host: ${m.message}`));
    });
    child.once('exit', (code) => reject(new BlockqnnError(ErrorCode.INTERNAL, `bench worker host exited (${code})`)));
  });
  failed.catch(() => undefined);
  const ready = new Promise<number>((resolve) => child.on('message', (m: HostMessage) => m.kind === 'ready' && resolve(m.pid)));
  const pid = await Promise.race([ready, failed]);
  return {
    pid,
    completed: (count) => Promise.race([new Promise<void>((resolve) => (completed >= count ? resolve() : waiters.push({ count, resolve }))), failed]),
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.send('stop');
      await Promise.race([exited, deadline(15_000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** The child side of {@link startWorkerHost}. */
async function serveWorkerHost(spec: HostSpec): Promise<void> {
  const send = (m: HostMessage) => process.send?.(m);
  let count = 0;
  let reported = 0;
  const report = setInterval(() => {
    if (count !== reported) send({ kind: 'completed', count: (reported = count) });
  }, 5);
  let close: () => Promise<void>;
  if (spec.mode === 'raw') {
    const workers = Array.from({ length: spec.workers }, () => new Worker(RAW_QUEUE, async () => null, { connection: redisOptions(spec.redis), prefix: spec.redis.prefix, concurrency: spec.concurrency }));
    for (const w of workers) {
      w.on('error', () => {});
      w.on('completed', () => count++);
    }
    await Promise.all(workers.map((w) => w.waitUntilReady()));
    close = async () => void (await Promise.all(workers.map((w) => w.close())));
  } else {
    const engine = new TableEngine();
    const table = engineHandler(engine);
    const handler: typeof table = async (job, context) => {
      const outcome = await table(job, context);
      count++;
      return outcome;
    };
    const workers = Array.from({ length: spec.workers }, (_, i) => new EvaluationWorker(spec.redis, handler, { engine: 'table', engineDescription: engine.describe(), slot: `bench${i}`, concurrency: spec.concurrency }));
    for (const w of workers) await w.start();
    close = async () => {
      for (const w of workers) await w.close(1000);
    };
  }
  send({ kind: 'ready', pid: process.pid });
  process.on('message', (m) => {
    if (m !== 'stop') return;
    clearInterval(report);
    void close().finally(() => process.exit(0));
  });
  process.on('disconnect', () => process.exit(0));
}

if (process.argv[2] === HOST_FLAG) {
  serveWorkerHost(JSON.parse(process.argv[3]!) as HostSpec).catch((error: unknown) => {
    process.send?.({ kind: 'error', message: error instanceof Error ? error.message : String(error) } satisfies HostMessage);
    process.exit(1);
  });
}

// ---- memory -------------------------------------------------------------------------

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  if (!Number.isFinite(kb)) throw new BlockqnnError(ErrorCode.INTERNAL, `no VmRSS for pid ${pid}`);
  return kb * 1024;
}

const BIN = fileURLToPath(new URL('../../../bin/blockqnn.js', import.meta.url));

/** A real `blockqnn worker --engine table` process with `slots` slots, started once its slots are registered. */
async function spawnWorkerProcess(redis: RedisSettings, slots: number): Promise<{ slotPids: () => Promise<number[]>; jobsDone: (pid: number) => Promise<number | undefined>; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [BIN, 'worker', '--engine', 'table', '--cpu-slots', String(slots), '--redis', redis.url, '--prefix', redis.prefix, '--grace-seconds', '1'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const client = createRedis(redis);
  const stop = async () => {
    client.disconnect();
    await stopProcess(child);
  };
  const slotPids = async () => (await listWorkers(client, redis.prefix)).map((w) => w.pid);
  const giveUpAt = Date.now() + 30_000;
  while ((await slotPids()).length < slots) {
    if (child.exitCode !== null || Date.now() > giveUpAt) {
      await stop();
      throw new BlockqnnError(ErrorCode.INTERNAL, `bench worker process did not start its ${slots} slot(s): ${stderr.trim()}`);
    }
    await wait(100);
  }
  return { slotPids, jobsDone: async (pid) => (await listWorkers(client, redis.prefix)).find((w) => w.pid === pid)?.jobsDone, stop };
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, deadline(10_000)]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

async function measureMemory(store: Store, dbUrl: string, redis: RedisSettings, o: OrchestrationBenchOptions): Promise<NonNullable<OrchestrationBenchReport['memory']>> {
  // A worker slot's RSS across `workerJobs` jobs: one slot, one run, sampled every tenth of the way.
  const workerRedis = { ...redis, prefix: `${redis.prefix}-w` };
  const single = await spawnWorkerProcess(workerRedis, 1);
  const samples: { jobs: number; rssMb: number }[] = [];
  try {
    const [slotPid] = await single.slotPids();
    samples.push({ jobs: 0, rssMb: mb(rssOf(slotPid!)) });
    const step = Math.max(1, Math.round(o.workerJobs / 10));
    let next = step;
    let sampling = Promise.resolve();
    const sampler = setInterval(() => {
      sampling = sampling.then(async () => {
        const done = await single.jobsDone(slotPid!);
        if (done !== undefined && done >= next) {
          samples.push({ jobs: done, rssMb: mb(rssOf(slotPid!)) });
          next += step;
        }
      }).catch(() => undefined);
    }, 20);
    try {
      await runLoop(store, workerRedis, lookupConfig({ ...o, candidates: o.workerJobs, maxInFlight: 16, delayMs: 0, seed: 101 }), () => {});
    } finally {
      clearInterval(sampler);
      await sampling;
    }
    await wait(200); // the slot rewrites its registry entry (job count included) after each job
    samples.push({ jobs: (await single.jobsDone(slotPid!)) ?? o.workerJobs, rssMb: mb(rssOf(slotPid!)) });
  } finally {
    await single.stop();
    await deletePrefix(workerRedis);
  }
  o.log(`worker slot RSS over ${o.workerJobs} jobs: ${samples.map((s) => `${s.jobs}:${s.rssMb}`).join(' ')} MB`);

  // The controller's RSS after `memoryCandidates`, in a fresh process that runs only the controller (two worker slots run
  // in a `blockqnn worker` process). NAS-Bench-201 has 15,625 cells, so the candidates come in runs of at most 10,000.
  const controllerRedis = { ...redis, prefix: `${redis.prefix}-m` };
  const workers = await spawnWorkerProcess(controllerRedis, 2);
  const byRun: number[] = [];
  let total = 0;
  let peak = 0;
  const started = performance.now();
  try {
    const spec: ControllerSpec = { redis: controllerRedis, db: dbUrl, table: o.table, fitness: o.fitness, strategy: o.strategy, candidates: o.memoryCandidates, perRun: 10_000 };
    await runInChild(CONTROLLER_FLAG, spec, (m: ControllerMessage) => {
      if (m.kind !== 'run') return;
      total = m.total;
      peak = Math.max(peak, m.peakRssMb);
      byRun.push(m.rssMb);
      o.log(`controller: ${m.total} candidates, RSS ${m.rssMb} MB (run ${byRun.length}: ${m.perSecond.toFixed(0)} candidates/s)`);
    });
  } finally {
    await workers.stop();
    await deletePrefix(controllerRedis);
  }
  return {
    controllerRssMbAfter100k: byRun[byRun.length - 1]!,
    controllerCandidates: total,
    controllerRuns: byRun.length,
    controllerRssMbByRun: byRun,
    controllerPeakRssMb: peak,
    controllerSeconds: (performance.now() - started) / 1000,
    workerRssMbStart: samples[0]!.rssMb,
    workerRssMbEnd: samples[samples.length - 1]!.rssMb,
    workerRssMbSamples: samples,
  };
}

// ---- the controller process of the memory figure --------------------------------------

const CONTROLLER_FLAG = '--blockqnn-bench-controller';

interface ControllerSpec {
  redis: RedisSettings;
  db: string;
  table: string;
  fitness: string;
  strategy: string;
  candidates: number;
  perRun: number;
}

type ControllerMessage = { kind: 'run'; total: number; rssMb: number; peakRssMb: number; perSecond: number } | { kind: 'done' } | { kind: 'error'; message: string };

/** Runs this module in a child with `flag` and `spec`; resolves at its 'done' message, rejects on 'error' or an early exit. */
function runInChild<M extends { kind: string }>(flag: string, spec: unknown, onMessage: (m: M) => void): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const child = fork(self, [flag, JSON.stringify(spec)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: self.endsWith('.ts') ? ['--import', 'tsx'] : [] });
  return new Promise((resolve, reject) => {
    child.on('message', (m: M | { kind: 'error'; message: string }) => {
      if (m.kind === 'done') resolve();
      else if (m.kind === 'error') reject(new BlockqnnError(ErrorCode.INTERNAL, `bench child: ${(m as { message: string }).message}`));
      else onMessage(m as M);
    });
    child.once('exit', (code) => reject(new BlockqnnError(ErrorCode.INTERNAL, `bench child exited (${code}) before it was done`)));
  });
}

async function serveController(spec: ControllerSpec): Promise<void> {
  const send = (m: ControllerMessage) => process.send?.(m);
  const store = await openStore(spec.db);
  try {
    let total = 0;
    for (let r = 0; total < spec.candidates; r++) {
      const n = Math.min(spec.perRun, spec.candidates - total);
      const run = await runLoop(store, spec.redis, lookupConfig({ ...spec, candidates: n, maxInFlight: 64, delayMs: 0, seed: 1000 + r }), () => {});
      total += run.candidates;
      send({ kind: 'run', total, rssMb: mb(process.memoryUsage.rss()), peakRssMb: mb(process.resourceUsage().maxRSS * 1024), perSecond: run.perSecond });
    }
  } finally {
    await store.close();
  }
  send({ kind: 'done' });
}

if (process.argv[2] === CONTROLLER_FLAG) {
  serveController(JSON.parse(process.argv[3]!) as ControllerSpec).then(
    () => process.exit(0),
    (error: unknown) => {
      process.send?.({ kind: 'error', message: error instanceof Error ? error.message : String(error) } satisfies ControllerMessage);
      process.exit(1);
    },
  );
}

// ---- the whole bench ----------------------------------------------------------------

export async function runOrchestrationBench(o: OrchestrationBenchOptions): Promise<OrchestrationBenchReport> {
  const redis: RedisSettings = { url: o.redisUrl, prefix: o.prefix ?? `bench-orch-${randomBytes(4).toString('hex')}` };
  await assertRedisReachable(redis);
  if (!existsSync(o.table)) throw new BlockqnnError(ErrorCode.INVALID_INPUT, `no table at ${o.table}`, { hint: 'pass --table with the NAS-Bench-201 CSV (../shared/data/nasbench201/cifar10.csv)' });
  const dir = o.db ? null : mkdtempSync(join(tmpdir(), 'blockqnn-bench-'));
  const dbUrl = o.db ?? `file:${join(dir!, 'bench.db')}`;
  const store = await openStore(dbUrl);
  try {
    o.log(`raw BullMQ: ${o.rawJobs} no-op jobs, ${o.workers} worker(s) × concurrency ${o.concurrency}`);
    const raw = await measureRawBullmq(redis, { jobs: o.rawJobs, workers: o.workers, concurrency: o.concurrency });
    o.log(`  ${raw.perSecond.toFixed(0)} jobs/s`);

    o.log(`end to end: ${o.candidates} NAS-Bench-201 candidates, strategy ${o.strategy}, ${o.workers} in-process worker(s) × concurrency ${o.concurrency}, ${o.maxInFlight} in flight, ${store.provider}`);
    let host = await startWorkerHost({ mode: 'table', redis, workers: o.workers, concurrency: o.concurrency });
    let e2e: LoopRun;
    try {
      e2e = await runLoop(store, redis, lookupConfig({ ...o, delayMs: 0, seed: 1 }), () => {});
    } finally {
      await host.stop();
    }
    o.log(`  ${e2e.perSecond.toFixed(0)} candidates/s (steady ${e2e.steadyPerSecond.toFixed(0)}/s)`);

    const jobMs = 100;
    const scalingWorkers = 64;
    const ideal = scalingWorkers / (jobMs / 1000);
    const scalingCandidates = Math.min(14_000, Math.round(ideal * o.scalingSeconds));
    o.log(`scaling: ${scalingWorkers} simulated workers (8 × concurrency 8), ${jobMs} ms jobs, ${scalingCandidates} candidates; ideal ${ideal}/s`);
    host = await startWorkerHost({ mode: 'table', redis, workers: 8, concurrency: 8 });
    let scaling: LoopRun;
    try {
      scaling = await runLoop(store, redis, lookupConfig({ ...o, candidates: scalingCandidates, maxInFlight: 2 * scalingWorkers, delayMs: jobMs, seed: 2 }), () => {});
    } finally {
      await host.stop();
    }
    o.log(`  ${scaling.perSecond.toFixed(0)}/s overall, ${scaling.steadyPerSecond.toFixed(0)}/s steady`);

    const memory = o.memory ? await measureMemory(store, dbUrl, redis, o) : undefined;
    return {
      candidatesPerSecond: e2e.perSecond,
      rawBullmqJobsPerSecond: raw.perSecond,
      ratio: e2e.perSecond / raw.perSecond,
      scalingEfficiency64: scaling.steadyPerSecond / ideal,
      endToEnd: { count: e2e.candidates, seconds: e2e.seconds, perSecond: e2e.perSecond, steadyPerSecond: e2e.steadyPerSecond, strategy: o.strategy, workers: o.workers, concurrency: o.concurrency, maxInFlight: o.maxInFlight, database: store.provider },
      rawBullmq: { ...raw, workers: o.workers, concurrency: o.concurrency },
      scaling: { workers: scalingWorkers, jobMs, idealPerSecond: ideal, perSecond: scaling.perSecond, steadyPerSecond: scaling.steadyPerSecond, overallEfficiency: scaling.perSecond / ideal, candidates: scaling.candidates, seconds: scaling.seconds },
      ...(memory ? { memory } : {}),
      targets: { ratio: 0.25, candidatesPerSecond: 1000, scalingEfficiency64: 0.95, controllerRssMb: 400 },
      machine: `node ${process.version}, ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()}, ${mb(totalmem())} MB`,
      versions: { bullmq: packageVersion('bullmq'), ioredis: packageVersion('ioredis'), prisma: packageVersion('@prisma/client'), database: store.provider },
    };
  } finally {
    await store.close();
    await deletePrefix(redis);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

const check = (ok: boolean) => (ok ? 'meets' : 'MISSES');

export function formatOrchestrationBench(r: OrchestrationBenchReport): string {
  const lines = [
    `orchestration throughput on ${r.machine}; bullmq ${r.versions.bullmq}, prisma ${r.versions.prisma}, ${r.versions.database}`,
    `raw BullMQ (no-op jobs)          ${r.rawBullmqJobsPerSecond.toFixed(0).padStart(7)} jobs/s  (${r.rawBullmq.count} jobs, ${r.rawBullmq.workers} × ${r.rawBullmq.concurrency})`,
    `controller + queue + store       ${r.candidatesPerSecond.toFixed(0).padStart(7)} candidates/s  (${r.endToEnd.count} candidates, ${r.endToEnd.strategy}, steady ${r.endToEnd.steadyPerSecond.toFixed(0)}/s) — ${check(r.candidatesPerSecond >= r.targets.candidatesPerSecond)} the ${r.targets.candidatesPerSecond}/s target`,
    `ratio to raw BullMQ              ${r.ratio.toFixed(3).padStart(7)}  — ${check(r.ratio >= r.targets.ratio)} the ${r.targets.ratio} target`,
    `64 workers × 100 ms jobs         ${r.scaling.steadyPerSecond.toFixed(0).padStart(7)}/s of ${r.scaling.idealPerSecond}/s ideal: efficiency ${(100 * r.scalingEfficiency64).toFixed(1)}% (overall incl. start and drain ${(100 * r.scaling.overallEfficiency).toFixed(1)}%) — ${check(r.scalingEfficiency64 >= r.targets.scalingEfficiency64)} the 95% target`,
  ];
  if (r.memory) {
    const m = r.memory;
    lines.push(
      `controller RSS after ${m.controllerCandidates} candidates (${m.controllerRuns} runs) ${m.controllerRssMbAfter100k} MB, peak ${m.controllerPeakRssMb} MB; by run: ${m.controllerRssMbByRun.join(', ')} MB — ${check(m.controllerRssMbAfter100k < r.targets.controllerRssMb)} the ${r.targets.controllerRssMb} MB target`,
      `worker slot RSS across ${m.workerRssMbSamples[m.workerRssMbSamples.length - 1]!.jobs} jobs: ${m.workerRssMbStart} → ${m.workerRssMbEnd} MB (${m.workerRssMbSamples.map((s) => `${s.jobs}:${s.rssMb}`).join(' ')})`,
    );
  } else {
    lines.push('memory: run with --memory (about 100,000 candidates; a few minutes)');
  }
  return lines.join('\n');
}

/** What commander hands the action: the bench's options as flags, Redis as a URL flag, plus --json. */
type BenchOrchestrationFlags = Omit<OrchestrationBenchOptions, 'redisUrl' | 'memory' | 'log'> & { redis?: string; memory?: boolean; json?: boolean };

const DEFAULT_TABLE = fileURLToPath(new URL('../../../../shared/data/nasbench201/cifar10.csv', import.meta.url));

export function registerBenchOrchestration(bench: Command): void {
  bench
    .command('orchestration')
    .description('candidates per second through controller + queue + store (table engine) beside raw BullMQ jobs per second; 64-worker scaling; --memory for RSS')
    .option('--redis <url>', 'Redis URL (default: REDIS_URL, else redis://127.0.0.1:6379)')
    .option('--prefix <prefix>', 'key prefix in Redis, deleted afterwards (default: bench-orch-RANDOM)')
    .option('--db <url>', 'database (default: a fresh SQLite file, removed afterwards)')
    .option('--table <file>', 'NAS-Bench-201 CSV', DEFAULT_TABLE)
    .option('--fitness <column>', 'fitness column', 'c10valid_val_12ep')
    .option('--candidates <n>', 'candidates of the end-to-end run', positiveInt('--candidates'), 5000)
    .option('--raw-jobs <n>', 'jobs of the raw BullMQ run', positiveInt('--raw-jobs'), 20_000)
    .option('--workers <n>', 'in-process workers (end to end and raw)', positiveInt('--workers'), 4)
    .option('--concurrency <n>', 'concurrency of each in-process worker', positiveInt('--concurrency'), 16)
    .option('--max-in-flight <n>', 'candidates queued at once (end to end)', positiveInt('--max-in-flight'), 256)
    .option('--strategy <name>', 'search strategy of the end-to-end run', 'random')
    .option('--scaling-seconds <s>', 'approximate length of the 64-worker run', positiveInt('--scaling-seconds'), 10)
    .option('--memory', 'also measure controller RSS after --memory-candidates and a worker slot RSS across --worker-jobs')
    .option('--memory-candidates <n>', 'candidates for the controller memory figure', positiveInt('--memory-candidates'), 100_000)
    .option('--worker-jobs <n>', 'jobs for the worker memory figure', positiveInt('--worker-jobs'), 1000)
    .option('--json', 'print the report as JSON')
    .action(async (flags: BenchOrchestrationFlags) => {
      const log = flags.json ? () => {} : (line: string) => process.stderr.write(`${line}\n`);
      const { redis, memory, json: _json, ...options } = flags;
      const report = await runOrchestrationBench({
        ...options,
        redisUrl: redis ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
        memory: Boolean(memory),
        log,
      });
      process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatOrchestrationBench(report)}\n`);
    });
}
