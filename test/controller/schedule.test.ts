import { describe, expect, it } from 'vitest';
import { EpsilonSchedule, PAPER_SCHEDULE, PAPER_SCHEDULE_ITERATIONS, parseSchedule, scaleSchedule } from '../../src/controller/index.js';

describe('epsilon schedule', () => {
  it('holds the paper schedule: 178 iterations of 64 blocks, 1.0 down to 0.1', () => {
    expect(PAPER_SCHEDULE_ITERATIONS.map(([e]) => e)).toEqual([1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1]);
    expect(PAPER_SCHEDULE_ITERATIONS.reduce((s, [, n]) => s + n, 0)).toBe(178);
    expect(new EpsilonSchedule(PAPER_SCHEDULE).length).toBe(11_392);
  });

  it('looks epsilon up by position, stage by stage, and keeps the last one after the end', () => {
    const s = new EpsilonSchedule([
      [1, 3],
      [0.5, 2],
      [0.1, 1],
    ]);
    expect([0, 1, 2, 3, 4, 5, 6, 100].map((p) => s.epsilonAt(p))).toEqual([1, 1, 1, 0.5, 0.5, 0.1, 0.1, 0.1]);
    expect([0, 2, 3, 5, 9].map((p) => s.stageAt(p))).toEqual([0, 0, 1, 2, 2]);
    expect(s.length).toBe(6);
  });

  it('scales the paper schedule to a budget of 100 keeping its proportions', () => {
    const scaled = scaleSchedule(PAPER_SCHEDULE, 100);
    // 95/178 of 100 = 53.4; 7/178 = 3.9; 10/178 = 5.6; 12/178 = 6.7 — largest remainders round up.
    expect(scaled).toEqual([
      [1, 53],
      [0.9, 4],
      [0.8, 4],
      [0.7, 4],
      [0.6, 6],
      [0.5, 6],
      [0.4, 6],
      [0.3, 5],
      [0.2, 5],
      [0.1, 7],
    ]);
    expect(scaled.reduce((s, [, n]) => s + n, 0)).toBe(100);
    for (const total of [1, 7, 64, 999]) expect(scaleSchedule(PAPER_SCHEDULE, total).reduce((s, [, n]) => s + n, 0)).toBe(total);
    expect(scaleSchedule(PAPER_SCHEDULE, 1)).toEqual([[1, 1]]); // pairs whose share rounds to 0 are dropped
  });

  it('rejects malformed schedules naming the entry and the fix', () => {
    for (const [bad, problem] of [
      [[], 'non-empty list'],
      ['1,0.1', 'non-empty list'],
      [[[1, 10], [0.5]], 'entry 2'],
      [[[1.5, 10]], 'epsilon 1.5 is not a number in [0, 1]'],
      [[[Number.NaN, 10]], 'epsilon null'],
      [[[0.5, 0]], 'count 0 is not a positive integer'],
      [[[0.5, 2.5]], 'count 2.5'],
    ] as const) {
      expect(() => parseSchedule(bad)).toThrow(problem);
      expect(() => parseSchedule(bad)).toThrow(/invalid epsilon schedule/);
    }
    expect(() => scaleSchedule(PAPER_SCHEDULE, 0)).toThrow(/budget must be a positive integer/);
  });
});
