/**
 * The run page's Dataset tab in real headless Chromium against a real server:
 * a run on a user source (an ImageFolder of real Fashion-MNIST PNGs, packed)
 * shows its source, pack hash, classes with counts per split and a sample grid
 * drawn from the pack; a run on a built-in dataset shows its classes; a run
 * whose pack is not on the dashboard's host says so.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PNG } from 'pngjs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packSource } from '../../src/datasets/index.js';
import { tempDir } from '../datasets/fixtures.js';
import { pickPerClass, writePngs } from '../datasets/source-fixtures.js';
import { type BrowserDashboard, openBrowserDashboard } from './chromium.js';
import type { TestDashboard } from '../server/harness.js';

const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts');
const dir = tempDir('dash-data');
const saved = { data: process.env.BLOCKQNN_DATA_DIR, cache: process.env.BLOCKQNN_CACHE_DIR };

let dash: TestDashboard;
let page: Page;
let ui: BrowserDashboard | undefined;

beforeAll(async () => {
  // The server runs in this process: it reads packs where the search packed them.
  process.env.BLOCKQNN_DATA_DIR = join(dir.path, 'packs');
  process.env.BLOCKQNN_CACHE_DIR = join(dir.path, 'cache');
  ui = await openBrowserDashboard();
  ({ dash, page } = ui);
}, 120_000);

afterAll(async () => {
  await ui?.close();
  for (const [key, value] of [
    ['BLOCKQNN_DATA_DIR', saved.data],
    ['BLOCKQNN_CACHE_DIR', saved.cache],
  ] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  dir.remove();
});

const runOn = async (dataset: Record<string, unknown>) =>
  (
    await dash.store.createRun({
      name: 'data',
      strategy: 'random',
      engine: 'tfjs',
      taskKey: `data-${Math.random()}`,
      seed: 1,
      status: 'finished',
      budget: { candidates: 1 },
      config: {
        space: 'nsc',
        strategy: 'random',
        engine: 'tfjs',
        task: { kind: 'classification', dataset },
        network: { inputShape: [28, 28, 1], classes: 3 },
        maxIndex: 4,
      },
    })
  ).id;

describe('the Dataset tab', () => {
  it('shows a user source: its hash, classes with counts per split, and samples from the pack', async () => {
    const root = join(dir.path, 'photos');
    await writePngs(join(root, 'train'), await pickPerClass(7, 3));
    await writePngs(join(root, 'test'), await pickPerClass(2, 3, 5000));
    const pack = await packSource(`folder:${root}`, {});
    const runId = await runOn({ name: `folder:${root}`, pack: pack.sha256, imageSize: 8 });

    const png = await fetch(`${dash.url}/api/runs/${runId}/dataset/samples.png`);
    expect(png.headers.get('content-type')).toBe('image/png');
    // Three rows (classes) of six 28×28 images scaled ×2, 2-pixel gaps.
    expect(PNG.sync.read(Buffer.from(await png.arrayBuffer()))).toMatchObject({ width: 6 * 58 - 2, height: 3 * 58 - 2 });

    await page.goto(`${dash.url}/#/runs/${runId}/dataset`);
    await page.locator('.dataset-classes').waitFor();
    expect(await page.locator('.dataset-source').innerText()).toBe(`folder:${root}`);
    expect(await page.locator('.dataset-facts').innerText()).toContain(pack.sha256);
    expect(await page.locator('.dataset-facts').innerText()).toMatch(/imageSize 8/);
    const rows = await page.locator('.dataset-classes tbody tr').allInnerTexts();
    expect(rows.map((r) => r.split('\t').map((c) => c.trim()))).toEqual([
      ['0', '0_tshirt', '7', '2'],
      ['1', '1_trouser', '7', '2'],
      ['2', '2_pullover', '7', '2'],
    ]);
    expect(await page.locator('.dataset-classes tfoot').innerText()).toMatch(/total\s+21\s+6/);
    await page.waitForFunction("document.querySelector('.dataset-samples')?.naturalWidth > 0");
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dataset-tab.png'), fullPage: true });
  });

  it("shows a built-in dataset's classes, and says when a run's pack is not on this host", async () => {
    const builtIn = await runOn({ name: 'mnist' });
    await page.goto(`${dash.url}/#/runs/${builtIn}/dataset`);
    await page.locator('.dataset-classes').waitFor();
    expect(await page.locator('.dataset-class-count').innerText()).toBe('10');
    expect(await page.locator('.dataset-classes thead').innerText()).not.toMatch(/train/);
    const elsewhere = await runOn({ name: 'folder:/elsewhere', pack: 'ef'.repeat(32) });
    await page.goto(`${dash.url}/#/runs/${elsewhere}/dataset`);
    await page.getByText("the pack is not on the dashboard's host").waitFor();
    expect(await page.locator('.dataset-samples').count()).toBe(0);
    expect((await fetch(`${dash.url}/api/runs/${elsewhere}/dataset/samples.png`)).status).toBe(404);
  });
});
