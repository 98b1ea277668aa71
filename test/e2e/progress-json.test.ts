/**
 * Issue #16 item 7 through the built CLI (`npm run build` first): `blockqnn search --log-format json` on the table
 * engine and the bundled NAS-Bench-201 table writes only JSON objects on stderr, one a line: its log lines, the
 * output of its local worker slot, and its progress events from the first report to the end, while stdout keeps
 * the summary. `--quiet` leaves stderr empty.
 */
import { describe, expect, it } from 'vitest';
import { REDIS, cli, tableSearchArgs, tempDb, uniquePrefix } from './harness.js';

describe('blockqnn search --log-format json', () => {
  it("prints one parseable JSON object per stderr line: logs, the worker slot's lines and the progress events", async () => {
    const db = tempDb().url('progress-json');
    const args = tableSearchArgs({ db, redis: REDIS, prefix: uniquePrefix('progress-json'), budget: 8, delayMs: 0, workers: 1 });
    const r = await cli([...args, '--log-format', 'json'], { timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    const events = lines.map((l) => {
      expect(() => JSON.parse(l), l).not.toThrow();
      return JSON.parse(l) as Record<string, unknown>;
    });
    for (const e of events) expect(typeof e.time === 'string' && !Number.isNaN(Date.parse(e.time)), JSON.stringify(e)).toBe(true);
    const logs = events.filter((e) => e.event === 'log').map((e) => e.message as string);
    expect(logs.some((m) => /^run [a-z0-9]+ \(/.test(m))).toBe(true);
    expect(logs.some((m) => m.startsWith('slot cpu0 ready'))).toBe(true);
    const progress = events.filter((e) => e.event === 'progress');
    expect(progress[0]).toMatchObject({ reason: 'start', kind: 'search', done: 0, budget: 8, failed: 0 });
    expect(progress.at(-1)).toMatchObject({ reason: 'end', kind: 'search', done: 8, budget: 8, inFlight: 0, failed: 0, etaSeconds: 0 });
    expect(progress.some((e) => e.reason === 'first-result')).toBe(true);
    const end = progress.at(-1)!;
    expect(end.bestAccuracy).toEqual(expect.any(Number));
    expect(end.candidatesPerSecond).toBeGreaterThan(0);
    expect(end.topFailures).toEqual([]);
    expect(Object.keys(end).sort()).toEqual(
      [
        'event',
        'reason',
        'time',
        'kind',
        'runId',
        'done',
        'budget',
        'inFlight',
        'failed',
        'baselinesInFlight',
        'bestAccuracy',
        'bestReward',
        'candidatesPerSecond',
        'etaSeconds',
        'topFailures',
      ].sort(),
    );
    expect(r.stdout).toContain(`run ${end.runId as string} "`);
  }, 120_000);

  it('--quiet leaves stderr empty and the summary on stdout', async () => {
    const db = tempDb().url('progress-quiet');
    const args = tableSearchArgs({ db, redis: REDIS, prefix: uniquePrefix('progress-quiet'), budget: 4, delayMs: 0, workers: 1 });
    const r = await cli([...args, '--quiet'], { timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/finished · .* 4 result\(s\) of 4 candidate\(s\)/);
  }, 120_000);
});
