/**
 * Issue #21 item 5 through the built CLI and a `blockqnn dashboard` process
 * (`npm run build` first): `"budget": 3` and `"budget": {}` gave a 10-candidate
 * run and `{"candidates": 1, "bogus": 2}` was accepted, from a config file and
 * from POST /api/runs alike. Each is now refused with the problem and the fix,
 * before any run is created.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, onCleanup, readStore, uniquePrefix, REDIS } from '../e2e/harness.js';
import { startDashboardCli } from '../helpers/dashboard-cli.js';
import { FITNESS, writeNb201Table } from '../helpers/nb201-table.js';

const WRONG: [budget: unknown, problem: RegExp][] = [
  [3, /budget: the budget is an object: \{"candidates": N\}, \{"seconds": S\} or both \(got 3\)/],
  [{}, /budget: give a candidate budget, a time budget, or both \(got \{\}\)/],
  [{ candidates: 1, bogus: 2 }, /budget: Unrecognized key: "bogus"/],
  [{ candidates: '5' }, /budget\.candidates: Invalid input: expected number, received string/],
];
const HINT = /write "budget": \{"candidates": 10\}, \{"seconds": 3600\} or \{"candidates": 10, "seconds": 3600\}/;

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'blockqnn-budget-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const table = join(dir, 'table.csv');
  writeNb201Table(table);
  const config = (budget: unknown) => ({
    space: 'nasbench201',
    engine: 'table',
    strategy: 'random',
    task: { kind: 'lookup', table, fitness: FITNESS },
    budget,
  });
  return { dir, db: `file:${join(dir, 'runs.db')}`, config };
}

describe('#21 item 5: a budget written wrongly is refused', () => {
  it('in a config file: exit 2 naming the problem and the fix, and no run', async () => {
    const { dir, db, config } = setup();
    for (const [i, [budget, problem]] of WRONG.entries()) {
      const file = join(dir, `config-${i}.json`);
      writeFileSync(file, JSON.stringify(config(budget)));
      const r = await cli(['search', '--config', file, '--workers', '0', '--db', db, '--redis', REDIS, '--prefix', uniquePrefix('budget')]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/error \[INVALID_CONFIG\]: invalid configuration: /);
      expect(r.stderr).toMatch(problem);
      expect(r.stderr).toMatch(HINT);
    }
    const store = await readStore(db);
    expect(await store.listRuns()).toEqual([]);
  }, 120_000);

  it('in POST /api/runs: 400 naming the problem and the fix, and no run; a right budget is stored as written', async () => {
    const { dir, db, config } = setup();
    const dash = await startDashboardCli({ db, redis: REDIS, prefix: uniquePrefix('budget-api'), dataDir: dir });
    for (const [budget, problem] of WRONG) {
      const r = await dash.api<{ error: { code: string; message: string; hint?: string } }>('POST', '/runs', { config: config(budget) });
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      expect(r.body.error.code).toBe('INVALID_CONFIG');
      expect(r.body.error.message).toMatch(problem);
      expect(r.body.error.hint).toMatch(HINT);
    }
    expect((await dash.api<{ runs: unknown[] }>('GET', '/runs')).body.runs).toEqual([]);
    const ok = await dash.api<{ id: string }>('POST', '/runs', { config: config({ candidates: 2 }) });
    expect(ok.status).toBe(201);
    const store = await readStore(db);
    expect((await store.getRun(ok.body.id)).budget).toEqual({ candidates: 2, seconds: null });
  }, 120_000);
});
