/**
 * The Baselines tab in real headless Chromium against a real server: a seeded
 * NSC run with baselines shows the badge, the best searched block beside each
 * baseline with the reward gap, and a baseline's detail page is labelled as one.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, type Page, chromium } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedBaselines } from '../server/baseline-fixtures.js';
import { type TestDashboard, seedNscRun, startDashboard } from '../server/harness.js';

const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts');
const CHROMIUM = process.env.BLOCKQNN_CHROMIUM ?? '/usr/bin/chromium';

let dash: TestDashboard;
let browser: BrowserContext;
let page: Page;
let staticDir: string;
let profile: string;
const pageErrors: string[] = [];

beforeAll(async () => {
  staticDir = mkdtempSync(join(tmpdir(), 'blockqnn-dash-dist-'));
  await build({ configFile: resolve(import.meta.dirname, '../../dashboard/vite.config.ts'), logLevel: 'error', build: { outDir: staticDir, emptyOutDir: true } });
  dash = await startDashboard({ staticDir });
  profile = mkdtempSync(join(tmpdir(), 'blockqnn-chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1366, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  page.on('pageerror', (e) => pageErrors.push(e.message));
  mkdirSync(ARTIFACTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await dash?.close();
  rmSync(staticDir, { recursive: true, force: true });
  rmSync(profile, { recursive: true, force: true });
});

describe('baselines in the dashboard', () => {
  it('shows the Baselines tab with badges and the comparison, and labels a baseline\'s detail', async () => {
    const { runId } = await seedNscRun(dash.store);
    const { ahead } = await seedBaselines(dash.store, runId);
    const without = await dash.store.createRun({ name: 'no-baselines', strategy: 'random', engine: 'tfjs', taskKey: 'k', seed: 0, config: { space: 'nsc' } });

    await page.goto(`${dash.url}/#/runs/${runId}/baselines`);
    const table = page.locator('.baselines-table');
    await table.waitFor();
    const rows = table.locator('tbody tr');
    expect(await rows.count()).toBe(3);
    expect(await rows.nth(0).getAttribute('data-kind')).toBe('searched');
    expect(await rows.nth(1).locator('.baseline-badge').innerText()).toBe('baseline');
    expect(await rows.nth(1).innerText()).toMatch(/resnet-20-cifar[\s\S]*95\.00%[\s\S]*\+0\.1900[\s\S]*0\.3100/);
    expect(await rows.nth(2).innerText()).toMatch(/blockqnn-inception-block[\s\S]*queued/);
    expect(await page.locator('.card-head').first().innerText()).toMatch(/1 of 1 evaluated baseline\(s\) beat the best searched block/);
    await page.screenshot({ path: join(ARTIFACTS, 'baselines-tab.png'), fullPage: true });

    await rows.nth(1).locator('a').click();
    await page.locator('h1', { hasText: 'Baseline resnet-20-cifar' }).waitFor();
    expect(page.url()).toContain(`/c/${ahead}`);
    expect(await page.locator('h1 .baseline-badge').innerText()).toBe('baseline');

    // A run without baselines has no Baselines tab.
    await page.goto(`${dash.url}/#/runs/${without.id}`);
    await page.locator('nav.tabs').waitFor();
    expect(await page.locator('nav.tabs a', { hasText: 'Baselines' }).count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});
