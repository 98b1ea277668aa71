/**
 * Issue #19, first bug: `config.reward` set the reward the store recorded, but
 * the strategy learned from its own options and the space's defaults (session.ts
 * passed no reward to it), so a NAS-Bench-201 run with `"reward": {"mu": 0.2}`
 * proposed the same cells in the same order as one with μ = 0 while it recorded
 * different rewards. Now the strategy is created with the run's reward: the
 * rewards it learned (its snapshot's history) are the stored ones, and a FLOPs
 * penalty changes what it proposes. Real Redis, a real table-engine worker, SQLite.
 */
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { LookupTable, TableEngine } from '../../src/engines/table/index.js';
import { nb201Candidates } from '../../src/orchestrator/candidates.js';
import type { SearchConfigInput } from '../../src/orchestrator/config.js';
import { createRun, prepareConfig, runController, strategyFor } from '../../src/orchestrator/session.js';
import { EvaluationWorker } from '../../src/queue/evaluation-worker.js';
import { parseTask, taskKey } from '../../src/task/task.js';
import { openStore } from '../../src/store/index.js';
import { engineHandler } from '../../src/worker/handler.js';
import { deletePrefix, testRedisSettings } from '../helpers/redis.js';
import { sqliteBackend } from '../store/backends.js';

const TABLE = resolve(import.meta.dirname, '../../data/nasbench201/cifar10.csv.gz');
const BUDGET = 8;

function config(reward: { mu: number }, strategyOptions: Record<string, unknown> = {}): SearchConfigInput {
  const task = parseTask({ kind: 'lookup', table: TABLE, fitness: 'c10valid_val_12ep', delayMs: 0 });
  return {
    name: 'reward-source',
    space: 'nasbench201',
    strategy: 'qlearning-predictor',
    strategyOptions,
    engine: 'table',
    task,
    taskKey: taskKey(task, 'table'),
    network: { inputShape: [32, 32, 3], classes: 10 },
    budget: { candidates: BUDGET },
    maxInFlight: 1,
    seed: 7,
    reward,
    reuseResults: false,
  };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function search(reward: { mu: number }) {
  const db = await sqliteBackend.create();
  const store = await openStore(db.url);
  const redis = testRedisSettings('reward');
  const engine = new TableEngine();
  const worker = new EvaluationWorker(redis, engineHandler(engine), {
    engine: 'table',
    engineDescription: engine.describe(),
    slot: 'cpu0',
    concurrency: 1,
  });
  await worker.start();
  cleanups.push(async () => {
    await worker.close(100);
    await store.close();
    await db.drop();
    await deletePrefix(redis);
  });
  const run = await createRun(store, prepareConfig(config(reward)));
  expect(await runController(run.id, { store, redis, log: () => undefined, controllerId: 'test' })).toBe('finished');
  const candidates = (await store.listCandidates(run.id, { sort: 'sequence', order: 'asc', limit: 1000 })).items;
  const snapshot = (await store.latestSnapshot(run.id))!.state as {
    strategy: { options: Record<string, unknown>; state: { history: [string, number][] } };
  };
  return { candidates, strategy: snapshot.strategy };
}

/** The keys the run's strategy proposes in `count` asks, each told its table fitness at once (as a run with --max-in-flight 1 does). */
function proposals(reward: { mu: number }, count: number): string[] {
  const cfg = prepareConfig({ ...config(reward), budget: { candidates: count } });
  const strategy = strategyFor(cfg);
  const table = LookupTable.fromCsv(gunzipSync(readFileSync(TABLE)).toString('utf8'), { fitness: 'c10valid_val_12ep' }, TABLE);
  const cells = nb201Candidates();
  const keys: string[] = [];
  for (let i = 0; i < count; i++) {
    const p = strategy.ask();
    const m = cells.materialize(p.key);
    strategy.tell(p.id, { fitness: table.evaluate(p.key).fitness / 100, flops: m.flops, density: m.density });
    keys.push(p.key);
  }
  return keys;
}

describe('the reward a strategy learns is the reward the run records', () => {
  it("is created with the run's reward, so a FLOPs penalty changes what it proposes", () => {
    expect(strategyFor(prepareConfig(config({ mu: 0.2 }))).snapshot().options).toMatchObject({ mu: 0.2, rho: 0, flopsUnit: 1e6 });
    // The measurement of the issue: μ = 0 and μ = 0.2 proposed the same 60 cells in the same order.
    expect(proposals({ mu: 0.2 }, 60)).not.toEqual(proposals({ mu: 0 }, 60));
  });

  it('learns exactly the rewards the run stores (a run through Redis, a worker and the store)', async () => {
    const penalised = await search({ mu: 0.2 });
    expect(penalised.candidates).toHaveLength(BUDGET);
    const stored = new Map(penalised.candidates.map((c) => [c.nsc, c.reward]));
    expect(penalised.strategy.state.history).toHaveLength(BUDGET);
    for (const [key, learned] of penalised.strategy.state.history) expect(learned).toBeCloseTo(stored.get(key)!, 12);
    // With μ = 0.2 the FLOPs term moves rewards by far more than the accuracy differences between cells.
    expect(penalised.candidates.some((c) => Math.abs(c.reward! - c.accuracy!) > 0.1)).toBe(true);
  }, 120_000);
  it('refuses a reward term given twice with different values', () => {
    expect(() => prepareConfig(config({ mu: 0.2 }, { mu: 0.1 }))).toThrow(
      /reward.s mu is given twice: reward.mu = 0.2 and strategyOptions.mu = 0.1/,
    );
    expect(() => prepareConfig(config({ mu: 0.2 }, { mu: 0.2 }))).not.toThrow();
  });
});
