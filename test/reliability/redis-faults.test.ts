/**
 * Redis faults on private redis-servers: restarted empty under a live run, and
 * down for a while (data kept) then back. Neither loses nor duplicates a result.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/bench/reliability/index.js';
import { quick } from './options.js';

describe('Redis faults', () => {
  it('redis-restart-empty: jobs lost with Redis are re-enqueued from the database; every candidate recorded once', async () => {
    const r = await runScenario('redis-restart-empty', quick);
    expect({ lost: r.lost, duplicated: r.duplicated, status: r.status }).toEqual({ lost: 0, duplicated: 0, status: 'finished' });
    expect(r.facts.requeued).toBe(true);
  }, 90_000);

  it('redis-down: Redis unreachable for 15 s, then back; the controller says so, keeps beating and finishes the run; a worker stopped meanwhile exits', async () => {
    const r = await runScenario('redis-down', quick);
    expect({ lost: r.lost, duplicated: r.duplicated, status: r.status }).toEqual({ lost: 0, duplicated: 0, status: 'finished' });
    expect(r.facts).toMatchObject({ controllerAlive: true, statusDuringOutage: 'running', exitCode: 0 });
    expect(r.facts.heartbeatAgeSecondsDuringOutage as number).toBeLessThan(15);
    expect(r.facts.workerStopSecondsDuringOutage).not.toBeNull();
    expect((r.facts.controllerLog as string[]).join('\n')).toMatch(
      /Redis at redis:\/\/127\.0\.0\.1:\d+ is unreachable; waiting for it[\s\S]*Redis is back/,
    );
  }, 120_000);
});
