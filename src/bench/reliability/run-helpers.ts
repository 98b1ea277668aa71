/**
 * What every fault scenario does around its fault: start table-engine workers
 * and `blockqnn search`, read the run back from the store, count trainings from
 * the worker registry, time the recovery, and compare with an uninterrupted run.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { createRedis } from '../../queue/redis.js';
import { type WorkerState, listWorkers, settledWorkers } from '../../queue/worker-registry.js';
import { type RecordedRow, type RunRecord, countOutcome, type ScenarioOutcome } from './outcome.js';
import { type Store, openStore } from '../../store/index.js';
import { BIN, type Lab, type Proc, eventually, sleep } from './lab.js';

export interface ScenarioOptions {
  /** NAS-Bench-201 CSV of the table engine. */
  table: string;
  /** Redis for scenarios that do not need a private one (each under its own prefix, deleted afterwards). */
  redisUrl: string;
  /** Smaller budgets and shorter outages (the tests' scale). */
  quick: boolean;
  /** How long the Redis-unreachable scenario keeps Redis down, in seconds. */
  redisDownSeconds: number;
  log(line: string): void;
}

/** A scenario's outcome plus what a test needs to check the details. */
export interface ScenarioReport extends ScenarioOutcome {
  runId: string;
  db: string;
  rows: RecordedCandidate[];
  /** Named facts of the scenario (worker ids, log lines matched, statuses seen during the fault). */
  facts: Record<string, unknown>;
}

export interface RecordedCandidate extends RecordedRow {
  nsc: string;
  accuracy: number | null;
  workerId: string | null;
  attempts: number;
}

export interface SearchSpec {
  db: string;
  redis: string;
  prefix: string;
  budget: number;
  delayMs: number;
  maxInFlight?: number;
  seed?: number;
  strategy?: string;
}

export function searchArgs(o: ScenarioOptions, s: SearchSpec): string[] {
  return [
    'search',
    '--space',
    'nasbench201',
    '--engine',
    'table',
    '--table',
    o.table,
    '--fitness',
    'c10valid_val_12ep',
    '--report',
    'c10_test_200ep',
    '--budget',
    String(s.budget),
    '--delay-ms',
    String(s.delayMs),
    '--max-in-flight',
    String(s.maxInFlight ?? 2),
    '--seed',
    String(s.seed ?? 0),
    '--workers',
    '0',
    '--db',
    s.db,
    '--redis',
    s.redis,
    '--prefix',
    s.prefix,
    ...(s.strategy ? ['--strategy', s.strategy] : []),
  ];
}

export function resumeArgs(runId: string, s: Pick<SearchSpec, 'db' | 'redis' | 'prefix'>): string[] {
  return ['resume', runId, '--workers', '0', '--db', s.db, '--redis', s.redis, '--prefix', s.prefix];
}

/** A key prefix of the scenario's own, deleted from `redisUrl` at close. */
export function scenarioPrefix(lab: Lab, redisUrl: string, tag: string): string {
  const prefix = `bqfault-${tag}-${randomBytes(4).toString('hex')}`;
  lab.onCleanup(() => deletePrefix(redisUrl, prefix));
  return prefix;
}

async function deletePrefix(url: string, prefix: string): Promise<void> {
  const client = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await client.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

export interface WorkerSpec {
  redis: string;
  prefix: string;
  slots?: number;
  lockSeconds?: number;
  /** A command to run the worker under (e.g. faketime). */
  wrap?: string[];
  /** Another build's launcher (bin/blockqnn.js of a copied tree). */
  bin?: string;
}

/** `blockqnn worker --engine table`; resolves once every slot said it is ready. */
export async function startWorker(lab: Lab, label: string, w: WorkerSpec): Promise<Proc> {
  const slots = w.slots ?? 1;
  const args = [
    'worker',
    '--engine',
    'table',
    '--cpu-slots',
    String(slots),
    '--redis',
    w.redis,
    '--prefix',
    w.prefix,
    '--grace-seconds',
    '1',
    ...(w.lockSeconds ? ['--lock-seconds', String(w.lockSeconds)] : []),
  ];
  const proc = w.wrap
    ? lab.start(label, w.wrap[0]!, [...w.wrap.slice(1), process.execPath, w.bin ?? BIN, ...args])
    : lab.cli(label, args, {}, w.bin);
  await eventually(
    () =>
      (proc.output.match(/slot cpu\d+ ready/g)?.length ?? 0) >= slots
        ? true
        : proc.exit
          ? Promise.reject(new Error(`${label} exited:\n${proc.output}`))
          : undefined,
    30_000,
    `${label} ready; output:\n${proc.output}`,
  );
  return proc;
}

/** The run id `blockqnn search` prints first. */
export async function runIdOf(search: Proc): Promise<string> {
  return (await search.waitFor(/run ([a-z0-9]+) \(/))[1]!;
}

/** Opens the store at `url` for reading; closed at the lab's close. */
export async function openRead(lab: Lab, url: string): Promise<Store> {
  const store = await openStore(url);
  lab.onCleanup(() => store.close());
  return store;
}

export async function candidatesOf(store: Store, runId: string): Promise<RecordedCandidate[]> {
  const out: RecordedCandidate[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listCandidates(runId, { sort: 'sequence', order: 'asc', limit: 1000, ...(cursor ? { cursor } : {}) });
    for (const c of page.items)
      out.push({
        sequence: c.sequence,
        hash: c.hash,
        nsc: c.nsc,
        status: c.status,
        accuracy: c.accuracy,
        workerId: c.workerId,
        attempts: c.attempts,
      });
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

/** Waits until the run has committed more than `count` results. */
export function committedMoreThan(store: Store, runId: string, count: number, timeoutMs = 60_000): Promise<number> {
  return eventually(
    async () => {
      const n = (await store.getRun(runId)).resultCount;
      return n > count ? n : undefined;
    },
    timeoutMs,
    `run ${runId} to commit more than ${count} result(s)`,
  );
}

/** Seconds from `since` (ms epoch) until the run commits a result beyond `count`. */
export async function recoveryAfter(store: Store, runId: string, count: number, since: number, timeoutMs = 120_000): Promise<number> {
  await committedMoreThan(store, runId, count, timeoutMs);
  return (Date.now() - since) / 1000;
}

/** Jobs completed by the workers of `prefix`, from the settled worker registry (kill -9 leaves a slot's entry behind). */
export async function trainingsOf(redisUrl: string, prefix: string): Promise<number> {
  const client = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  client.on('error', () => {});
  try {
    return (await settledWorkers(client, prefix)).reduce((n, w) => n + w.jobsDone, 0);
  } finally {
    client.disconnect();
  }
}

/** Parent pid of a process, from /proc (0 once it is gone). */
export function parentOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return 0;
  }
}

/** Whether `pid` runs under `ancestor` (a worker's slots sit below its supervisor, itself below a wrapper such as faketime). */
export function descendsFrom(pid: number, ancestor: number): boolean {
  for (let p = pid, i = 0; p > 1 && i < 16; p = parentOf(p), i++) if (p === ancestor) return true;
  return false;
}

/**
 * A slot of worker `supervisorPid` seen starting a job of `runId`: busy with a job it was not on at the
 * previous look. A kill right after lands early in that job. Any busy slot would not do: the registry
 * shows a job for up to JOB_NOTE_MS after it ended, and the job may be anywhere in its run when first
 * seen, so a kill could come after its result was handed over.
 */
export async function slotStartingJob(redisUrl: string, prefix: string, runId: string, supervisorPid: number): Promise<WorkerState> {
  const client = createRedis({ url: redisUrl, prefix });
  const previous = new Map<string, string | null>();
  try {
    return await eventually(
      async () => {
        const workers = await listWorkers(client, prefix);
        const started = workers.find(
          (w) =>
            w.currentJob?.runId === runId &&
            previous.has(w.id) &&
            previous.get(w.id) !== w.currentJob.jobId &&
            descendsFrom(w.pid, supervisorPid),
        );
        for (const w of workers) previous.set(w.id, w.currentJob?.jobId ?? null);
        return started;
      },
      30_000,
      `a slot of worker ${supervisorPid} starting a job of run ${runId}`,
    );
  } finally {
    client.disconnect();
  }
}

/** Runs the same search without faults, to its end, and returns its proposals in order (for the exact-resume check). */
export async function uninterrupted(lab: Lab, o: ScenarioOptions, s: SearchSpec): Promise<string[]> {
  const search = lab.cli('search (uninterrupted)', searchArgs(o, s));
  const runId = await runIdOf(search);
  const code = await search.done(120_000);
  if (code !== 0) throw new Error(`the uninterrupted reference run exited ${code}:\n${search.output}`);
  const store = await openRead(lab, s.db);
  return (await candidatesOf(store, runId)).map((r) => r.nsc);
}

/** Reads the run back and counts it. */
export async function finishReport(
  store: Store,
  o: {
    scenario: string;
    runId: string;
    db: string;
    budget: number;
    trainings?: number;
    intendedExtraTrainings?: number;
    recoverySeconds: number | null;
    reference?: string[];
    note: string;
    facts?: Record<string, unknown>;
  },
): Promise<ScenarioReport> {
  const run = await store.getRun(o.runId);
  const rows = await candidatesOf(store, o.runId);
  const record: RunRecord = {
    budget: o.budget,
    rows,
    resultCount: run.resultCount,
    ...(o.trainings !== undefined ? { trainings: o.trainings } : {}),
    ...(o.intendedExtraTrainings ? { intendedExtraTrainings: o.intendedExtraTrainings } : {}),
  };
  const sameAsUninterrupted = o.reference
    ? o.reference.length === rows.length && o.reference.every((nsc, i) => rows[i]!.nsc === nsc)
    : null;
  return {
    scenario: o.scenario,
    ...countOutcome(record),
    recoverySeconds: o.recoverySeconds,
    status: run.status,
    sameAsUninterrupted,
    note: o.note,
    runId: o.runId,
    db: o.db,
    rows,
    facts: o.facts ?? {},
  };
}

export { sleep };
