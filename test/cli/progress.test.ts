/**
 * Issue #16 item 7: the progress display of `search`, `baseline` and `train` (src/cli/progress/). Driven with the
 * real reports of a search and a training, on a fake clock, into a PassThrough standing for stderr (isTTY set for
 * the terminal case): the stream is the I/O edge, the display and its throttle are what is tested.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  type DisplayStream,
  ProgressDisplay,
  displayFor,
  formatDuration,
  searchReports,
  trainingReports,
} from '../../src/cli/progress/index.js';
import type { SearchProgress } from '../../src/orchestrator/loop/index.js';

function stream(isTTY: boolean): DisplayStream & { text(): string } {
  const s = new PassThrough() as PassThrough & { isTTY?: boolean; columns?: number; text(): string };
  s.isTTY = isTTY;
  s.columns = 200;
  let text = '';
  s.on('data', (chunk: Buffer) => (text += chunk.toString()));
  s.text = () => text;
  return s;
}

const lines = (text: string) => text.split('\n').filter((l) => l !== '');

function progress(o: Partial<SearchProgress> = {}): SearchProgress {
  return {
    runId: 'r1',
    done: 0,
    inFlight: 3,
    failed: 0,
    budget: 100,
    bestReward: null,
    bestAccuracy: null,
    candidatesPerSecond: 0,
    baselinesInFlight: 0,
    topFailures: [],
    ...o,
  };
}

/** A display on a clock the test moves: `at(ms, progress)` reports at that time. */
function clocked(mode: 'lines' | 'json' | 'quiet', intervalMs = 10_000) {
  const out = stream(false);
  let now = 0;
  const display = new ProgressDisplay({ stream: out, mode, intervalMs, now: () => now });
  const report = searchReports();
  return {
    out,
    display,
    at(ms: number, p: SearchProgress) {
      now = ms;
      display.update(report(p));
    },
  };
}

describe('progress display off a TTY (lines)', () => {
  it('prints the first report, the first result and each new best at once, other changes at most once per interval, and the end', () => {
    const d = clocked('lines');
    d.at(0, progress()); // first report: printed
    d.at(500, progress({ done: 1, bestReward: 0.5, bestAccuracy: 0.5, candidatesPerSecond: 2 })); // first result: printed
    for (let i = 2; i <= 40; i++) d.at(500 + i * 100, progress({ done: i, bestReward: 0.5, bestAccuracy: 0.5, candidatesPerSecond: 2 })); // throttled
    d.at(4_600, progress({ done: 41, bestReward: 0.7, bestAccuracy: 0.7, candidatesPerSecond: 2 })); // a new best: printed
    d.at(9_000, progress({ done: 42, bestReward: 0.7, bestAccuracy: 0.7, candidatesPerSecond: 2 })); // 4.4 s after the last line: held
    d.at(14_700, progress({ done: 43, bestReward: 0.7, bestAccuracy: 0.7, candidatesPerSecond: 2 })); // 10.1 s after: printed
    d.at(15_000, progress({ done: 43, bestReward: 0.7, bestAccuracy: 0.7, candidatesPerSecond: 2.1 })); // the state did not change
    d.at(16_000, progress({ done: 100, inFlight: 0, bestReward: 0.7, bestAccuracy: 0.7, candidatesPerSecond: 3 }));
    d.display.finish(); // the end: printed
    expect(lines(d.out.text())).toEqual([
      'run r1: done 0/100 · in flight 3 · failed 0 · best – · 0.00 candidates/s',
      'run r1: done 1/100 · in flight 3 · failed 0 · best 50.00% (reward 0.5000) · 2.00 candidates/s',
      'run r1: done 41/100 · in flight 3 · failed 0 · best 70.00% (reward 0.7000) · 2.00 candidates/s',
      'run r1: done 43/100 · in flight 3 · failed 0 · best 70.00% (reward 0.7000) · 2.00 candidates/s',
      'run r1: done 100/100 · in flight 0 · failed 0 · best 70.00% (reward 0.7000) · 3.00 candidates/s',
    ]);
  });

  it('10,000 results over 1,000 s print about 100 lines at the default 10 s, not 10,000', () => {
    const d = clocked('lines');
    for (let i = 0; i <= 10_000; i++) d.at(i * 100, progress({ done: i, budget: 10_000, candidatesPerSecond: 10 }));
    d.display.finish();
    const n = lines(d.out.text()).length;
    expect(n).toBeGreaterThanOrEqual(100);
    expect(n).toBeLessThanOrEqual(103);
  });

  it('an interval of 0 prints every change (and only changes)', () => {
    const d = clocked('lines', 0);
    d.at(0, progress());
    d.at(1, progress());
    d.at(2, progress({ inFlight: 2 }));
    d.at(3, progress({ inFlight: 2, done: 1 }));
    d.display.finish();
    expect(lines(d.out.text()).map((l) => l.slice(0, 'run r1: done 0/100 · in flight 3'.length))).toEqual([
      'run r1: done 0/100 · in flight 3',
      'run r1: done 0/100 · in flight 2',
      'run r1: done 1/100 · in flight 2',
    ]);
  });

  it('names the most common failure reason with its count once candidates failed, and JSON carries them all', () => {
    const report = searchReports();
    expect(report(progress()).line).not.toContain('most failures');
    const failing = report(
      progress({
        done: 4,
        failed: 4,
        topFailures: [
          { reason: 'NOT_FOUND: CIFAR-10 file data_batch_1.bin not found', count: 3 },
          { reason: 'failed', count: 1 },
        ],
      }),
    );
    expect(failing.line).toContain('most failures: NOT_FOUND: CIFAR-10 file data_batch_1.bin not found (×3)');
    expect(failing.fields.topFailures).toEqual([
      { reason: 'NOT_FOUND: CIFAR-10 file data_batch_1.bin not found', count: 3 },
      { reason: 'failed', count: 1 },
    ]);
    expect(report(progress({ failed: 1, topFailures: [{ reason: 'x'.repeat(200), count: 1 }] })).line).toContain(`${'x'.repeat(79)}… (×1)`);
  });

  it('log lines pass as they are', () => {
    const d = clocked('lines');
    d.display.log('started 2 local worker slot(s)');
    expect(d.out.text()).toBe('started 2 local worker slot(s)\n');
  });
});

describe('progress display as JSON', () => {
  it('writes one JSON object per printed event with the documented fields, and the end always', () => {
    const d = clocked('json');
    d.display.log('run r1 (search): ...');
    d.at(0, progress());
    d.at(2_000, progress({ done: 10, bestReward: 0.8, bestAccuracy: 0.81, candidatesPerSecond: 5 }));
    d.at(2_500, progress({ done: 12, bestReward: 0.8, bestAccuracy: 0.81, candidatesPerSecond: 5 }));
    d.display.finish();
    const events = lines(d.out.text()).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.map((e) => [e.event, e.reason])).toEqual([
      ['log', undefined],
      ['progress', 'start'],
      ['progress', 'first-result'],
      ['progress', 'end'],
    ]);
    expect(events[0]).toMatchObject({ event: 'log', message: 'run r1 (search): ...' });
    expect(events[2]).toEqual({
      event: 'progress',
      reason: 'first-result',
      time: new Date(2_000).toISOString(),
      kind: 'search',
      runId: 'r1',
      done: 10,
      budget: 100,
      inFlight: 3,
      failed: 0,
      baselinesInFlight: 0,
      bestAccuracy: 0.81,
      bestReward: 0.8,
      candidatesPerSecond: 5,
      etaSeconds: 18,
      topFailures: [],
    });
    expect(events[3]).toMatchObject({ done: 12, etaSeconds: 88 / 5 });
  });

  it('a training reports its epochs with its ETA from the seconds per epoch', () => {
    const out = stream(false);
    let now = 0;
    const display = new ProgressDisplay({ stream: out, mode: 'json', intervalMs: 0, now: () => now });
    const report = trainingReports(7, () => now);
    display.update(report({ epoch: 1, epochs: 10, loss: 2, valAccuracy: 0.3, imagesPerSecond: 900 }));
    now = 30_000;
    display.update(report({ epoch: 4, epochs: 10, loss: 1, valAccuracy: 0.6, imagesPerSecond: 1000 }));
    display.finish();
    const events = lines(out.text()).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events[1]).toMatchObject({
      reason: 'best',
      kind: 'training',
      trainingId: 7,
      epoch: 4,
      epochs: 10,
      testAccuracy: 0.6,
      bestTestAccuracy: 0.6,
      etaSeconds: 60,
    });
  });
});

describe('--quiet', () => {
  it('prints no progress and no log lines, only warnings', () => {
    const d = clocked('quiet');
    d.display.log('started 2 local worker slot(s)');
    d.at(0, progress());
    d.at(20_000, progress({ done: 5, bestReward: 0.5, bestAccuracy: 0.5 }));
    d.display.log('warning: no live table worker on prefix p for 30 s');
    d.display.finish();
    expect(d.out.text()).toBe('warning: no live table worker on prefix p for 30 s\n');
  });
});

describe('progress display on a TTY', () => {
  it('redraws one status line with a bar, the percentage, the ETA and the best so far, and ends it with a newline', () => {
    const out = stream(true);
    const display = displayFor({}, out, {});
    expect(display.mode).toBe('bar');
    const report = searchReports();
    display.update(report(progress()));
    display.log('slot cpu0 ready');
    display.update(report(progress({ done: 25, bestReward: 0.7, bestAccuracy: 0.72, candidatesPerSecond: 0.5 })));
    display.finish();
    const text = out.text();
    expect(text).toContain('slot cpu0 ready\n');
    expect(text).toContain(
      `run r1 ${'='.repeat(6)}${'-'.repeat(18)} 25% · 25/100 · ETA 2m30s · best 72.00% (reward 0.7000) · 0.50 candidates/s`,
    );
    // In place: carriage moves and line clears, not one line per report.
    expect(text).toMatch(/\x1b\[1G/);
    expect(text.endsWith('\n')).toBe(true);
    // The terminal's line wrapping is left alone (a second Ctrl-C exits without restoring it).
    expect(text).not.toContain('\x1b[?7l');
    expect(lines(text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')).length).toBeLessThanOrEqual(3);
  });

  it('shows no bar or ETA without a candidate budget', () => {
    const out = stream(true);
    const display = displayFor({}, out, {});
    display.update(searchReports()(progress({ budget: null, done: 3 })));
    display.finish();
    expect(out.text()).toContain('run r1 · best – · 0.00 candidates/s · in flight 3 · failed 0');
    expect(out.text()).not.toContain('ETA');
  });
});

describe('choosing the display', () => {
  it('auto is lines off a TTY; the interval comes from the flag, else the environment, else 10 s', () => {
    expect(displayFor({}, stream(false), {}).mode).toBe('lines');
    expect(displayFor({ logFormat: 'json' }, stream(true), {}).mode).toBe('json');
    expect(displayFor({ quiet: true }, stream(true), {}).mode).toBe('quiet');
    const everyChange = (flags: { progressInterval?: number }, env: NodeJS.ProcessEnv) => {
      const out = stream(false);
      const display = displayFor(flags, out, env);
      const report = searchReports();
      for (let done = 0; done < 5; done++) display.update(report(progress({ done })));
      return lines(out.text()).length;
    };
    expect(everyChange({}, {})).toBe(2); // the first report and the first result
    expect(everyChange({}, { BLOCKQNN_PROGRESS_INTERVAL: '0' })).toBe(5);
    expect(everyChange({ progressInterval: 3600 }, { BLOCKQNN_PROGRESS_INTERVAL: '0' })).toBe(2);
  });

  it('refuses a bad BLOCKQNN_PROGRESS_INTERVAL and --quiet with a log format, naming the fix', () => {
    expect(() => displayFor({}, stream(false), { BLOCKQNN_PROGRESS_INTERVAL: 'soon' })).toThrow(
      /BLOCKQNN_PROGRESS_INTERVAL must be a number of seconds ≥ 0/,
    );
    expect(() => displayFor({ quiet: true, logFormat: 'json' }, stream(false), {})).toThrow(
      /--quiet prints no progress, so --log-format json would print nothing/,
    );
  });

  it('formats durations short', () => {
    expect([formatDuration(5), formatDuration(75), formatDuration(7300)]).toEqual(['5s', '1m15s', '2h01m']);
  });
});
