/**
 * The pruning board on the machine's Redis: one atomic round trip records a
 * candidate's value and returns the epoch's view; concurrent reports each see a
 * distinct, consistent snapshot; a completed curve counts for the median; and a
 * board seeded from stored results gives the decisions the live board gave.
 */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createPruner } from '../../src/controller/pruners/index.js';
import { type BoardCurve, PruningBoard, boardCurve } from '../../src/queue/pruning-board.js';
import { deletePrefix, testRedisSettings } from '../helpers/redis.js';

const settings = testRedisSettings('prune-board');
const clients: Redis[] = [];
const client = () => {
  const c = new Redis(settings.url);
  clients.push(c);
  return c;
};
afterAll(async () => {
  await deletePrefix(settings);
  for (const c of clients) c.disconnect();
});
const hash = (i: number) => i.toString(16).padStart(16, '0');
const BOTH = { reported: true, completed: true };

describe('pruning board', () => {
  it('records a value and reads the epoch in one call; NaN is not recorded; unasked values are not sent', async () => {
    const board = new PruningBoard(client(), settings.prefix);
    expect(await board.report('r1', hash(1), 2, 0.5, BOTH)).toEqual({ epoch: 2, completedCount: 0, reported: [0.5], completed: [] });
    const second = await board.report('r1', hash(2), 2, 0.25, BOTH);
    expect([...second.reported].sort()).toEqual([0.25, 0.5]);
    expect((await board.report('r1', hash(3), 2, Number.NaN, BOTH)).reported).toHaveLength(2);
    // Reporting again replaces the candidate's value (a retried job), never adds a second.
    expect([...(await board.report('r1', hash(2), 2, 0.75, BOTH)).reported].sort()).toEqual([0.5, 0.75]);
    expect(await board.report('r1', hash(4), 2, 0.1, { reported: false, completed: false })).toEqual({
      epoch: 2,
      completedCount: 0,
      reported: [],
      completed: [],
    });
    // Another run, another board.
    expect((await board.report('r2', hash(1), 2, 0.9, BOTH)).reported).toEqual([0.9]);
  });

  it('a completed curve counts once, with NaN kept among the completed values; keys expire', async () => {
    const c = client();
    const board = new PruningBoard(c, settings.prefix);
    const curve: BoardCurve = { candidateHash: hash(7), valAccuracies: [0.1, null, 0.3], completed: true };
    await board.record('r3', curve);
    await board.record('r3', curve);
    await board.record('r3', { candidateHash: hash(8), valAccuracies: [0.2], completed: false });
    const view = await board.report('r3', hash(9), 2, 0.2, BOTH);
    expect(view.completedCount).toBe(1);
    expect(view.completed).toEqual([Number.NaN]);
    expect([...(await board.report('r3', hash(9), 1, 0.2, BOTH)).reported].sort()).toEqual([0.1, 0.2, 0.2]);
    const ttl = await c.ttl(`${settings.prefix}:prune:{r3}:completed`);
    expect(ttl).toBeGreaterThan(29 * 24 * 3600);
    await board.clear('r3', 3);
    expect(await c.keys(`${settings.prefix}:prune:{r3}:*`)).toEqual([]);
  });

  it('concurrent reports from many connections each see a distinct atomic snapshot', async () => {
    const boards = Array.from({ length: 8 }, () => new PruningBoard(client(), settings.prefix));
    const views = await Promise.all(
      Array.from({ length: 64 }, (_, i) => boards[i % 8]!.report('r4', hash(100 + i), 1, i / 64, { reported: true, completed: false })),
    );
    // The i-th script to run sees exactly i values, its own among them.
    expect(views.map((v) => v.reported.length).sort((a, b) => a - b)).toEqual(Array.from({ length: 64 }, (_, i) => i + 1));
    views.forEach((v, i) => expect(v.reported).toContain(i / 64));
  });

  it('seeded from stored results, it gives every decision the live board gave', async () => {
    const board = new PruningBoard(client(), settings.prefix);
    const epochs = 6;
    const asha = createPruner({ name: 'asha', options: { reductionFactor: 3 } }, epochs);
    const median = createPruner({ name: 'median', options: { startupCandidates: 2 } }, epochs);
    // A live run: candidates report at their pruner's decision epochs (asha's rungs 1 and 3), stop where it says,
    // and record their curve when they complete; the stored results are what the controller would keep.
    const stored: BoardCurve[] = [];
    for (let i = 0; i < 12; i++) {
      // Even candidates improve on every earlier one (they complete), odd ones lag (they are pruned).
      const values = Array.from({ length: epochs }, (_, e) => (i % 2 === 0 ? 0.5 + i * 0.03 + e * 0.01 : 0.1 + e * 0.01));
      const curve: number[] = [];
      let status = 'ok';
      for (let e = 1; e <= epochs; e++) {
        curve.push(values[e - 1]!);
        const needs = e < epochs ? asha.needs(e) : null;
        if (needs && asha.decide(curve, await board.report('live', hash(i), e, curve[e - 1]!, needs)) === 'prune') {
          status = 'pruned';
          break;
        }
      }
      const result = boardCurve(
        hash(i),
        status,
        curve.map((valAccuracy) => ({ valAccuracy })),
      );
      if (status === 'ok') await board.record('live', result);
      stored.push(result);
    }
    expect(stored.filter((s) => s.completed).length).toBeGreaterThan(1);
    expect(stored.filter((s) => !s.completed).length).toBeGreaterThan(1);
    await board.seed('seeded', stored);
    // A newcomer's decisions at every epoch, for both pruners, read from either board.
    for (const pruner of [asha, median]) {
      for (let e = 1; e < epochs; e++) {
        const needs = pruner.needs(e);
        if (!needs) continue;
        for (const value of [0, 0.3, 0.5, 0.9]) {
          const live = await board.report('live', hash(999), e, value, needs);
          const seeded = await board.report('seeded', hash(999), e, value, needs);
          expect({ ...seeded, reported: [...seeded.reported].sort(), completed: [...seeded.completed].sort() }).toEqual({
            ...live,
            reported: [...live.reported].sort(),
            completed: [...live.completed].sort(),
          });
          expect(pruner.decide([...Array(e - 1).fill(0), value], seeded)).toBe(pruner.decide([...Array(e - 1).fill(0), value], live));
        }
      }
    }
  });
});
