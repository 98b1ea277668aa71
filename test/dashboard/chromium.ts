/**
 * The browser tests' shared set-up: the dashboard built by Vite into a temporary
 * folder, served by a real server, and opened in Debian's headless Chromium
 * (driven by playwright-core) with a fresh profile; page errors are collected
 * so a test can assert there were none.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, type Page, chromium } from 'playwright-core';
import { build } from 'vite';
import { type TestDashboard, startDashboard } from '../server/harness.js';

const CHROMIUM = process.env.BLOCKQNN_CHROMIUM ?? '/usr/bin/chromium';

export interface BrowserDashboard {
  dash: TestDashboard;
  page: Page;
  /** Uncaught errors of the page so far. */
  pageErrors: string[];
  close(): Promise<void>;
}

export async function openBrowserDashboard(options: { workers?: number; acceptDownloads?: boolean } = {}): Promise<BrowserDashboard> {
  const staticDir = mkdtempSync(join(tmpdir(), 'blockqnn-dash-dist-'));
  const profile = mkdtempSync(join(tmpdir(), 'blockqnn-chromium-'));
  let dash: TestDashboard | undefined;
  let browser: BrowserContext | undefined;
  const close = async () => {
    await browser?.close();
    await dash?.close();
    rmSync(staticDir, { recursive: true, force: true });
    rmSync(profile, { recursive: true, force: true });
  };
  try {
    await build({
      configFile: resolve(import.meta.dirname, '../../dashboard/vite.config.ts'),
      logLevel: 'error',
      build: { outDir: staticDir, emptyOutDir: true },
    });
    dash = await startDashboard({ staticDir, ...(options.workers ? { workers: options.workers } : {}) });
    // A fresh profile each run (playwright passes it as --user-data-dir).
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      acceptDownloads: options.acceptDownloads ?? false,
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
    const page = browser.pages()[0] ?? (await browser.newPage());
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    return { dash, page, pageErrors, close };
  } catch (error) {
    await close();
    throw error;
  }
}
