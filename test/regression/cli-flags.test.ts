/**
 * Issue #21 through the built CLI (`npm run build` first):
 * - item 1: a configuration file's `engine` was overridden by the `--engine`
 *   flag's default (`auto`), so a table search ran on torch and failed every
 *   candidate. Flags the user typed > config file > defaults; no option whose
 *   value a configuration can hold has a commander default.
 * - item 3: `dashboard --port P` (and `search --dashboard --port P`) with P in
 *   use printed a stack trace and hung; now "port P is in use" and exit 2 at once.
 * - item 10: `--prefix ''` silently became `blockqnn`; now it is refused.
 */
import { createServer, type Server } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/main.js';
import { NB201_EDGES, NB201_OPS, printNb201, type Nb201Op } from '../../src/search-space/nasbench201.js';
import { openStore } from '../../src/store/index.js';
import { deletePrefix, testRedisSettings } from '../helpers/redis.js';
import { cli, onCleanup } from '../e2e/harness.js';

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'blockqnn-flags-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A lookup table over all 15,625 NAS-Bench-201 cells (fitness from the cell's ops), so any proposal is found. */
function writeTable(file: string): void {
  const rows = ['arch_str,c10valid_val_12ep'];
  const cell: Nb201Op[] = [];
  const visit = (edge: number) => {
    if (edge === NB201_EDGES.length) {
      rows.push(`${printNb201(cell)},${(50 + cell.filter((op) => op.startsWith('nor_conv')).length * 7).toFixed(1)}`);
      return;
    }
    for (const op of NB201_OPS) {
      cell[edge] = op;
      visit(edge + 1);
    }
  };
  visit(0);
  writeFileSync(file, `${rows.join('\n')}\n`);
}

function tableConfig(dir: string, engine: string): string {
  writeTable(join(dir, 'table.csv'));
  const file = join(dir, `${engine}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      space: 'nasbench201',
      engine,
      task: { kind: 'lookup', table: join(dir, 'table.csv'), fitness: 'c10valid_val_12ep' },
      budget: { candidates: 3 },
    }),
  );
  return file;
}

describe('#21 item 1: flags the user typed > config file > defaults', () => {
  it("a config file's engine is used when --engine is not typed: the table search runs on table", async () => {
    const dir = tempDir();
    const redis = testRedisSettings('cfg-engine');
    onCleanup(() => deletePrefix(redis));
    const db = `file:${join(dir, 'runs.db')}`;
    const r = await cli(
      [
        'search',
        '--config',
        tableConfig(dir, 'table'),
        '--workers',
        '1',
        '--db',
        db,
        '--redis',
        redis.url,
        '--prefix',
        redis.prefix,
        '--json',
      ],
      { timeoutMs: 90_000 },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/engine: torch/);
    const report = JSON.parse(r.stdout) as { run: { id: string; engine: string }; counts: Record<string, number> };
    expect(report.run.engine).toBe('table');
    expect(report.counts.ok).toBe(3);
    const store = await openStore(db);
    try {
      const { items } = await store.listCandidates(report.run.id, { limit: 10 });
      expect(items.map((c) => c.status)).toEqual(['ok', 'ok', 'ok']);
    } finally {
      await store.close();
    }
  }, 120_000);

  it('a config file naming an engine that cannot do its task is refused before anything runs; a typed --engine wins over the file', async () => {
    const dir = tempDir();
    const db = `file:${join(dir, 'runs.db')}`;
    const refused = await cli([
      'search',
      '--config',
      tableConfig(dir, 'tfjs'),
      '--workers',
      '0',
      '--db',
      db,
      '--redis',
      'redis://127.0.0.1:1',
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /error \[INVALID_CONFIG\]: the tfjs engine does not train lookup tasks[\s\S]*hint: use --engine auto \| table/,
    );
    // The typed flag overrides the file: table trains lookups, so the search gets as far as Redis (unreachable on purpose).
    const typed = await cli([
      'search',
      '--config',
      tableConfig(dir, 'tfjs'),
      '--engine',
      'table',
      '--workers',
      '0',
      '--db',
      db,
      '--redis',
      'redis://127.0.0.1:1',
    ]);
    expect(typed.code).toBe(2);
    expect(typed.stderr).toMatch(/error \[UNREACHABLE\]: cannot reach Redis/);
  }, 60_000);

  it('no option a configuration can set has a default in commander (search, baseline): a default there would override the file', () => {
    const program = buildProgram();
    // Options with defaults that no configuration holds: where workers run, and where the dashboard listens.
    const notInConfig = new Set(['--workers', '--port']);
    for (const name of ['search', 'baseline']) {
      const command = program.commands.find((c: Command) => c.name() === name)!;
      const defaulted = command.options.filter((o) => o.defaultValue !== undefined && !o.negate).map((o) => o.long!);
      expect(
        defaulted.filter((flag) => !notInConfig.has(flag)),
        name,
      ).toEqual([]);
    }
  });
});

describe('#21 item 3: a dashboard port in use', () => {
  it('dashboard --port P and search --dashboard --port P say the port is in use and exit 2 at once', async () => {
    const dir = tempDir();
    const taken: Server = createServer();
    const port = await new Promise<number>((ok) => taken.listen(0, '127.0.0.1', () => ok((taken.address() as { port: number }).port)));
    onCleanup(() => new Promise<void>((ok) => taken.close(() => ok())));
    const redis = testRedisSettings('port');
    onCleanup(() => deletePrefix(redis));
    const common = ['--db', `file:${join(dir, 'runs.db')}`, '--redis', redis.url, '--prefix', redis.prefix];
    for (const args of [
      ['dashboard', '--port', String(port)],
      ['search', '--dashboard', '--port', String(port), '--config', tableConfig(dir, 'table'), '--workers', '0'],
    ]) {
      // A hang would run into the timeout (code null) instead of exiting.
      const r = await cli([...args, ...common], { timeoutMs: 30_000 });
      expect(r.code, `${args[0]}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(
        new RegExp(`^blockqnn: error \\[INVALID_INPUT\\]: port ${port} is in use on 127\\.0\\.0\\.1\\n  hint: choose another --port`),
      );
      expect(r.stderr).not.toMatch(/\n\s+at |Cannot read properties/);
    }
    // The search did not start a run before failing.
    const store = await openStore(`file:${join(dir, 'runs.db')}`);
    try {
      expect(await store.listRuns()).toEqual([]);
    } finally {
      await store.close();
    }
  }, 90_000);
});

describe('#21 item 10: an empty --prefix', () => {
  it('is refused with the fix, not replaced by the default', async () => {
    for (const command of [
      ['worker', '--engine', 'table'],
      ['search', '--engine', 'table', '--table', 'x.csv', '--workers', '0'],
    ]) {
      const r = await cli([...command, '--prefix', '']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/--prefix must not be empty; leave it out for the default "blockqnn"/);
    }
  }, 60_000);
});
