/**
 * Real processes for the end-to-end tests: the built CLI (`node bin/blockqnn.js`,
 * so run `npm run build` first), private redis-servers on free loopback ports,
 * and the databases of test/store/backends.ts. Every process a test starts is
 * its own process group and is killed (-9, by group) when the test ends, so a
 * failing test leaves no worker or server behind; nothing else is touched.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, expect } from 'vitest';
import { type WorkerState, settledWorkers } from '../../src/queue/worker-registry.js';
import { type Store, openStore } from '../../src/store/index.js';
import { deletePrefix, eventually } from '../helpers/redis.js';

export const REPO = resolve(import.meta.dirname, '../..');
export const BIN = resolve(REPO, 'bin/blockqnn.js');
export const TABLE = resolve(REPO, 'data/nasbench201/cifar10.csv.gz');
/** The machine's shared Redis: tests use prefixes of their own on it. */
export const REDIS = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

if (!existsSync(resolve(REPO, 'dist/cli/main.js'))) {
  throw new Error('test/e2e runs the built CLI: run `npm run build` first (dist/cli/main.js is missing)');
}

// The process wrapper is the reliability bench's (src/bench/reliability/lab.ts): one class for both.
import { Proc } from '../../src/bench/reliability/lab.js';

export { type Exit, Proc } from '../../src/bench/reliability/lab.js';

const started = new Set<Proc>();
const cleanups: (() => Promise<void> | void)[] = [];

/** Registers work to undo when the current test ends (run in reverse order, after its processes are killed). */
export function onCleanup(fn: () => Promise<void> | void): void {
  cleanups.push(fn);
}

afterEach(async () => {
  for (const p of started) p.killGroup();
  await Promise.all([...started].map((p) => Promise.race([p.exited, new Promise((r) => setTimeout(r, 5000))])));
  started.clear();
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** Starts a command in its own process group; killed with the group when the test ends. */
export function start(label: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  const child = spawn(command, args, {
    cwd: REPO,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const proc = new Proc(label, child);
  started.add(proc);
  return proc;
}

/** `node bin/blockqnn.js ARGS` as a background process. */
export function startCli(label: string, args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  return start(label, process.execPath, [BIN, ...args], env);
}

/** Runs `blockqnn ARGS` to completion. */
export async function cli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = startCli(`blockqnn ${args[0]}`, args, options.env);
  const code = await p.done(options.timeoutMs ?? 60_000);
  return { code, stdout: p.stdout, stderr: p.stderr };
}

/** Runs `blockqnn ARGS --json`, expects exit 0 and returns the parsed stdout. */
export async function cliJson<T>(args: string[]): Promise<T> {
  const r = await cli([...args, '--json']);
  if (r.code !== 0) throw new Error(`blockqnn ${args.join(' ')} exited ${r.code}:\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** A free TCP port on `host` (the kernel's choice, released at once). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface PrivateRedis {
  port: number;
  url: string;
  proc: Proc;
}

/** A redis-server of the test's own: no persistence, on `port` (a free one by default), bound to `binds`. */
export async function startRedis(options: { port?: number; binds?: string[] } = {}): Promise<PrivateRedis> {
  const port = options.port ?? (await freePort());
  const binds = options.binds ?? ['127.0.0.1'];
  const proc = start(`redis-server :${port}`, 'redis-server', [
    '--bind',
    ...binds,
    '--port',
    String(port),
    '--save',
    '',
    '--appendonly',
    'no',
    '--protected-mode',
    'no',
  ]);
  const url = `redis://${binds[0]}:${port}`;
  await eventually(
    async () => {
      if (proc.exit) throw new Error(`redis-server on ${port} exited:\n${proc.output}`);
      const client = new Redis({ host: binds[0], port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 1 });
      client.on('error', () => {});
      try {
        await client.connect();
        return (await client.ping()) === 'PONG' ? true : undefined;
      } catch {
        return undefined;
      } finally {
        client.disconnect();
      }
    },
    10_000,
    `redis-server on port ${port}`,
  );
  return { port, url, proc };
}

/** Table-engine search flags for `blockqnn search` (NAS-Bench-201 cells, fitness = 12-epoch validation accuracy). */
export function tableSearchArgs(o: {
  db: string;
  redis: string;
  prefix: string;
  budget: number;
  delayMs: number;
  maxInFlight?: number;
  seed?: number;
  workers?: number;
  strategy?: string;
}): string[] {
  return [
    'search',
    '--space',
    'nasbench201',
    '--engine',
    'table',
    '--table',
    TABLE,
    '--fitness',
    'c10valid_val_12ep',
    '--report',
    'c10_test_200ep',
    '--budget',
    String(o.budget),
    '--delay-ms',
    String(o.delayMs),
    '--max-in-flight',
    String(o.maxInFlight ?? 6),
    '--seed',
    String(o.seed ?? 0),
    '--workers',
    String(o.workers ?? 0),
    '--db',
    o.db,
    '--redis',
    o.redis,
    '--prefix',
    o.prefix,
    ...(o.strategy ? ['--strategy', o.strategy] : []),
  ];
}

/** `blockqnn worker --engine table` with `slots` CPU slots; resolves once every slot said it is ready. */
export async function startWorker(
  label: string,
  o: { redis: string; prefix: string; slots?: number; lockSeconds?: number; wrap?: string[] },
): Promise<Proc> {
  const args = [
    BIN,
    'worker',
    '--engine',
    'table',
    '--cpu-slots',
    String(o.slots ?? 1),
    '--redis',
    o.redis,
    '--prefix',
    o.prefix,
    '--grace-seconds',
    '1',
    ...(o.lockSeconds ? ['--lock-seconds', String(o.lockSeconds)] : []),
  ];
  const proc = o.wrap ? start(label, o.wrap[0]!, [...o.wrap.slice(1), process.execPath, ...args]) : start(label, process.execPath, args);
  await eventually(
    () =>
      (proc.output.match(/slot cpu\d+ ready/g)?.length ?? 0) >= (o.slots ?? 1)
        ? true
        : proc.exit
          ? Promise.reject(new Error(`${label} exited:\n${proc.output}`))
          : undefined,
    30_000,
    `${label} slots ready; output:\n${proc.output}`,
  );
  return proc;
}

/** The run id a `blockqnn search` prints first. */
export async function runIdOf(search: Proc): Promise<string> {
  return (await search.waitFor(/run ([a-z0-9]+) \(/, 20_000))[1]!;
}

export interface RecordedCandidate {
  sequence: number;
  hash: string;
  nsc: string;
  status: string;
  accuracy: number | null;
  reward: number | null;
  workerId: string | null;
  attempts: number;
}

/** Every candidate of a run from the database, in sequence order. */
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
        reward: c.reward,
        workerId: c.workerId,
        attempts: c.attempts,
      });
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

/** Opens the store at `url` for reading what the processes wrote; closed when the test ends. */
export async function readStore(url: string): Promise<Store> {
  const store = await openStore(url);
  onCleanup(() => store.close());
  return store;
}

/** Every key under `prefix` on the Redis at `url` (to check a run left nothing behind). */
export async function keysUnder(url: string, prefix: string): Promise<string[]> {
  const client = new Redis(url);
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    return keys;
  } finally {
    client.disconnect();
  }
}

/** SQLite database URLs in a temporary directory of the test's own. */
export function tempDb(): { url: (name: string) => string } {
  const dir = mkdtempSync(join(tmpdir(), 'blockqnn-e2e-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return { url: (name) => `file:${join(dir, `${name}.db`)}` };
}

/** A key prefix of the test's own on the shared Redis, deleted afterwards (a private redis-server dies with the test). */
export function uniquePrefix(label: string, shared = true): string {
  const prefix = `bqe2e-${label}-${randomBytes(4).toString('hex')}`;
  if (shared) onCleanup(() => deletePrefix({ url: REDIS, prefix }));
  return prefix;
}

/** The worker registry of `prefix`, as workers wrote it. */
/** The worker registry once the slots' last job notes have landed (they are coalesced, so they trail a run's end). */
export async function registry(url: string, prefix: string): Promise<WorkerState[]> {
  const client = new Redis(url);
  try {
    return await settledWorkers(client, prefix);
  } finally {
    client.disconnect();
  }
}

/** Whether a process runs (a killed one may linger as a zombie until it is reaped). */
export function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Parent pid of a process, from /proc. */
export function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** Every candidate of the budget recorded once, in sequence, each with an ok result. */
export function expectEachOnce(rows: { sequence: number; hash: string; status: string }[], budget: number): void {
  expect(rows).toHaveLength(budget);
  expect(new Set(rows.map((r) => r.hash)).size).toBe(budget);
  expect(rows.map((r) => r.sequence)).toEqual(Array.from({ length: budget }, (_, i) => i + 1));
  expect(rows.filter((r) => r.status !== 'ok')).toEqual([]);
}

export { eventually };
