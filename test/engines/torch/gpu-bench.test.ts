/**
 * bench/gpu.sh, the GPU check that runs without Node: its committed network
 * module is what the generator makes today, and the script runs end to end on
 * the CPU (a tiny run) with nothing but Python, torch and numpy.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GPU_BENCH_MODULE, PACKING_NETS_DIR, gpuBenchModuleSource, packingNetworks } from '../../../bench/gpu/network.js';
import { generateTorchModule } from '../../../src/engines/torch/index.js';
import { networkCost } from '../../../src/search-space/index.js';
import { gpuBenchNetwork } from '../../../bench/gpu/network.js';
import { torchPython } from './helpers.js';

describe('bench/gpu.sh', () => {
  it('commits the generated module of its network, up to date (regenerate: npx tsx bench/gpu/network.ts)', () => {
    expect(readFileSync(GPU_BENCH_MODULE, 'utf8')).toBe(gpuBenchModuleSource());
    for (const { name, checked } of packingNetworks())
      expect(readFileSync(path.join(PACKING_NETS_DIR, `${name}.py`), 'utf8')).toBe(generateTorchModule(checked).source);
  });

  it('--packing --small: candidates per hour with 1 and 2 trainer processes, as JSON in --out and on stdout, on the CPU', async () => {
    const python = (await torchPython()).executable;
    const script = path.resolve(path.dirname(GPU_BENCH_MODULE), '..', 'gpu.sh');
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'bq-packing-')), 'packing.json');
    const stdout = await new Promise<string>((done, fail) => {
      execFile(
        script,
        ['--packing', '--small', '--seconds', '3', '--out', out],
        { env: { ...process.env, BLOCKQNN_PYTHON: python }, timeout: 300_000 },
        (error, text, err) => (error ? fail(new Error(`${error.message}\n${err}`)) : done(text)),
      );
    });
    expect(stdout).toMatch(/^K = 1: starting 1 trainer\(s\) \.\.\.$/m);
    const summary = JSON.parse(readFileSync(out, 'utf8')) as {
      rows: Record<string, unknown>[];
      networks: string[];
      epochs: number;
      oomIsolation: unknown;
    };
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual(summary);
    expect(summary.networks).toEqual(['resnet', 'inception', 'found', 'pooling']);
    expect(summary.rows.map((r) => r.slots)).toEqual([1, 2]);
    for (const row of summary.rows) {
      expect(row.candidatesPerHour).toBeGreaterThan(0);
      expect(row).toMatchObject({
        gpuUtilisationPercent: null,
        gpuMemoryPeakMiB: null,
        jobPeakAllocatedMiB: null,
        device: expect.stringMatching(/^cpu/),
      });
    }
    expect(summary.rows[0]!.ratioToK1).toBe(1);
    expect(summary.oomIsolation).toBeNull();
  }, 300_000);

  it('trains with the engine trainer and the plain loop and reports both rates, on the CPU', async () => {
    const python = (await torchPython()).executable;
    const script = path.resolve(path.dirname(GPU_BENCH_MODULE), '..', 'gpu.sh');
    const stdout = await new Promise<string>((done, fail) => {
      execFile(
        script,
        ['--device', 'cpu', '--images', '16', '--epochs', '1', '--batch-size', '16', '--no-extra', '--json'],
        { env: { ...process.env, BLOCKQNN_PYTHON: python }, timeout: 120_000 },
        (error, out, err) => (error ? fail(new Error(`${error.message}\n${err}`)) : done(out)),
      );
    });
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(summary).toMatchObject({
      images: 16,
      epochs: 1,
      params: networkCost(gpuBenchNetwork()).params,
      enginePeakGpuMemoryMiB: null,
      data: expect.stringMatching(/SYNTHETIC|CIFAR-10/),
    });
    expect(summary.torchImagesPerSecond).toBeGreaterThan(0);
    expect(summary.plainTorchImagesPerSecond).toBeGreaterThan(0);
  });
});
