/**
 * The Baselines tab in real headless Chromium against a real server: a seeded
 * NSC run with baselines shows the badge, the best searched block beside each
 * baseline with the reward gap, and a baseline's detail page is labelled as one.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserDashboard, openBrowserDashboard } from './chromium.js';
import { seedBaselines } from '../server/baseline-fixtures.js';
import { type TestDashboard, seedNscRun } from '../server/harness.js';

const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts');

let dash: TestDashboard;
let page: Page;
let pageErrors: string[];
let ui: BrowserDashboard | undefined;

beforeAll(async () => {
  ui = await openBrowserDashboard();
  ({ dash, page, pageErrors } = ui);
  mkdirSync(ARTIFACTS, { recursive: true });
}, 120_000);

afterAll(() => ui?.close());

describe('baselines in the dashboard', () => {
  it("shows the Baselines tab with badges and the comparison, and labels a baseline's detail", async () => {
    const { runId } = await seedNscRun(dash.store);
    const { ahead } = await seedBaselines(dash.store, runId);
    const without = await dash.store.createRun({
      name: 'no-baselines',
      strategy: 'random',
      engine: 'tfjs',
      taskKey: 'k',
      seed: 0,
      config: { space: 'nsc' },
    });

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
