/**
 * The export buttons on the dashboard's candidate page, in real headless
 * Chromium against a real server: each format is offered, and clicking one
 * downloads what the export route serves (an ONNX file, the SVG figure).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, type Page, chromium } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestDashboard, seedNscRun, startDashboard } from '../server/harness.js';

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
    acceptDownloads: true,
    viewport: { width: 1366, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  page.on('pageerror', (e) => pageErrors.push(e.message));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await dash?.close();
  rmSync(staticDir, { recursive: true, force: true });
  rmSync(profile, { recursive: true, force: true });
});

describe('export buttons on the candidate page', () => {
  it('offers every format and downloads the export the server writes', async () => {
    const { runId, hashes } = await seedNscRun(dash.store);
    const hash = hashes[1]!;
    await page.goto(`${dash.url}/#/runs/${runId}/c/${hash}`);
    const actions = page.locator('.page-head .actions');
    await actions.locator('a.btn').first().waitFor();
    expect(await actions.locator('a.btn').allInnerTexts()).toEqual(['JSON', 'PyTorch', 'ONNX', 'tfjs', 'SVG', 'PNG']);

    const [onnx] = await Promise.all([page.waitForEvent('download'), actions.getByText('ONNX', { exact: true }).click()]);
    expect(onnx.suggestedFilename()).toBe(`${hash.slice(0, 12)}-model.onnx`);
    const bytes = readFileSync((await onnx.path())!);
    // An ONNX ModelProto starts with field 1 (ir_version, varint) and names its producer.
    expect(bytes[0]).toBe(0x08);
    expect(bytes.includes(Buffer.from('pytorch'))).toBe(true);

    const [svg] = await Promise.all([page.waitForEvent('download'), actions.getByText('SVG', { exact: true }).click()]);
    expect(svg.suggestedFilename()).toBe(`${hash.slice(0, 12)}-architecture.svg`);
    expect(readFileSync((await svg.path())!, 'utf8')).toContain('L3 concat');
    expect(pageErrors).toEqual([]);
  });
});
