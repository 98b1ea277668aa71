/**
 * #16 item 1 and #21 item 2 through the built CLI: a lookup search without
 * --table reads the NAS-Bench-201 table bundled in data/; a table that cannot be
 * read, a corrupt .gz or a missing column is refused before the run is created
 * (exit 2, no run); a config file's relative table is read from the file's folder
 * and stored absolute, so workers in any folder find it.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deletePrefix } from '../helpers/redis.js';
import { REDIS, REPO, TABLE, cli, onCleanup, readStore } from './harness.js';

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'blockqnn-lookup-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function prefix(): string {
  const p = `bqtest-lookup-${randomBytes(4).toString('hex')}`;
  onCleanup(() => deletePrefix({ url: REDIS, prefix: p }));
  return p;
}

const BUNDLED = resolve(REPO, 'data/nasbench201/cifar10.csv.gz');

describe('lookup searches check their table where the run is created', () => {
  it('reads the bundled NAS-Bench-201 table when --engine table names no --table', async () => {
    const db = `file:${join(tempDir(), 'runs.db')}`;
    const r = await cli(
      [
        'search',
        '--engine',
        'table',
        '--budget',
        '3',
        '--workers',
        '1',
        '--seed',
        '1',
        '--db',
        db,
        '--redis',
        REDIS,
        '--prefix',
        prefix(),
        '--json',
      ],
      { timeoutMs: 90_000 },
    );
    expect(r.code, r.stderr).toBe(0);
    const store = await readStore(db);
    const [run] = await store.listRuns();
    const config = run!.config as { space: string; task: { table: string; fitness: string; report: string } };
    expect(config.space).toBe('nasbench201');
    expect(config.task).toMatchObject({ table: BUNDLED, fitness: 'c10valid_val_12ep', report: 'c10_test_200ep' });
    expect(await store.countByStatus(run!.id)).toMatchObject({ ok: 3, failed: 0 });
  });

  it('refuses a missing table, a corrupt .gz and a missing column before creating a run (exit 2, nothing stored)', async () => {
    const dir = tempDir();
    const db = `file:${join(dir, 'runs.db')}`;
    writeFileSync(join(dir, 'bad.csv.gz'), Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6]));
    const base = ['search', '--engine', 'table', '--workers', '0', '--budget', '3', '--db', db, '--redis', REDIS, '--prefix', prefix()];
    const cases: [string[], RegExp][] = [
      [['--table', '/nonexistent.csv'], /error \[INVALID_INPUT\]: cannot read table \/nonexistent\.csv/],
      [['--table', join(dir, 'bad.csv.gz')], /error \[INVALID_INPUT\]: table .*bad\.csv\.gz is not a valid gzip file/],
      [
        ['--fitness', 'nosuchcol'],
        /error \[INVALID_INPUT\]: .*cifar10\.csv\.gz: no fitness column "nosuchcol"[\s\S]*available columns: arch_index, arch_str/,
      ],
      [['--table', TABLE, '--report', 'nosuchreport'], /no report column "nosuchreport"/],
    ];
    for (const [args, message] of cases) {
      const r = await cli([...base, ...args], { timeoutMs: 30_000 });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    const runs = await cli(['runs', '--db', db, '--json']);
    expect(JSON.parse(runs.stdout)).toEqual([]);
  });

  it("reads a config file's relative table from the file's folder and stores it absolute", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'tables'));
    copyFileSync(TABLE, join(dir, 'tables', 'nb201.csv.gz'));
    const config = join(dir, 'search.json');
    writeFileSync(
      config,
      JSON.stringify({
        engine: 'table',
        task: { kind: 'lookup', table: 'tables/nb201.csv.gz', fitness: 'c10_test_12ep' },
        budget: { candidates: 2 },
      }),
    );
    const db = `file:${join(dir, 'runs.db')}`;
    // The CLI runs in the repository, not beside the config file.
    const r = await cli(['search', '--config', config, '--workers', '1', '--db', db, '--redis', REDIS, '--prefix', prefix(), '--json'], {
      timeoutMs: 90_000,
    });
    expect(r.code, r.stderr).toBe(0);
    const store = await readStore(db);
    const [run] = await store.listRuns();
    expect((run!.config as { task: { table: string } }).task.table).toBe(join(dir, 'tables', 'nb201.csv.gz'));
    expect(await store.countByStatus(run!.id)).toMatchObject({ ok: 2, failed: 0 });
  });
});
