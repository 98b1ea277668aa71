/**
 * Dashboard scale benchmark: 100,000 candidates with results in one run
 * (SQLite file, written through the store API), then
 *  - p50/p95 latency of every API endpoint the run view uses, over real HTTP;
 *  - the run view's first meaningful paint in headless Chromium (stats and the
 *    history chart drawn), cold (the server's chart digest not built yet) and warm.
 * Fixture: NAS-Bench-201 cells with their real IR cost (1,000 distinct cells,
 * cycled with a suffix on the hash so every row is its own candidate; IR stored
 * for the first 1,000), synthetic accuracies. Needs Redis (REDIS_URL) and
 * /usr/bin/chromium (BLOCKQNN_CHROMIUM). Run: `npx tsx bench/dashboard.ts [--candidates N]`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { nb201Candidates } from '../src/orchestrator/candidates.js';
import { NB201_OPS, printNb201 } from '../src/search-space/index.js';
import { createServer } from '../src/server/index.js';
import { openStore } from '../src/store/index.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const N = arg('--candidates', 100_000);
const SAMPLES = arg('--samples', 60);
const dir = mkdtempSync(join(tmpdir(), 'blockqnn-bench-dash-'));
const log = (line: string) => process.stderr.write(`${line}\n`);

function cells(count: number): string[] {
  const out: string[] = [];
  let x = 12345;
  for (let i = 0; i < count; i++) {
    const ops = Array.from({ length: 6 }, () => NB201_OPS[(x = (x * 1103515245 + 12345) >>> 0) % NB201_OPS.length]!);
    out.push(printNb201(ops));
  }
  return [...new Set(out)];
}

async function seed(store: Awaited<ReturnType<typeof openStore>>): Promise<string> {
  const run = await store.createRun({
    name: 'bench-100k',
    strategy: 'qlearning',
    engine: 'table',
    taskKey: 'bench',
    seed: 0,
    status: 'finished',
    budget: { candidates: N },
    config: {
      space: 'nasbench201',
      strategy: 'qlearning',
      engine: 'table',
      task: { kind: 'lookup', table: 'cifar10.csv', fitness: 'c10valid_val_12ep' },
    },
  });
  const factory = nb201Candidates();
  const distinct = cells(1000).map((code) => factory.materialize(code));
  const start = Date.now() - N * 1000;
  for (let from = 0; from < N; from += 1000) {
    const batch = Array.from({ length: Math.min(1000, N - from) }, (_, k) => {
      const i = from + k;
      const m = distinct[i % distinct.length]!;
      return { i, m, hash: i < distinct.length ? m.hash : `${m.hash}-${i}` };
    });
    await store.upsertQueuedCandidates(
      run.id,
      batch.map(({ i, m, hash }) => ({
        hash,
        nsc: m.key,
        ir: i < distinct.length ? m.ir : null,
        flops: m.flops,
        params: m.params,
        density: m.density,
      })),
    );
    await store.commitResults(
      run.id,
      batch.map(({ i, hash }) => {
        const accuracy = 0.5 + 0.45 * Math.abs(Math.sin(i * 12.9898)) * (1 - Math.exp(-i / 20_000));
        return {
          hash,
          result: {
            status: 'ok' as const,
            accuracy,
            reward: accuracy - 0.01,
            trainSeconds: 30,
            finishedAt: new Date(start + i * 1000),
            workerId: `host:1:cpu${i % 8}`,
            engine: 'table',
            attempts: 1,
          },
        };
      }),
      { format: 'bench', at: from },
    );
    if (from % 20_000 === 0) log(`seeded ${from.toLocaleString()} / ${N.toLocaleString()}`);
  }
  return run.id;
}

async function latency(url: string): Promise<{ p50: number; p95: number; bytes: number }> {
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < SAMPLES + 3; i++) {
    const t = performance.now();
    const res = await fetch(url);
    const body = await res.arrayBuffer();
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${Buffer.from(body).toString()}`);
    if (i >= 3) times.push(performance.now() - t);
    bytes = body.byteLength;
  }
  times.sort((a, b) => a - b);
  const q = (p: number) => Number(times[Math.min(times.length - 1, Math.floor(p * times.length))]!.toFixed(1));
  return { p50: q(0.5), p95: q(0.95), bytes };
}

async function firstMeaningfulPaint(url: string, profile: string): Promise<{ fmpMs: number; statsMs: number; fcpMs: number | null }> {
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.BLOCKQNN_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1366, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(url);
    await page.locator('.stat-value').first().waitFor();
    const statsMs = await page.evaluate(() => performance.now());
    await page.locator('.chart canvas').first().waitFor();
    // Milliseconds since navigation start, read in the page (the canvas appears when the chart is drawn).
    const fmpMs = await page.evaluate(() => performance.now());
    const fcp = await page.evaluate(() => (performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null) as number | null);
    return { fmpMs: Math.round(fmpMs), statsMs: Math.round(statsMs), fcpMs: fcp === null ? null : Math.round(fcp) };
  } finally {
    await context.close();
  }
}

const store = await openStore(`file:${join(dir, 'bench.db')}`);
const staticDir = join(dir, 'dist');
await build({
  configFile: resolve(import.meta.dirname, '../dashboard/vite.config.ts'),
  logLevel: 'error',
  build: { outDir: staticDir, emptyOutDir: true },
});
const seedStart = performance.now();
const runId = await seed(store);
log(`seeded ${N.toLocaleString()} candidates in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);
const redis = { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', prefix: `bench-dash-${process.pid}` };
let server = createServer({ store, redis, staticDir, log });
let { url } = await server.start({ port: 0 });
try {
  // "cold": right after start, while the server may still be building the digest in the background.
  const cold = await firstMeaningfulPaint(`${url}/#/runs/${runId}`, join(dir, 'profile-cold'));
  const warm = await firstMeaningfulPaint(`${url}/#/runs/${runId}`, join(dir, 'profile-warm'));
  const page1 = (await (await fetch(`${url}/api/runs/${runId}/candidates?sort=reward&order=desc&limit=50`)).json()) as {
    items: { hash: string }[];
    nextCursor: string;
  };
  const api = `${url}/api/runs/${runId}`;
  const withIr = ((await (await fetch(`${api}/candidates?sort=sequence&limit=1`)).json()) as { items: { hash: string }[] }).items[0]!.hash;
  const endpoints: [string, string][] = [
    ['runs list', `${url}/api/runs`],
    ['run overview', api],
    ['chart series (warm digest)', `${api}/series`],
    ['candidates, reward desc, page 1', `${api}/candidates?sort=reward&order=desc&limit=50`],
    [
      'candidates, reward desc, page 2 (cursor)',
      `${api}/candidates?sort=reward&order=desc&limit=50&cursor=${encodeURIComponent(page1.nextCursor)}`,
    ],
    ['candidates, sequence, offset 90,000', `${api}/candidates?sort=sequence&limit=50&offset=90000`],
    ['candidates, flops asc, status ok', `${api}/candidates?sort=flops&order=asc&status=ok&limit=50`],
    ['best blocks (8, with graphs)', `${api}/best?limit=8`],
    ['candidate detail (IR, cost per node)', `${api}/candidates/${withIr}`],
    ['events', `${api}/events`],
  ];
  const rows: Record<string, string | number>[] = [];
  for (const [name, u] of endpoints) {
    const r = await latency(u);
    rows.push({ endpoint: name, 'p50 ms': r.p50, 'p95 ms': r.p95, KiB: Number((r.bytes / 1024).toFixed(1)) });
  }
  // Cold digest: a fresh server over the same database builds it on the first request.
  await server.close();
  server = createServer({ store, redis, staticDir, log, warmRuns: 0 });
  ({ url } = await server.start({ port: 0 }));
  const t = performance.now();
  await (await fetch(`${url}/api/runs/${runId}/series`)).arrayBuffer();
  const coldSeriesMs = Math.round(performance.now() - t);
  console.log(
    `\nDashboard with ${N.toLocaleString()} candidates (SQLite) — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, Chromium (playwright-core ${(await import('playwright-core/package.json', { with: { type: 'json' } })).default.version})`,
  );
  console.table(rows);
  console.log(`chart series, first request on a fresh server (builds the digest): ${coldSeriesMs} ms`);
  console.log(
    `run view first meaningful paint (stats + history chart): cold ${cold.fmpMs} ms (FCP ${cold.fcpMs} ms, stats ${cold.statsMs} ms), warm ${warm.fmpMs} ms (FCP ${warm.fcpMs} ms, stats ${warm.statsMs} ms)`,
  );
} finally {
  await server.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
