/**
 * Baselines inside a run: resolved and built for the run's task before anything
 * is stored, then trained for real (torch engine, tiny MNIST) through the same
 * queue and workers as the searched candidates, stored as baseline rows, never
 * told to the strategy, outside the budget, and not evaluated again on resume.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BlockqnnError } from '../../src/common/errors.js';
import { rewardOptions, shapedReward } from '../../src/controller/index.js';
import { registerBuiltinEngines } from '../../src/engines/builtin.js';
import type { Engine } from '../../src/engines/engine.js';
import { createEngine } from '../../src/engines/registry.js';
import { irDensity, materializeBaseline, resolveBaselineNames, taskScaleBaselines } from '../../src/orchestrator/baselines.js';
import type { SearchConfigInput } from '../../src/orchestrator/config.js';
import { createRun, prepareConfig, runController } from '../../src/orchestrator/session.js';
import { EvaluationWorker } from '../../src/queue/evaluation-worker.js';
import { PAPER_BLOCKS, assembleNetwork, density, networkCost } from '../../src/search-space/index.js';
import { openStore } from '../../src/store/index.js';
import { parseTask, taskKey } from '../../src/task/task.js';
import { engineHandler } from '../../src/worker/handler.js';
import { deletePrefix, eventually, testRedisSettings } from '../helpers/redis.js';
import { sqliteBackend } from '../store/backends.js';

const task = parseTask({
  kind: 'classification',
  dataset: { name: 'mnist', subset: 120, validationSize: 60, imageSize: 8 },
  recipe: { epochs: 1, batchSize: 20, learningRate: 0.01 },
});
const network = { inputShape: [8, 8, 1] as [number, number, number], classes: 10, blocksPerStage: 1, baseFilters: 4, stages: 2 };

function config(extra: Partial<SearchConfigInput> = {}): SearchConfigInput {
  return {
    name: 'baselines',
    space: 'nsc',
    strategy: 'evolution',
    engine: 'torch',
    task,
    taskKey: taskKey(task, 'torch'),
    network,
    maxIndex: 5,
    budget: { candidates: 3 },
    maxInFlight: 3,
    seed: 3,
    reuseResults: false,
    baselines: { names: ['blockqnn-resnet-block', 'resnet-20-cifar'], width: 0.25 },
    ...extra,
  };
}

function thrown(fn: () => unknown): BlockqnnError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(BlockqnnError);
    return error as BlockqnnError;
  }
  throw new Error('expected an error');
}

describe('choosing and building baselines for a run', () => {
  it('`all` is the task-scale set: the NSC blocks and every small-image configuration, no ImageNet one', () => {
    const all = resolveBaselineNames('all');
    expect(all).toEqual(taskScaleBaselines());
    expect(all).toEqual(
      expect.arrayContaining([
        'blockqnn-resnet-block',
        'blockqnn-inception-block',
        'resnet-20-cifar',
        'se-resnet-20-cifar',
        'dla-34-cifar',
        'cliquenet-k36-t12',
      ]),
    );
    expect(all).not.toContain('resnet-50');
    expect(all).not.toContain('dla-34');
    expect(resolveBaselineNames('resnet-50, all,resnet-50')[0]).toBe('resnet-50');
    expect(resolveBaselineNames(['resnet-20-cifar', 'resnet-20-cifar'])).toEqual(['resnet-20-cifar']);
  });

  it('an unknown name fails listing the known ones', () => {
    const e = thrown(() => resolveBaselineNames('resnet-20-cifar,resnet-21'));
    expect(e.code).toBe('UNKNOWN_NAME');
    expect(e.message).toContain('resnet-21');
    expect(e.hint).toContain('blockqnn-inception-block');
  });

  it("assembles an NSC baseline exactly like a searched block in the run's network", () => {
    const m = materializeBaseline('blockqnn-inception-block', { network, baselines: { width: 0.25 } });
    const searched = assembleNetwork(PAPER_BLOCKS.inception, { ...network, name: 'blockqnn-inception-block' });
    expect(m.ir).toEqual(searched.ir);
    expect(m.flops).toBe(networkCost(searched).macs);
    expect(m.density).toBe(density(PAPER_BLOCKS.inception));
    expect(m.hash).toMatch(/^[0-9a-f]{32}$/);
  });

  it("builds whole networks for the run's input and classes, with the proxy width", () => {
    const full = materializeBaseline('resnet-20-cifar', { network, baselines: { width: 1 } });
    const proxy = materializeBaseline('resnet-20-cifar', { network, baselines: { width: 0.25 } });
    expect(full.ir.input.shape).toEqual([8, 8, 1]);
    expect(proxy.params).toBeLessThan(full.params / 8);
    expect(proxy.hash).not.toBe(full.hash);
    const head = proxy.ir.nodes.find((n) => n.id === proxy.ir.output)!;
    expect(head).toMatchObject({ op: 'dense', units: 10 });
    expect(proxy.density).toBeCloseTo(irDensity(proxy.ir), 12);
    expect(proxy.density).toBeGreaterThan(1); // residual sums add edges to a chain's 1
  });

  it('configurations that make no network fail with the baseline, the rule and a fix', () => {
    const small = thrown(() =>
      materializeBaseline('resnet-50', { network: { ...network, inputShape: [28, 28, 1] }, baselines: { width: 1 } }),
    );
    expect(small.code).toBe('INVALID_CONFIG');
    expect(small.message).toMatch(/resnet-50.*28x28 is too small/);
    const odd = thrown(() => materializeBaseline('resnet-20-cifar', { network, baselines: { width: 0.3 } }));
    expect(odd.message).toMatch(
      /resnet-20-cifar: width 0.3 turns the 16 filters of node stem\/conv\/conv into 4.8, not a whole number of channels/,
    );
    expect(odd.hint).toMatch(/0\.5/);
    // An SE squeeze cannot go below one unit: at width 1/4 SE-ResNet-20's 16-channel squeezes keep 1 unit.
    const se = materializeBaseline('se-resnet-20-cifar', { network, baselines: { width: 0.25 } });
    expect(se.ir.nodes.filter((n) => n.op === 'dense' && n.id !== se.ir.output).every((n) => n.op === 'dense' && n.units >= 1)).toBe(true);
  });

  it('prepareConfig rejects bad baselines before a run exists', () => {
    expect(thrown(() => prepareConfig(config({ baselines: { names: ['nope'], width: 1 } }))).code).toBe('UNKNOWN_NAME');
    expect(thrown(() => prepareConfig(config({ baselines: { names: ['resnet-18'], width: 1 } }))).message).toMatch(/resnet-18.*too small/);
    const lookup = parseTask({ kind: 'lookup', table: '/nowhere.csv', fitness: 'x' });
    expect(thrown(() => prepareConfig(config({ task: lookup, engine: 'table', taskKey: taskKey(lookup, 'table') }))).message).toMatch(
      /baselines need a dataset; this run looks candidates up in a table/,
    );
    expect(prepareConfig(config({ baselines: { names: ['all'], width: 0.5 } })).baselines.names).toEqual(taskScaleBaselines());
  });
});

describe('baselines evaluated inside a search (torch engine, real Redis, SQLite)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('trains them beside the searched candidates, stores them by name, keeps them from the strategy and does not repeat them on resume', async () => {
    registerBuiltinEngines();
    const db = await sqliteBackend.create();
    const store = await openStore(db.url);
    const redis = testRedisSettings('baselines');
    const engine: Engine = await createEngine('torch');
    const worker = new EvaluationWorker(redis, engineHandler(engine), {
      engine: 'torch',
      engineDescription: engine.describe(),
      slot: 'cpu0',
      concurrency: 1,
    });
    await worker.start();
    cleanups.push(async () => {
      await worker.close(100);
      await engine.close?.();
      await store.close();
      await db.drop();
      await deletePrefix(redis);
    });
    const logs: string[] = [];
    const options = { store, redis, log: (l: string) => logs.push(l), controllerId: 'test' };

    const cfg = prepareConfig(config());
    const run = await createRun(store, cfg);
    expect(await runController(run.id, options)).toBe('finished');

    // The search: its budget of 3, sequences 1..3, counters and snapshot of those 3 only.
    const searched = (await store.listCandidates(run.id, { limit: 100 })).items;
    expect(searched.map((c) => c.sequence)).toEqual([1, 2, 3]);
    expect(searched.every((c) => c.baseline === null)).toBe(true);
    const after = await store.getRun(run.id);
    expect(after).toMatchObject({ status: 'finished', candidateCount: 3, resultCount: 3 });
    expect(searched.find((c) => c.id === after.best!.candidateId)).toBeDefined();
    expect(await store.countByStatus(run.id)).toMatchObject({ queued: 0, running: 0 });
    const snapshot = (await store.latestSnapshot(run.id))!;
    expect(snapshot.resultCount).toBe(3);
    const state = snapshot.state as {
      candidates: number;
      strategy: { state: { book: { nextId: number; pending: unknown[] }; members: [string, number][] } };
    };
    expect(state.candidates).toBe(3);
    // The strategy was told exactly the searched results: its population holds those keys, nothing else.
    expect(state.strategy.state.members.map(([key]) => key).sort()).toEqual(searched.map((c) => c.nsc).sort());
    expect(state.strategy.state.book.pending).toEqual([]);

    // The baselines: rows of their own, trained by the same worker and recipe, shaped like candidates.
    const rows = await store.listBaselines(run.id);
    expect(rows.map((r) => r.baseline)).toEqual(['blockqnn-resnet-block', 'resnet-20-cifar']);
    expect(rows.map((r) => r.sequence)).toEqual([-1, -2]);
    for (const r of rows) {
      expect(r.status).toBe('ok');
      expect(r.accuracy).toBeGreaterThan(0);
      expect(r.engine).toBe('torch');
      expect(r.workerId).toMatch(/cpu0/);
      expect(r.curve).toHaveLength(1);
      expect(r.reward).toBeCloseTo(shapedReward({ accuracy: r.accuracy!, flops: r.flops, density: r.density }, rewardOptions({})), 12);
    }
    expect(rows[0]!.nsc).toBe('(1,4,0,0,0)(2,1,3,1,0)(3,1,3,2,0)(4,5,0,1,3)(5,7,0,0,0)');
    const detail = (await store.getCandidate(run.id, rows[1]!.hash))!;
    expect(detail.ir!.input.shape).toEqual([8, 8, 1]);
    expect(detail.baseline).toBe('resnet-20-cifar');

    // Resume: the finished baselines are neither queued nor trained again.
    await store.updateRun(run.id, { status: 'stopped' });
    logs.length = 0;
    expect(await runController(run.id, options)).toBe('finished');
    expect(logs.join('\n')).toMatch(/2 baseline\(s\): 2 already evaluated, 0 from the result cache, 0 queued, 0 waiting from before/);
    const again = await store.listBaselines(run.id);
    expect(again.map((r) => [r.hash, r.finishedAt?.getTime(), r.attempts])).toEqual(
      rows.map((r) => [r.hash, r.finishedAt?.getTime(), r.attempts]),
    );
    expect((await store.getRun(run.id)).candidateCount).toBe(3);
  }, 120_000);

  it('re-enqueues baselines a stop cancelled, and evaluates each once after the resume', async () => {
    registerBuiltinEngines();
    const db = await sqliteBackend.create();
    const store = await openStore(db.url);
    const redis = testRedisSettings('baselines-stop');
    const engine: Engine = await createEngine('torch');
    let worker: EvaluationWorker | undefined;
    cleanups.push(async () => {
      await worker?.close(100);
      await engine.close?.();
      await store.close();
      await db.drop();
      await deletePrefix(redis);
    });
    const logs: string[] = [];
    const options = { store, redis, log: (l: string) => logs.push(l), controllerId: 'test' };
    const run = await createRun(store, prepareConfig(config({ budget: { candidates: 1 } })));

    // No worker yet: stop once the baselines are queued, with nothing evaluated.
    const stop = new AbortController();
    const stopped = runController(run.id, { ...options, stopSignal: stop.signal });
    await eventually(async () => ((await store.listBaselines(run.id)).length === 2 ? true : undefined), 20_000, 'baselines queued');
    stop.abort();
    expect(await stopped).toBe('stopped');
    expect((await store.listBaselines(run.id)).every((b) => b.accuracy === null)).toBe(true);

    worker = new EvaluationWorker(redis, engineHandler(engine), {
      engine: 'torch',
      engineDescription: engine.describe(),
      slot: 'cpu0',
      concurrency: 1,
    });
    await worker.start();
    expect(await runController(run.id, options)).toBe('finished');
    expect(logs.join('\n')).toMatch(/2 baseline\(s\): 0 already evaluated, 0 from the result cache, 0 queued, 2 waiting from before/);
    expect(logs.join('\n')).toMatch(/re-enqueued [23] job\(s\) missing from Redis or cancelled by a stop/);
    const rows = await store.listBaselines(run.id);
    expect(rows.map((r) => [r.baseline, r.status, r.attempts])).toEqual([
      ['blockqnn-resnet-block', 'ok', 1],
      ['resnet-20-cifar', 'ok', 1],
    ]);
    expect(await store.getRun(run.id)).toMatchObject({ candidateCount: 1, resultCount: 1 });
  }, 120_000);
});
