/** Counting a run's outcome: what counts as lost, duplicated and retrained. */
import { describe, expect, it } from 'vitest';
import { countOutcome, formatSummary, summarise } from '../../src/bench/reliability/outcome.js';

const rows = (n: number, status = 'ok') => Array.from({ length: n }, (_, i) => ({ sequence: i + 1, hash: `h${i + 1}`, status }));

describe('countOutcome', () => {
  it('a clean run: nothing lost, duplicated or retrained', () => {
    expect(countOutcome({ budget: 4, rows: rows(4), resultCount: 4, trainings: 4 })).toEqual({ lost: 0, duplicated: 0, retrained: 0 });
  });

  it('a candidate never recorded, one recorded as a failure and a sequence gap are lost', () => {
    const r = [...rows(2), { sequence: 4, hash: 'h4', status: 'failed' }];
    expect(countOutcome({ budget: 4, rows: r, resultCount: 3 }).lost).toBe(2 + 1);
  });

  it('a result counted twice into the run is a duplicate; a job trained twice is retrained, unless the scenario did it on purpose', () => {
    expect(countOutcome({ budget: 3, rows: rows(3), resultCount: 4, trainings: 5 })).toEqual({ lost: 0, duplicated: 1, retrained: 2 });
    expect(countOutcome({ budget: 3, rows: rows(3), resultCount: 3, trainings: 4, intendedExtraTrainings: 1 }).retrained).toBe(0);
    expect(countOutcome({ budget: 3, rows: rows(3), resultCount: 3 }).retrained).toBeNull();
  });

  it('summarise adds runs up per scenario and the table names every column', () => {
    const base = { recoverySeconds: 2, status: 'finished', sameAsUninterrupted: true, note: '', lost: 0, duplicated: 0, retrained: 0 };
    const summary = summarise([
      { ...base, scenario: 'a' },
      { ...base, scenario: 'a', recoverySeconds: 4, retrained: 1 },
      { ...base, scenario: 'b', sameAsUninterrupted: null, recoverySeconds: null },
    ]);
    expect(summary).toEqual([
      {
        scenario: 'a',
        runs: 2,
        lost: 0,
        duplicated: 0,
        retrained: 1,
        recoveryMedianSeconds: 2,
        recoveryMaxSeconds: 4,
        exact: true,
        statuses: ['finished'],
      },
      {
        scenario: 'b',
        runs: 1,
        lost: 0,
        duplicated: 0,
        retrained: 0,
        recoveryMedianSeconds: null,
        recoveryMaxSeconds: null,
        exact: null,
        statuses: ['finished'],
      },
    ]);
    expect(formatSummary(summary).split('\n')[0]).toMatch(
      /scenario\s+runs\s+results lost\s+results duplicated\s+retrained\s+time to recover/,
    );
  });
});
