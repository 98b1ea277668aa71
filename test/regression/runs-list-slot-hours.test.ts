/**
 * Issue #21 item 10: the runs list showed Slot-hours "–" until the run's page
 * was opened (the figure came only from the chart digest that page builds).
 * The list now sums train seconds in the database for runs without a digest,
 * and follows new results. A real store, Redis and server; no digest is warmed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DashboardServer, createServer } from '../../src/server/index.js';
import { type Store, openStore } from '../../src/store/index.js';
import { deletePrefix, testRedisSettings } from '../helpers/redis.js';
import { seedNscRun } from '../server/harness.js';
import { type TestDatabase, sqliteBackend } from '../store/backends.js';

const redis = testRedisSettings('slot-hours');
let db: TestDatabase;
let store: Store;
let server: DashboardServer;
let url: string;

beforeAll(async () => {
  db = await sqliteBackend.create();
  store = await openStore(db.url);
  server = createServer({ store, redis, controllerId: 'test', warmRuns: 0, log: () => {} });
  ({ url } = await server.start({ port: 0 }));
});

afterAll(async () => {
  await server?.close();
  await store?.close();
  await db?.drop();
  await deletePrefix(redis);
});

const listed = async (runId: string) => {
  const body = (await (await fetch(`${url}/api/runs`)).json()) as { runs: { id: string; slotHours: number }[] };
  return body.runs.find((r) => r.id === runId)!.slotHours;
};

describe('runs list: slot-hours without opening the run', () => {
  it('sums the train seconds of the results, and follows new ones', async () => {
    // Results 1-4 of six blocks train 3, 4, 5 and 6 seconds.
    const { runId, hashes } = await seedNscRun(store, 4);
    expect(await listed(runId)).toBeCloseTo(18 / 3600, 12);
    await store.commitResults(
      runId,
      [{ hash: hashes[4]!, result: { status: 'failed', trainSeconds: 7, error: 'out of patience', attempts: 1 } }],
      { format: 'seeded' },
    );
    expect(await listed(runId)).toBeCloseTo(25 / 3600, 12);
    // The run's page builds its digest; the list then agrees with it.
    await fetch(`${url}/api/runs/${runId}/series`);
    expect(await listed(runId)).toBeCloseTo(25 / 3600, 12);
  });

  it('is 0 for a run without results', async () => {
    const run = await store.createRun({
      name: 'empty',
      strategy: 'random',
      engine: 'table',
      taskKey: 'k',
      seed: 1,
      budget: { candidates: 3 },
      config: { space: 'nasbench201' },
    });
    expect(await listed(run.id)).toBe(0);
  });
});
