/**
 * Shared pieces of the bad-input corpus: what a "clear error" is, and the case
 * counter every fuzz test reports into. A boundary may accept an input or
 * refuse it; refusing means a BlockqnnError (never a TypeError or RangeError
 * escaping from deep inside) whose message is non-empty and names what was
 * wrong. Counts go to `$BLOCKQNN_FUZZ_REPORT` (a JSON object keyed by
 * boundary) when that variable is set, so a run of the corpus can state how
 * many cases each boundary got.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { expect } from 'vitest';
import { BlockqnnError } from '../../src/common/errors.js';

export interface CaseCount {
  tried: number;
  accepted: number;
  refused: number;
}

export class CaseCounter {
  readonly counts: CaseCount = { tried: 0, accepted: 0, refused: 0 };
  constructor(readonly boundary: string) {}

  accepted(): void {
    this.counts.tried++;
    this.counts.accepted++;
  }

  refused(): void {
    this.counts.tried++;
    this.counts.refused++;
  }
}

/**
 * Runs `attempt`; a return counts as accepted, a throw must be a clear
 * BlockqnnError (its message matching `names`, when given) and counts as refused.
 */
export function expectAcceptedOrClear<T>(counter: CaseCounter, attempt: () => T, names?: RegExp): T | undefined {
  let value: T;
  try {
    value = attempt();
  } catch (error) {
    expectClearError(error, names);
    counter.refused();
    return undefined;
  }
  counter.accepted();
  return value;
}

export async function expectAcceptedOrClearAsync<T>(
  counter: CaseCounter,
  attempt: () => Promise<T>,
  names?: RegExp,
): Promise<T | undefined> {
  let value: T;
  try {
    value = await attempt();
  } catch (error) {
    expectClearError(error, names);
    counter.refused();
    return undefined;
  }
  counter.accepted();
  return value;
}

export function expectClearError(error: unknown, names?: RegExp): asserts error is BlockqnnError {
  if (!(error instanceof BlockqnnError)) {
    // Show the original with its stack: this is the bug the corpus exists to find.
    throw new Error(
      `expected a BlockqnnError, got ${error instanceof Error ? `${error.name}: ${error.message}\n${error.stack}` : String(error)}`,
    );
  }
  expect(typeof error.message).toBe('string');
  expect(error.message.trim().length).toBeGreaterThan(0);
  if (names) expect(error.message).toMatch(names);
}

/** Merges `counts` under `boundary` into the report file (a directory lock keeps parallel test files from losing each other's lines). */
export function reportCases(...counters: CaseCounter[]): void {
  const file = process.env.BLOCKQNN_FUZZ_REPORT;
  if (!file) return;
  const lock = `${file}.lock`;
  for (let i = 0; ; i++) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (i > 2000) rmSync(lock, { recursive: true, force: true });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
  try {
    let report: Record<string, CaseCount> = {};
    try {
      report = JSON.parse(readFileSync(file, 'utf8')) as Record<string, CaseCount>;
    } catch {
      report = {};
    }
    for (const c of counters) report[c.boundary] = c.counts;
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(report, null, 2)}\n`);
    renameSync(temp, file);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
