/**
 * #21 item 10 through the built CLI: commands that only read a database refuse a
 * SQLite file that does not exist, naming it, instead of creating it (and its
 * disk reserve) under a mistyped name.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, onCleanup } from './harness.js';

describe('read-only commands never create a SQLite file', () => {
  it('runs, runs compare, status, export and trainings refuse file:missing.db', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blockqnn-missing-db-'));
    onCleanup(() => rmSync(dir, { recursive: true, force: true }));
    const db = `file:${join(dir, 'missing.db')}`;
    for (const args of [
      ['runs'],
      ['runs', 'compare', 'r1'],
      ['status', 'r1'],
      ['export', 'r1', '--format', 'json', '--out', join(dir, 'out')],
      ['trainings'],
    ]) {
      const r = await cli([...args, '--db', db], { timeoutMs: 30_000 });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/error \[NOT_FOUND\]: database file:.*missing\.db does not exist\n\s+hint: check --db/);
    }
    expect(readdirSync(dir)).toEqual([]);
  });
});
