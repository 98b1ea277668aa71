/**
 * Fault scenarios on the controller's side: killed inside a result commit, its
 * PostgreSQL restarted, its SQLite volume full. Each run ends finished, counted,
 * and proposes exactly what an uninterrupted run of the same seed proposes.
 * Needs root (the tmpfs mount, the private PostgreSQL cluster run as postgres).
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/bench/reliability/index.js';
import { quick } from './options.js';

function expectExact(r: Awaited<ReturnType<typeof runScenario>>): void {
  expect({
    lost: r.lost,
    duplicated: r.duplicated,
    retrained: r.retrained,
    status: r.status,
    sameAsUninterrupted: r.sameAsUninterrupted,
  }).toEqual({ lost: 0, duplicated: 0, retrained: 0, status: 'finished', sameAsUninterrupted: true });
}

describe('controller faults', () => {
  it('controller-kill-commit: kill -9 inside a held-open result commit leaves nothing half-written; resume takes over at once and continues exactly', async () => {
    const r = await runScenario('controller-kill-commit', quick);
    expectExact(r);
    // While the controller lived, resume refused, naming it.
    expect(r.facts.resumeWhileAliveExit).toBe(2);
    expect(r.facts.resumeWhileAliveLog).toMatch(new RegExp(`is running under controller .*:${r.facts.controllerPid as number}`));
    // Killed inside commit 3 (or a later one on a loaded host): every earlier commit is there, nothing of the one held open.
    const results = r.facts.resultsAtKill as number;
    expect(results).toBeGreaterThanOrEqual(2);
    expect(r.facts).toMatchObject({ resultsAtKill: (r.facts.commitsStarted as number) - 1, statusAtKill: 'running', resumeExit: 0 });
    expect(r.facts.resumeLog).toMatch(new RegExp(`restored snapshot at ${results} candidates, replayed 1 proposal\\(s\\), 1 in flight`));
  }, 120_000);

  it('postgres-restart: the controller waits for its restarted PostgreSQL and continues in-process, exactly', async () => {
    const r = await runScenario('postgres-restart', quick);
    expectExact(r);
    expect(r.facts).toMatchObject({ finalExit: 0, controllerExit: 0, resumed: false });
    expect(r.facts.searchLog).toMatch(
      /PostgreSQL database .* is unreachable[\s\S]*waiting up to 60 s[\s\S]*the database is back; continuing from the last commit/,
    );
  }, 120_000);

  it('disk-full: a full SQLite volume pauses the run (status paused, saying the disk is full); after space is freed, resume continues exactly', async () => {
    const r = await runScenario('disk-full', quick);
    expectExact(r);
    expect(r.facts).toMatchObject({ searchExit: 2, statusWhenFull: 'paused', resumeExit: 0 });
    expect((r.facts.searchLog as string[]).join('\n')).toMatch(/run \w+ paused: SQLite database .*: the disk is full/);
  }, 120_000);
});
