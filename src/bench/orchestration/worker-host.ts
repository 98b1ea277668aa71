/**
 * The bench's workers in a child process of their own: no-op BullMQ workers for
 * the raw baseline, table-engine EvaluationWorkers for the end-to-end runs. The
 * workers then have a core of their own, as they would on worker hosts, and the
 * controller's figures are the controller's. The raw-BullMQ workers name BullMQ
 * directly: measuring it is their purpose.
 */
import { fork } from 'node:child_process';
import { Worker } from 'bullmq';
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import { TableEngine } from '../../engines/table/index.js';
import { EvaluationWorker } from '../../queue/evaluation-worker.js';
import { type RedisSettings, redisOptions } from '../../queue/redis.js';
import { engineHandler } from '../../worker/handler.js';
import { deadline, forkArgs } from './util.js';

export const RAW_QUEUE = 'raw-noop';
const HOST_FLAG = '--blockqnn-bench-worker-host';

export interface HostSpec {
  mode: 'raw' | 'table';
  redis: RedisSettings;
  workers: number;
  concurrency: number;
}

type HostMessage = { kind: 'ready'; pid: number } | { kind: 'completed'; count: number } | { kind: 'error'; message: string };

export interface WorkerHost {
  pid: number;
  /** Resolves once the host's workers completed `count` jobs in all (raw mode only: the end-to-end runs count through the store). */
  completed(count: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts `workers` workers, each with `concurrency`, in a child process. */
export async function startWorkerHost(spec: HostSpec): Promise<WorkerHost> {
  const { path, execArgv } = forkArgs(import.meta.url);
  const child = fork(path, [HOST_FLAG, JSON.stringify(spec)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv });
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
    completed: (count) =>
      Promise.race([new Promise<void>((resolve) => (completed >= count ? resolve() : waiters.push({ count, resolve }))), failed]),
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
  // Only the raw run waits on the count; the end-to-end runs hear their results through the queue,
  // and 200 messages a second to the controller's process would be load the system under test never has.
  const report =
    spec.mode === 'raw' ? setInterval(() => count !== reported && send({ kind: 'completed', count: (reported = count) }), 5) : undefined;
  let close: () => Promise<void>;
  if (spec.mode === 'raw') {
    const workers = Array.from(
      { length: spec.workers },
      () =>
        new Worker(RAW_QUEUE, async () => null, {
          connection: redisOptions(spec.redis),
          prefix: spec.redis.prefix,
          concurrency: spec.concurrency,
        }),
    );
    for (const w of workers) {
      w.on('error', () => {});
      w.on('completed', () => count++);
    }
    await Promise.all(workers.map((w) => w.waitUntilReady()));
    close = async () => void (await Promise.all(workers.map((w) => w.close())));
  } else {
    const engine = new TableEngine();
    const table = engineHandler(engine);
    const workers = Array.from(
      { length: spec.workers },
      (_, i) =>
        new EvaluationWorker(spec.redis, table, {
          engine: 'table',
          engineDescription: engine.describe(),
          slot: `bench${i}`,
          concurrency: spec.concurrency,
        }),
    );
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
