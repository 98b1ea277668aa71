import { describe, expect, it } from 'vitest';
import { TableEngine, tableEngineFactory } from '../../../src/engines/table/index.js';
import type { TrainRequest } from '../../../src/engines/engine.js';

const csv = 'arch_str,fit,rep,flops_M\na,84.5,94.1,100\nb,80,93,20\n';
const ir = { name: 'x' } as unknown as TrainRequest['ir'];
const lookup = (extra: Record<string, unknown> = {}) =>
  ({ kind: 'lookup', table: '/tables/t.csv', fitness: 'fit', report: 'rep', delayMs: 0, ...extra }) as TrainRequest['task'];

describe('table engine', () => {
  it('answers a lookup task: accuracy in [0, 1] from a percent column, the raw numbers in extra', async () => {
    const reads: string[] = [];
    const engine = new TableEngine(async (p) => (reads.push(p), csv));
    const outcome = await engine.train({ ir, task: lookup(), seed: 1, candidateKey: 'a' }, new AbortController().signal, () => {});
    expect(outcome).toMatchObject({
      status: 'ok',
      accuracy: 0.845,
      curve: [],
      imagesPerSecond: null,
      extra: { fitness: 84.5, report: 94.1, flops: 100 },
    });
    await engine.train({ ir, task: lookup(), seed: 1, candidateKey: 'b' }, new AbortController().signal, () => {});
    expect(reads).toEqual(['/tables/t.csv']); // parsed once
  });

  it('fails clearly for a missing key, an unknown arch string and a training task', async () => {
    const engine = new TableEngine(async () => csv);
    const signal = new AbortController().signal;
    await expect(engine.train({ ir, task: lookup(), seed: 1 }, signal, () => {})).rejects.toThrow(/needs the candidate key/);
    await expect(engine.train({ ir, task: lookup(), seed: 1, candidateKey: 'zzz' }, signal, () => {})).rejects.toThrow(
      '/tables/t.csv: no row with arch_str = "zzz"',
    );
    await expect(
      engine.train({ ir, task: { kind: 'classification' } as TrainRequest['task'], seed: 1, candidateKey: 'a' }, signal, () => {}),
    ).rejects.toThrow(/answers lookup tasks/);
  });

  it('waits the simulated training time and stops when aborted', async () => {
    const engine = new TableEngine(async () => csv);
    const started = performance.now();
    const outcome = await engine.train(
      { ir, task: lookup({ delayMs: 30 }), seed: 1, candidateKey: 'b' },
      new AbortController().signal,
      () => {},
    );
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    expect(outcome.trainSeconds).toBeGreaterThanOrEqual(0.025);
    const controller = new AbortController();
    const pending = engine.train({ ir, task: lookup({ delayMs: 10_000 }), seed: 1, candidateKey: 'b' }, controller.signal, () => {});
    controller.abort('run stopped');
    await expect(pending).rejects.toThrow(/lookup aborted: run stopped/);
  });

  it('retries a table that could not be read', async () => {
    let calls = 0;
    const engine = new TableEngine(async () => {
      if (calls++ === 0) throw new Error('disk not mounted');
      return csv;
    });
    const signal = new AbortController().signal;
    await expect(engine.train({ ir, task: lookup(), seed: 1, candidateKey: 'a' }, signal, () => {})).rejects.toThrow(/disk not mounted/);
    await expect(engine.train({ ir, task: lookup(), seed: 1, candidateKey: 'a' }, signal, () => {})).resolves.toMatchObject({
      status: 'ok',
    });
  });

  it('is always available and reads from disk by default', async () => {
    expect(await tableEngineFactory.probe()).toMatchObject({ available: true });
    const engine = await tableEngineFactory.create();
    await expect(
      engine.train(
        { ir, task: lookup({ table: '/nonexistent/t.csv' }), seed: 1, candidateKey: 'a' },
        new AbortController().signal,
        () => {},
      ),
    ).rejects.toThrow(/cannot read table \/nonexistent\/t.csv/);
  });
});
