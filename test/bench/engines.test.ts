/**
 * `blockqnn bench engines --json` from the built CLI (`npm run build` first, as
 * for test/e2e): dist/ finds the Python trainer and plain loop in src/, the
 * torch engine and the plain loop train the same generated module, and the
 * report carries the keys with the machine and versions beside them.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = resolve(fileURLToPath(import.meta.url), '../../..');
const BIN = resolve(REPO, 'bin/blockqnn.js');

describe('blockqnn bench engines (built CLI)', () => {
  it('prints images/s of the torch engine, the plain loop and tfjs as JSON', async () => {
    if (!existsSync(resolve(REPO, 'dist/cli/main.js'))) throw new Error('run `npm run build` first: this test runs the built CLI');
    const args = [
      'bench',
      'engines',
      '--json',
      '--images',
      '128',
      '--image-size',
      '8',
      '--base-filters',
      '4',
      '--batch-size',
      '32',
      '--rounds',
      '1',
      '--tfjs-images',
      '4',
    ];
    const stdout = await new Promise<string>((done, fail) => {
      execFile(process.execPath, [BIN, ...args], { cwd: REPO, timeout: 120_000, maxBuffer: 1 << 20 }, (error, out, err) =>
        error ? fail(new Error(`${error.message}\n${err}`)) : done(out),
      );
    });
    const report = JSON.parse(stdout) as Record<string, unknown> & { machine: Record<string, string>; network: { params: number } };
    expect(report).toMatchObject({
      torchImagesPerSecond: expect.any(Number),
      plainTorchImagesPerSecond: expect.any(Number),
      torchVsPlain: expect.any(Number),
      tfjsImagesPerSecond: expect.any(Number),
      tfjsBackend: expect.any(String),
    });
    for (const key of ['torchImagesPerSecond', 'plainTorchImagesPerSecond', 'tfjsImagesPerSecond', 'torchVsPlain'] as const)
      expect(report[key]).toBeGreaterThan(0);
    expect(report.machine.torch).toMatch(/^\d+\.\d+/);
    expect(report.machine.cpu).toBeTruthy();
    expect(report.network.params).toBeGreaterThan(0);
  });
});
