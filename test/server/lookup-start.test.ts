/**
 * #21 item 2 through the real server: POST /api/runs resolves and checks a lookup
 * run's table where the run is created. Tables outside the allow-listed data
 * directory, missing files or columns, and an engine that does not answer
 * lookups are refused with 400 and no run; the dashboard's "New run" example
 * (a path relative to the data directory) is stored absolute and finishes.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_NB201_TABLE } from '../../src/engines/table/index.js';
import { eventually } from '../helpers/redis.js';
import { TABLE, TOKEN, type TestDashboard, startDashboard } from './harness.js';

interface ErrorBody {
  error: { code: string; message: string; hint?: string };
}

const REPO = join(import.meta.dirname, '../..');
/** The form's example, read from the page's source so the test follows it. */
function dashboardExample(): Record<string, unknown> {
  const source = readFileSync(join(REPO, 'dashboard/src/views/runs-list.tsx'), 'utf8');
  const literal = /const EXAMPLE = JSON\.stringify\(\s*(\{[\s\S]*?\}),\s*null,/.exec(source)?.[1];
  if (!literal) throw new Error('EXAMPLE not found in runs-list.tsx');
  return Function(`return (${literal});`)() as Record<string, unknown>;
}

async function post(dash: TestDashboard, config: Record<string, unknown>): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${dash.url}/api/runs`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ config }),
  });
  return { status: res.status, body: await res.json() };
}

const lookup = (task: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  name: 'api-lookup',
  engine: 'table',
  task: { kind: 'lookup', fitness: 'c10valid_val_12ep', ...task },
  budget: { candidates: 3 },
  ...extra,
});

describe('POST /api/runs checks lookup tables at start (default data directory)', () => {
  let dash: TestDashboard;
  beforeAll(async () => {
    dash = await startDashboard({ workers: 2 });
  });
  afterAll(async () => {
    await dash.close();
  });

  it('refuses files outside the data directory, missing files and missing columns: 400, no run', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'blockqnn-outside-'));
    try {
      copyFileSync(TABLE, join(outside, 'copy.csv.gz'));
      const cases: [Record<string, unknown>, RegExp][] = [
        [lookup({ table: '/etc/passwd' }), /"\/etc\/passwd" is outside the dashboard's data directory/],
        [lookup({ table: join(outside, 'copy.csv.gz') }), /is outside the dashboard's data directory/],
        [lookup({ table: '../package.json' }), /is outside the dashboard's data directory/],
        [lookup({ table: 'nasbench201/nope.csv' }), /no table "nasbench201\/nope\.csv" in the data directory/],
        [lookup({ table: 'nasbench201/cifar10.csv.gz', fitness: 'nosuchcol' }), /no fitness column "nosuchcol"/],
        [lookup({ table: 'nasbench201/README.md' }), /README\.md: (line \d+|no .* column)/],
        [lookup({ table: 'nasbench201/cifar10.csv.gz' }, { engine: 'torch' }), /the torch engine does not train lookup tasks/],
      ];
      for (const [config, message] of cases) {
        const { status, body } = await post(dash, config);
        expect(status, JSON.stringify(body)).toBe(400);
        expect((body as ErrorBody).error.message).toMatch(message);
      }
      expect((await post(dash, lookup({ table: 'nasbench201/cifar10.csv.gz', fitness: 'nosuchcol' }))).body).toMatchObject({
        error: { hint: expect.stringMatching(/available columns: arch_index, arch_str, c10valid_val_12ep/) },
      });
      expect(await dash.store.listRuns()).toEqual([]);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it("runs the dashboard's New-run example: the relative table is stored absolute and every candidate succeeds", async () => {
    const example = dashboardExample();
    expect(JSON.stringify(example)).not.toMatch(/shared/);
    const { status, body } = await post(dash, {
      ...example,
      budget: { candidates: 4 },
      maxInFlight: 2,
      task: { ...(example.task as object), delayMs: 0 },
    });
    expect(status, JSON.stringify(body)).toBe(201);
    const id = (body as { id: string }).id;
    const run = await eventually(
      async () => {
        const r = await dash.store.getRun(id);
        return r.status === 'finished' ? r : undefined;
      },
      30_000,
      'the example run to finish',
    );
    expect((run.config as { task: { table: string } }).task.table).toBe(BUNDLED_NB201_TABLE);
    expect(await dash.store.countByStatus(id)).toMatchObject({ ok: 4, failed: 0 });
  });
});

describe('POST /api/runs with --data-dir', () => {
  let dash: TestDashboard;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'blockqnn-datadir-'));
    writeFileSync(
      join(dir, 'mine.csv'),
      'arch_str,score\n|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|,91.5\n',
    );
    dash = await startDashboard({ dataDir: dir });
  });
  afterAll(async () => {
    await dash.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('names tables relative to it, and refuses the bundled table outside it', async () => {
    const ok = await post(dash, lookup({ table: 'mine.csv', fitness: 'score' }, { budget: { candidates: 1 } }));
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    const run = await dash.store.getRun((ok.body as { id: string }).id);
    expect((run.config as { task: { table: string } }).task.table).toBe(join(dir, 'mine.csv'));
    await dash.server.control.stop(run.id);
    const bundled = await post(dash, lookup({ table: BUNDLED_NB201_TABLE }));
    expect(bundled.status).toBe(400);
    expect((bundled.body as ErrorBody).error.message).toMatch(/outside the dashboard's data directory/);
  });
});
