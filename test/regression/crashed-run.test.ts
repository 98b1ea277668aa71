/**
 * Issue #21 item 6 through the built CLI, a `blockqnn dashboard` process and
 * Chromium (`npm run build` first, which builds dashboard/dist too): after
 * kill -9 of a CLI search the dashboard showed `running` with only a Stop
 * button, POST /resume answered 409 for 15 s, and `blockqnn stop` left the run
 * `stopping` until a second stop. One rule now (orchestrator/controller-state.ts):
 * a controller known dead (its process is gone on this host, or its heartbeat
 * is stale) is treated at once like none: CLI stop stops the run, status says
 * so, the API and the page offer Resume, and resume takes the run over.
 *
 * The dead controller's heartbeat is stamped fresh before each check, so each
 * one shows the run is taken as crashed because its process is gone, not
 * because 15 s went by on a slow machine.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { type BrowserContext, chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/server/api-types.js';
import type { Store } from '../../src/store/index.js';
import { REDIS, REPO, cli, eventually, keysUnder, onCleanup, readStore, runIdOf, startCli, tempDb, uniquePrefix } from '../e2e/harness.js';
import { DASHBOARD_TOKEN, startDashboardCli } from '../helpers/dashboard-cli.js';
import { FITNESS, writeNb201Table } from '../helpers/nb201-table.js';

const CHROMIUM = process.env.BLOCKQNN_CHROMIUM ?? '/usr/bin/chromium';

/** A table search with no workers (its jobs stay queued), killed with -9 once it runs; its run id and the dead pid. */
async function crashedSearch(db: string, prefix: string): Promise<{ runId: string; deadPid: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'blockqnn-crash-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  writeNb201Table(join(dir, 'table.csv'));
  const search = startCli('search (to be killed)', [
    'search',
    '--space',
    'nasbench201',
    '--engine',
    'table',
    '--table',
    join(dir, 'table.csv'),
    '--fitness',
    FITNESS,
    '--strategy',
    'random',
    '--budget',
    '6',
    '--max-in-flight',
    '3',
    '--workers',
    '0',
    '--db',
    db,
    '--redis',
    REDIS,
    '--prefix',
    prefix,
  ]);
  const runId = await runIdOf(search);
  const store = await readStore(db);
  // The progress line follows the enqueue, so the jobs are in Redis by then.
  await search.waitFor(/done 0\/6 · in flight 3/, 30_000);
  expect((await store.getRun(runId)).status).toBe('running');
  search.kill9();
  await search.exited;
  return { runId, deadPid: search.pid };
}

/** What the dead controller would have written had it beaten just now. */
const freshHeartbeat = (store: Store, runId: string) => store.updateRun(runId, { heartbeatAt: new Date() });

describe('#21 item 6: a crashed run (controller killed with -9)', () => {
  it('`blockqnn status` says the controller is dead and one `blockqnn stop` stops the run at once, cancelling its jobs', async () => {
    const db = tempDb().url('crash-stop');
    const prefix = uniquePrefix('crash-stop');
    const { runId, deadPid } = await crashedSearch(db, prefix);
    const store = await readStore(db);
    await freshHeartbeat(store, runId);

    const status = await cli(['status', runId, '--db', db]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(
      `controller ${(await store.getRun(runId)).controllerId} is dead: \`blockqnn resume ${runId}\` continues the run here, \`blockqnn stop ${runId}\` stops it`,
    );
    expect((await store.getRun(runId)).controllerId).toMatch(new RegExp(`:${deadPid}$`));

    await freshHeartbeat(store, runId);
    const stop = await cli(['stop', runId, '--db', db, '--redis', REDIS, '--prefix', prefix]);
    expect(stop.code, stop.stderr).toBe(0);
    expect(stop.stderr).toContain(`run ${runId} had no live controller; cancelled 3 queued job(s) and marked it stopped`);
    expect((await store.getRun(runId)).status).toBe('stopped');
    const [event] = (await store.listEvents(runId)).filter((e) => e.kind === 'stopped');
    expect(event?.payload).toMatchObject({ removedJobs: 3, by: 'blockqnn stop' });
    // No job of the run is left for a worker (the cancel marker tells late workers to drop theirs).
    expect((await keysUnder(REDIS, prefix)).filter((k) => k.includes(runId) && !k.includes(`:cancel:${runId}`))).toEqual([]);
  }, 120_000);

  it("the dashboard's API and page offer Resume, and Resume takes the run over at once (no 409)", async () => {
    if (!existsSync(resolve(REPO, 'dashboard/dist/index.html')))
      throw new Error('this test opens the built page: run `npm run build` (dashboard/dist/index.html is missing)');
    const db = tempDb().url('crash-resume');
    const prefix = uniquePrefix('crash-resume');
    const { runId, deadPid } = await crashedSearch(db, prefix);
    const store = await readStore(db);
    const dash = await startDashboardCli({ db, redis: REDIS, prefix });

    await freshHeartbeat(store, runId);
    const { body } = await dash.api<{ run: RunSummary }>('GET', `/runs/${runId}`);
    expect(body.run).toMatchObject({
      status: 'running',
      controller: 'dead',
      controllerAlive: false,
      actions: { stop: true, resume: true },
    });

    const profile = mkdtempSync(join(tmpdir(), 'blockqnn-chromium-'));
    onCleanup(() => rmSync(profile, { recursive: true, force: true }));
    const browser: BrowserContext = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1366, height: 900 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    onCleanup(() => browser.close());
    const page = browser.pages()[0] ?? (await browser.newPage());
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(dash.url);
    await page.evaluate(
      (t) => (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem('blockqnn-token', t),
      DASHBOARD_TOKEN,
    );
    await freshHeartbeat(store, runId);
    await page.goto(`${dash.url}/#/runs/${runId}`);
    await page.locator('button[data-action="resume"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('button[data-action="stop"]').count()).toBe(1);
    expect(await page.locator('[data-note="controller-dead"]').innerText()).toBe('its controller is dead');
    const artifacts = resolve(REPO, 'test-artifacts');
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'crashed-run-resume.png'), fullPage: true });

    await freshHeartbeat(store, runId);
    const answer = page.waitForResponse((r) => r.url().endsWith(`/api/runs/${runId}/resume`));
    await page.locator('button[data-action="resume"]').click();
    expect((await answer).status()).toBe(202);
    const resumed = await eventually(
      async () => {
        const run = await store.getRun(runId);
        return run.status === 'running' && run.controllerId !== null && !run.controllerId.endsWith(`:${deadPid}`) ? run : undefined;
      },
      30_000,
      "the dashboard's controller taking the run over",
    );
    expect(resumed.controllerId).toMatch(new RegExp(`:${dash.proc.pid}$`));
    // The event follows the row's takeover.
    await eventually(
      async () => ((await store.listEvents(runId)).some((e) => e.kind === 'resumed') ? true : undefined),
      15_000,
      'the resumed event',
    );
    await page.locator('button[data-action="resume"]').waitFor({ state: 'detached', timeout: 15_000 });
    expect(pageErrors).toEqual([]);
  }, 180_000);
});
