/**
 * The fixed BlockQNN network of the GPU check (bench/gpu.sh): the paper's
 * Inception-like block, 2 blocks per stage, 3 stages from 32 filters, on
 * CIFAR-size 32×32×3 images. Its generated PyTorch module is committed as
 * bench/gpu/blockqnn_net.py so the GPU machine needs neither Node nor Redis;
 * a test keeps the file in step with the generator. Regenerate with
 * `npx tsx bench/gpu/network.ts`.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generateTorchModule } from '../../src/engines/torch/index.js';
import { type CheckedIr, PAPER_BLOCKS, assembleNetwork } from '../../src/search-space/index.js';

export const GPU_BENCH_MODULE = fileURLToPath(new URL('./blockqnn_net.py', import.meta.url));

export function gpuBenchNetwork(): CheckedIr {
  return assembleNetwork(PAPER_BLOCKS.inception, { inputShape: [32, 32, 3], classes: 10, blocksPerStage: 2, baseFilters: 32, stages: 3, name: 'BlockQNN Inception-like block, CIFAR-size (bench/gpu)' });
}

export function gpuBenchModuleSource(): string {
  return generateTorchModule(gpuBenchNetwork()).source;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(GPU_BENCH_MODULE, gpuBenchModuleSource());
  console.log(`wrote ${GPU_BENCH_MODULE}`);
}
