/**
 * The dashboard in real headless Chromium (Debian's `chromium`, driven by
 * playwright-core) against a real server with a real search running: a
 * NAS-Bench-201 search on the table engine with in-process workers, plus an
 * NSC run written through the store. Screenshots land in test-artifacts/.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserDashboard, openBrowserDashboard } from './chromium.js';
import { writeWorkerState } from '../../src/queue/worker-registry.js';
import { NO_WORKER_WARN_ENV } from '../../src/queue/worker-hint.js';
import { redactUrl } from '../../src/queue/redis.js';
import { TOKEN, type TestDashboard, seedNscRun, tableConfig } from '../server/harness.js';

const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts');

let dash: TestDashboard;
let page: Page;
let pageErrors: string[];
let ui: BrowserDashboard | undefined;

beforeAll(async () => {
  ui = await openBrowserDashboard({ workers: 2 });
  ({ dash, page, pageErrors } = ui);
  mkdirSync(ARTIFACTS, { recursive: true });
}, 120_000);

afterAll(() => ui?.close());

const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
const statValue = async (label: string) =>
  Number((await page.locator('.stat', { hasText: label }).locator('.stat-value').innerText()).replace(/[^0-9.]/g, ''));

describe('dashboard in Chromium', () => {
  it('lists a live run, updates its view as candidates finish, draws best blocks, and stops and resumes it', async () => {
    const runId = await dash.server.control.start(tableConfig(70, 120));
    await page.goto(dash.url);
    await page.locator(`tr[data-run="${runId}"]`).waitFor();
    expect(await page.locator(`tr[data-run="${runId}"] .badge`).innerText()).toMatch(/running|pending/);
    await shot('runs-list');

    await page.locator(`tr[data-run="${runId}"] a.run-name`).click();
    await page.locator('.stat', { hasText: 'results' }).waitFor();
    const first = await statValue('results');
    await expect.poll(() => statValue('results'), { timeout: 15_000, interval: 100 }).toBeGreaterThanOrEqual(first + 5);
    await page.locator('.chart canvas').first().waitFor();
    expect(await page.locator('.bars rect').count()).toBeGreaterThan(0);
    await page.locator('svg.epsilon .eps-dot').waitFor();
    await shot('run-view-live');

    await page.locator('.tabs a', { hasText: 'Best blocks' }).click();
    await page.locator('[data-best="1"] svg.dag').waitFor();
    // A NAS-Bench-201 cell: 4 nodes plus one per non-"none" edge op, laid out by dagre.
    expect(await page.locator('[data-best="1"] .dag-node').count()).toBeGreaterThanOrEqual(5);
    expect(await page.locator('[data-best="1"] .dag-edge').count()).toBeGreaterThanOrEqual(2);
    await shot('best-blocks-nb201');

    // Stop with the token from the page, then resume; the run ends with its whole budget.
    await page.evaluate(
      (t) => (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem('blockqnn-token', t),
      TOKEN,
    );
    await page.locator('.tabs a', { hasText: 'Overview' }).click();
    await page.locator('button[data-action="stop"]').click();
    await page.locator('h1 .badge', { hasText: 'stopped' }).waitFor({ timeout: 15_000 });
    const stoppedAt = (await dash.store.getRun(runId)).resultCount;
    expect(stoppedAt).toBeLessThan(70);
    await shot('run-stopped');
    await page.locator('button[data-action="resume"]').click();
    await page.locator('h1 .badge', { hasText: 'finished' }).waitFor({ timeout: 30_000 });
    expect((await dash.store.getRun(runId)).resultCount).toBe(70);
    expect(await statValue('results')).toBe(70);
    await shot('run-finished');

    await page.locator('.tabs a', { hasText: 'Candidates' }).click();
    await page.locator('table.candidates tbody tr').first().waitFor();
    expect(await page.locator('table.candidates tbody tr').count()).toBe(25);
    await page.locator('.pager button', { hasText: 'Next' }).click();
    await page.locator('.pager span', { hasText: 'page 2' }).waitFor();
    await page.keyboard.press('Home');
    await shot('candidate-table');
  });

  it('draws an NSC block as a DAG and shows a candidate in detail', async () => {
    const { runId, hashes } = await seedNscRun(dash.store);
    await page.goto(`${dash.url}/#/runs/${runId}/best`);
    await page.locator('[data-best="1"] svg.dag').waitFor();
    await shot('best-blocks-nsc');
    await page.goto(`${dash.url}/#/runs/${runId}/c/${hashes[2]}`);
    await page.locator('.card', { hasText: 'Cost per node' }).locator('tbody tr').first().waitFor();
    // (1,1,3,0,0)(2,2,3,1,0)(3,1,5,0,0)(4,5,0,2,3)(5,7,0,0,0): input, conv, max_pool, conv, add, output
    const labels = await page.locator('.card', { hasText: 'Block' }).first().locator('.dag-node text').allTextContents();
    expect(labels.sort()).toEqual(['add', 'conv 3×3', 'conv 5×5', 'input', 'max_pool 3×3', 'output (concat)']);
    await page.locator('.card', { hasText: 'Training curve' }).locator('canvas').waitFor();
    await shot('candidate-detail');
  });

  it("says on the run page when no live worker of the run's engine can take its jobs, with the command", async () => {
    process.env[NO_WORKER_WARN_ENV] = '0.3';
    try {
      // The page's workers serve the table engine; this run's torch jobs wait for a worker that never comes.
      const run = await dash.store.createRun({
        name: 'waiting',
        strategy: 'random',
        engine: 'torch',
        taskKey: 'hint',
        seed: 1,
        status: 'running',
        config: { space: 'nasbench201' },
        budget: { candidates: 2 },
      });
      await dash.store.upsertQueuedCandidates(run.id, [{ hash: 'a1b2c3d4e5f60718', nsc: 'cell', flops: 1, params: 1, density: 1 }]);
      await page.goto(`${dash.url}/#/runs/${run.id}`);
      await page.locator('.worker-hint').waitFor({ timeout: 15_000 });
      expect(await page.locator('.worker-hint').innerText()).toContain(
        `Start one with: blockqnn worker --engine torch --redis ${redactUrl(dash.redis.url)} --prefix ${dash.redis.prefix}`,
      );
      await shot('run-no-worker');
      await dash.store.updateRun(run.id, { status: 'stopped' });
    } finally {
      delete process.env[NO_WORKER_WARN_ENV];
    }
  });

  it('shows workers, a dead one standing out, and an error state for an unknown run', async () => {
    // A slot on another host that stopped beating two minutes ago, as the registry would hold it after a kill -9.
    const beat = Date.now() - 120_000;
    await writeWorkerState(dash.server.services.redis, dash.redis.prefix, {
      id: 'gpu-host:4242:gpu1',
      host: 'gpu-host',
      pid: 4242,
      slot: 'gpu1',
      gpu: 1,
      engine: 'table',
      engineDescription: 'table lookup',
      startedAt: beat - 60_000,
      heartbeatAt: beat,
      currentJob: {
        jobId: 'j',
        runId: 'r',
        candidateHash: 'abcdef0123456789',
        epoch: 3,
        epochs: 12,
        loss: 1.2,
        valAccuracy: 0.61,
        imagesPerSecond: 812,
      },
      jobsDone: 7,
    });
    await page.goto(`${dash.url}/#/workers`);
    await page.locator('table.workers tr.row-dead').waitFor();
    expect(await page.locator('table.workers .badge.health-alive').count()).toBe(2);
    expect(await page.locator('table.workers tr.row-dead').innerText()).toMatch(/gpu-host[\s\S]*epoch 3\/12/);
    await shot('workers');
    await page.goto(`${dash.url}/#/runs/no-such-run`);
    await page.locator('.error').waitFor();
    expect(await page.locator('.error').innerText()).toMatch(/no-such-run/);
    expect(pageErrors).toEqual([]);
  });
});
