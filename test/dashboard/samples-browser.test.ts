/**
 * Sample grids of image-to-image candidates in real headless Chromium against a real
 * server: a run whose searched generator and SeGAN baseline carry grids drawn from real
 * MNIST amodal-completion examples shows the grid with its row labels on the candidate
 * page and a thumbnail in the Baselines tab; the PNG route serves the bytes the worker
 * drew, and a classifier's candidate has no grid (404 with a JSON error).
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PNG } from 'pngjs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/datasets/index.js';
import { searchedGeneratorCandidates, materializeGenerativeBaseline } from '../../src/orchestrator/generative.js';
import { buildExamples } from '../../src/task/image2image/examples.js';
import { trivialOutputs } from '../../src/task/image2image/metrics.js';
import { sampleGrid } from '../../src/task/image2image/sample-grid.js';
import { parseTask } from '../../src/task/task.js';
import { type BrowserDashboard, openBrowserDashboard } from './chromium.js';
import { type TestDashboard, seedNscRun } from '../server/harness.js';

const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts');

let dash: TestDashboard;
let page: Page;
let pageErrors: string[];
let ui: BrowserDashboard | undefined;

beforeAll(async () => {
  ui = await openBrowserDashboard();
  ({ dash, page, pageErrors } = ui);
}, 120_000);

afterAll(() => ui?.close());

describe('image-to-image sample grids in the dashboard', () => {
  it("shows a candidate's grid with its rows, a thumbnail per baseline, and serves the PNG", async () => {
    const task = parseTask({
      kind: 'image2image',
      problem: 'amodal-completion',
      procedure: 'pix2pix',
      dataset: { name: 'mnist' },
      imageSize: 16,
      examples: { train: 32, eval: 16 },
    });
    if (task.kind !== 'image2image') throw new Error('unreachable');
    const data = await loadDataset(task.dataset);
    const examples = buildExamples(
      task,
      { images: data.train.images, labels: data.train.labels, count: data.train.count, shape: data.shape },
      1,
    );
    const grid = sampleGrid(examples, trivialOutputs(task, examples));

    const searched = searchedGeneratorCandidates(task, { width: 1 / 16 }, 4).materialize('(1,1,3,0,0)(2,4,0,1,0)(3,7,0,0,0)');
    const segan = materializeGenerativeBaseline('segan', task, 1 / 16);
    const run = await dash.store.createRun({
      name: 'i2i',
      strategy: 'random',
      engine: 'torch',
      taskKey: 'i2i',
      seed: 1,
      status: 'finished',
      budget: { candidates: 1 },
      config: { space: 'nsc', strategy: 'random', engine: 'torch', task, network: { inputShape: [16, 16, 1], classes: 10 }, maxIndex: 4 },
    });
    const row = (m: typeof searched) => ({ hash: m.hash, nsc: m.key, ir: m.ir, flops: m.flops, params: m.params, density: m.density });
    await dash.store.upsertQueuedCandidates(run.id, [row(searched)]);
    await dash.store.upsertQueuedBaselines(run.id, [{ ...row(segan), baseline: 'segan' }]);
    const result = (score: number) => ({
      status: 'ok' as const,
      accuracy: score,
      reward: score,
      curve: [],
      trainSeconds: 1,
      evalSeconds: 0.1,
      metrics: { invisibleIoU: score },
      samples: grid,
    });
    await dash.store.commitResults(run.id, [{ hash: searched.hash, result: result(0.4) }], { format: 'seeded' });
    await dash.store.commitBaselineResults(run.id, [{ hash: segan.hash, result: result(0.5) }]);

    const png = await fetch(`${dash.url}/api/runs/${run.id}/candidates/${searched.hash}/samples.png`);
    expect(png.headers.get('content-type')).toBe('image/png');
    const bytes = Buffer.from(await png.arrayBuffer());
    expect(bytes.equals(Buffer.from(grid.pngBase64, 'base64'))).toBe(true);
    expect(PNG.sync.read(bytes)).toMatchObject({ width: 8 * 17 - 1, height: 5 * 17 - 1 });
    const { runId: classifierRun, hashes } = await seedNscRun(dash.store, 1);
    const none = await fetch(`${dash.url}/api/runs/${classifierRun}/candidates/${hashes[0]}/samples.png`);
    expect(none.status).toBe(404);
    expect(((await none.json()) as { error: { message: string } }).error.message).toMatch(/no sample grid/);

    await page.goto(`${dash.url}/#/runs/${run.id}/c/${searched.hash}`);
    const shown = page.locator('.sample-grid img');
    await shown.waitFor();
    // Page-side code as strings: the tests compile without the DOM's types.
    await page.waitForFunction("document.querySelector('.sample-grid img')?.complete === true");
    expect(
      await page.evaluate(
        "(({ naturalWidth, naturalHeight }) => [naturalWidth, naturalHeight])(document.querySelector('.sample-grid img'))",
      ),
    ).toEqual([8 * 17 - 1, 5 * 17 - 1]);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'sample-grid.png'), fullPage: true });
    expect(await page.locator('.sample-grid-labels').innerText()).toMatch(
      /input \(occluded\)[\s\S]*output image[\s\S]*target image[\s\S]*output mask[\s\S]*target mask/,
    );

    await page.goto(`${dash.url}/#/runs/${run.id}/baselines`);
    await page.locator('.baselines-table').waitFor();
    await page.waitForFunction("[...document.querySelectorAll('.sample-thumb')].filter((i) => i.naturalWidth > 0).length === 2");
    expect(await page.locator('.baselines-table tbody tr').count()).toBe(2);
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
