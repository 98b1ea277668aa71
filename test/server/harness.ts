/**
 * A real dashboard for tests: a SQLite store in a temporary file, Redis under a
 * unique prefix, in-process table-engine workers (as `blockqnn worker` would
 * run them), and the express server on a random loopback port.
 */
import { resolve } from 'node:path';
import { TableEngine } from '../../src/engines/table/index.js';
import { nscCandidates } from '../../src/orchestrator/candidates.js';
import { EvaluationWorker } from '../../src/queue/evaluation-worker.js';
import type { RedisSettings } from '../../src/queue/redis.js';
import { type DashboardServer, createServer } from '../../src/server/index.js';
import { type Store, openStore } from '../../src/store/index.js';
import { engineHandler } from '../../src/worker/handler.js';
import { deletePrefix, testRedisSettings } from '../helpers/redis.js';
import { type TestDatabase, sqliteBackend } from '../store/backends.js';

export const TABLE = resolve(import.meta.dirname, '../../data/nasbench201/cifar10.csv.gz');
export const TOKEN = 'test-token-7f3a';

export interface TestDashboard {
  store: Store;
  redis: RedisSettings;
  server: DashboardServer;
  url: string;
  logs: string[];
  workers: EvaluationWorker[];
  close(): Promise<void>;
}

export async function startDashboard(
  o: { workers?: number; staticDir?: string; streamIntervalMs?: number; dataDir?: string } = {},
): Promise<TestDashboard> {
  const db: TestDatabase = await sqliteBackend.create();
  const store = await openStore(db.url);
  const redis = testRedisSettings('dash');
  const engine = new TableEngine();
  const workers = Array.from(
    { length: o.workers ?? 0 },
    (_, i) =>
      new EvaluationWorker(redis, engineHandler(engine), {
        engine: 'table',
        engineDescription: engine.describe(),
        slot: `cpu${i}`,
        concurrency: 1,
      }),
  );
  for (const w of workers) await w.start();
  const logs: string[] = [];
  const server = createServer({
    store,
    redis,
    token: TOKEN,
    controllerId: 'test-dashboard',
    streamIntervalMs: o.streamIntervalMs ?? 250,
    log: (l) => logs.push(l),
    ...(o.staticDir ? { staticDir: o.staticDir } : {}),
    ...(o.dataDir ? { dataDir: o.dataDir } : {}),
  });
  const { url } = await server.start({ port: 0 });
  return {
    store,
    redis,
    server,
    url,
    logs,
    workers,
    async close() {
      await server.close();
      for (const w of workers) await w.close(100);
      await store.close();
      await db.drop();
      await deletePrefix(redis);
    },
  };
}

/** The configuration of a short NAS-Bench-201 search on the table engine, as the page would post it. */
export function tableConfig(budget: number, delayMs: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'nb201-live',
    engine: 'table',
    strategy: 'qlearning',
    seed: 3,
    maxInFlight: 4,
    reuseResults: false,
    task: { kind: 'lookup', table: TABLE, fitness: 'c10valid_val_12ep', delayMs },
    budget: { candidates: budget },
    ...extra,
  };
}

export const NSC_BLOCKS = [
  '(1,1,3,0,0)(2,1,3,1,0)(3,5,0,2,0)(4,7,0,0,0)',
  '(1,1,1,0,0)(2,1,3,0,0)(3,6,0,1,2)(4,7,0,0,0)',
  '(1,1,3,0,0)(2,2,3,1,0)(3,1,5,0,0)(4,5,0,2,3)(5,7,0,0,0)',
  '(1,1,5,0,0)(2,7,0,0,0)',
  '(1,3,3,0,0)(2,1,3,1,0)(3,4,0,0,0)(4,5,0,2,3)(5,7,0,0,0)',
  '(1,1,1,0,0)(2,1,3,1,0)(3,1,3,0,0)(4,6,0,2,3)(5,1,1,4,0)(6,7,0,0,0)',
];

/** A finished NSC run written through the store API: real blocks, their IR and exact cost, committed results. */
export async function seedNscRun(store: Store, results = NSC_BLOCKS.length): Promise<{ runId: string; hashes: string[] }> {
  const network = { inputShape: [8, 8, 1] as [number, number, number], classes: 10, blocksPerStage: 1, baseFilters: 4, stages: 2 };
  const run = await store.createRun({
    name: 'nsc-seeded',
    strategy: 'qlearning',
    engine: 'tfjs',
    taskKey: 'seeded',
    seed: 1,
    status: 'finished',
    budget: { candidates: NSC_BLOCKS.length },
    config: {
      space: 'nsc',
      strategy: 'qlearning',
      engine: 'tfjs',
      task: { kind: 'classification', dataset: { name: 'mnist' } },
      network,
      maxIndex: 8,
    },
  });
  const factory = nscCandidates(network, 8);
  const made = NSC_BLOCKS.map((code) => factory.materialize(code));
  await store.upsertQueuedCandidates(
    run.id,
    made.map((m) => ({ hash: m.hash, nsc: m.key, ir: m.ir, flops: m.flops, params: m.params, density: m.density })),
  );
  const committed = made.slice(0, results).map((m, i) => ({
    hash: m.hash,
    result: {
      status: 'ok' as const,
      accuracy: 0.5 + i * 0.07,
      reward: 0.45 + i * 0.07,
      curve: [1, 2, 3].map((epoch) => ({ epoch, loss: 2 / epoch, valAccuracy: (0.5 + i * 0.07) * (epoch / 3) })),
      trainSeconds: 3 + i,
      evalSeconds: 0.2,
      workerId: 'host:1:cpu0',
      engine: 'tfjs',
      attempts: 1,
    },
  }));
  if (committed.length) await store.commitResults(run.id, committed, { format: 'seeded' });
  return { runId: run.id, hashes: made.map((m) => m.hash) };
}
