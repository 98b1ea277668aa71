/**
 * bench/gpu.sh, the GPU check that runs without Node: its committed network
 * module is what the generator makes today, and the script runs end to end on
 * the CPU (a tiny run) with nothing but Python, torch and numpy.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GPU_BENCH_MODULE, gpuBenchModuleSource } from '../../../bench/gpu/network.js';
import { networkCost } from '../../../src/search-space/index.js';
import { gpuBenchNetwork } from '../../../bench/gpu/network.js';
import { torchPython } from './helpers.js';

describe('bench/gpu.sh', () => {
  it('commits the generated module of its network, up to date (regenerate: npx tsx bench/gpu/network.ts)', () => {
    expect(readFileSync(GPU_BENCH_MODULE, 'utf8')).toBe(gpuBenchModuleSource());
  });

  it('trains with the engine trainer and the plain loop and reports both rates, on the CPU', async () => {
    const python = (await torchPython()).executable;
    const script = path.resolve(path.dirname(GPU_BENCH_MODULE), '..', 'gpu.sh');
    const stdout = await new Promise<string>((done, fail) => {
      execFile(script, ['--device', 'cpu', '--images', '16', '--epochs', '1', '--batch-size', '16', '--no-extra', '--json'], { env: { ...process.env, BLOCKQNN_PYTHON: python }, timeout: 120_000 }, (error, out, err) =>
        error ? fail(new Error(`${error.message}\n${err}`)) : done(out),
      );
    });
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(summary).toMatchObject({ images: 16, epochs: 1, params: networkCost(gpuBenchNetwork()).params, enginePeakGpuMemoryMiB: null, data: expect.stringMatching(/SYNTHETIC|CIFAR-10/) });
    expect(summary.torchImagesPerSecond).toBeGreaterThan(0);
    expect(summary.plainTorchImagesPerSecond).toBeGreaterThan(0);
  });
});
