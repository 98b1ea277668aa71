/**
 * Fault scenarios on the worker side, on real processes (built CLI, table
 * engine, the machine's Redis under a prefix of each scenario's own). Each
 * counts its run: nothing lost, nothing recorded twice, the run finished.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/bench/reliability/index.js';
import { quick } from './options.js';

function expectClean(r: Awaited<ReturnType<typeof runScenario>>, budget: number): void {
  expect({ lost: r.lost, duplicated: r.duplicated, status: r.status }).toEqual({ lost: 0, duplicated: 0, status: 'finished' });
  expect(r.rows.map((x) => x.sequence)).toEqual(Array.from({ length: budget }, (_, i) => i + 1));
}

describe('worker faults', () => {
  it('worker-kill: kill -9 of a worker host mid-job; another worker retrains the job, recorded once, at most that one training repeated', async () => {
    const r = await runScenario('worker-kill', quick);
    expectClean(r, 6);
    // A kill between the end of a training and its delivery costs that training again: at most one per killed slot.
    expect(r.retrained).toBeLessThanOrEqual(1);
    expect(r.facts.victimWorker).not.toBe(r.facts.killedSlot);
    expect(r.recoverySeconds).not.toBeNull();
  }, 90_000);

  it('workers-gone: every worker killed, none for a while, a new one started; the controller waits and the run finishes', async () => {
    const r = await runScenario('workers-gone', quick);
    expectClean(r, 8);
    expect(r.retrained).toBeLessThanOrEqual(2); // two slots killed
    expect(r.facts).toMatchObject({ statusWithoutWorkers: 'running', resultsWithoutWorkers: 0, controllerAlive: true, exitCode: 0 });
  }, 90_000);

  it('version-mismatch: a worker of the next contract version hands every job back (logged); the current worker trains them all', async () => {
    const r = await runScenario('version-mismatch', quick);
    expectClean(r, 6);
    expect(r.retrained).toBe(0);
    expect(r.facts.strangerLog).toMatch(/speaks blockqnn\/evaluate@1, this worker blockqnn\/evaluate@2: handed back/);
    // Every recorded result came from the current worker's slot.
    expect(r.facts.workerPids).toEqual([r.facts.currentPid]);
  }, 90_000);

  it('late-duplicate: the job of a recorded candidate delivered again mid-run is trained, ignored, and removed from Redis; the first result stays', async () => {
    const r = await runScenario('late-duplicate', quick);
    expectClean(r, 8);
    expect(r.retrained).toBe(0); // the one extra training is the scenario's own
    const { before, after, jobLeftInRedis } = r.facts as {
      before: { accuracy: number; workerId: string };
      after: { accuracy: number; workerId: string };
      jobLeftInRedis: boolean;
    };
    expect(after).toEqual(before);
    expect(jobLeftInRedis).toBe(false);
  }, 90_000);

  it("clock-skew: workers an hour ahead and an hour behind (faketime) are both listed alive with a fresh heartbeat, and a killed one's job is retried", async () => {
    const r = await runScenario('clock-skew', quick);
    expectClean(r, 8);
    expect(r.retrained).toBeLessThanOrEqual(1); // one slot killed
    const seen = r.facts.registry as { worker: string; health: string; ageSeconds: number }[];
    expect(seen.map((w) => w.worker).sort()).toEqual(['+1h', '-1h']);
    for (const w of seen) {
      expect(w.health).toBe('alive');
      expect(Math.abs(w.ageSeconds)).toBeLessThan(60);
    }
  }, 90_000);
});
