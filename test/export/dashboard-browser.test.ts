/**
 * The export buttons on the dashboard's candidate page, in real headless
 * Chromium against a real server: each format is offered, and clicking one
 * downloads what the export route serves (an ONNX file, the SVG figure).
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserDashboard, openBrowserDashboard } from '../dashboard/chromium.js';
import { type TestDashboard, seedNscRun } from '../server/harness.js';

let dash: TestDashboard;
let page: Page;
let pageErrors: string[];
let ui: BrowserDashboard | undefined;

beforeAll(async () => {
  ui = await openBrowserDashboard({ acceptDownloads: true });
  ({ dash, page, pageErrors } = ui);
}, 120_000);

afterAll(() => ui?.close());

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
