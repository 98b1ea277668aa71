/**
 * The fixed BlockQNN networks of the GPU check (bench/gpu.sh): the paper's
 * Inception-like block, 2 blocks per stage, 3 stages from 32 filters, on
 * CIFAR-size 32×32×3 images; and for `--packing`, four proxy networks of
 * different blocks (one block per stage, 3 stages from 16 filters, as a search's
 * early-stop proxy builds them). Their generated PyTorch modules are committed
 * (bench/gpu/blockqnn_net.py, bench/gpu/packing_nets/*.py) so the GPU machine
 * needs neither Node nor Redis; a test keeps the files in step with the
 * generator. Regenerate with `npx tsx bench/gpu/network.ts`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateTorchModule } from '../../src/engines/torch/index.js';
import { type CheckedIr, PAPER_BLOCKS, assembleNetwork, parseNsc } from '../../src/search-space/index.js';

export const GPU_BENCH_MODULE = fileURLToPath(new URL('./blockqnn_net.py', import.meta.url));
export const PACKING_NETS_DIR = fileURLToPath(new URL('./packing_nets', import.meta.url));

/** The blocks of the packing benchmark: the paper's two, a block a torch search found (README "Final training"), and a pooling/concat block. */
const PACKING_BLOCKS: Record<string, string> = {
  resnet: '',
  inception: '',
  found: '(1,1,3,0,0)(2,1,1,1,0)(3,1,5,2,0)(4,1,1,3,0)(5,1,3,3,0)(6,7,0,0,0)',
  pooling: '(1,1,3,0,0)(2,2,3,0,0)(3,6,0,1,2)(4,1,1,3,0)(5,3,3,0,0)(6,5,0,4,5)(7,7,0,0,0)',
};

/** The packing benchmark's proxy networks by file name: one block per stage, 3 stages from 16 filters, CIFAR-size input. */
export function packingNetworks(): { name: string; checked: CheckedIr }[] {
  return Object.entries(PACKING_BLOCKS).map(([name, code]) => {
    const block = code ? parseNsc(code) : PAPER_BLOCKS[name as 'resnet' | 'inception'];
    return {
      name,
      checked: assembleNetwork(block, {
        inputShape: [32, 32, 3],
        classes: 10,
        blocksPerStage: 1,
        baseFilters: 16,
        stages: 3,
        name: `BlockQNN ${name} block, proxy network (bench/gpu --packing)`,
      }),
    };
  });
}

export function gpuBenchNetwork(): CheckedIr {
  return assembleNetwork(PAPER_BLOCKS.inception, {
    inputShape: [32, 32, 3],
    classes: 10,
    blocksPerStage: 2,
    baseFilters: 32,
    stages: 3,
    name: 'BlockQNN Inception-like block, CIFAR-size (bench/gpu)',
  });
}

export function gpuBenchModuleSource(): string {
  return generateTorchModule(gpuBenchNetwork()).source;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(GPU_BENCH_MODULE, gpuBenchModuleSource());
  console.log(`wrote ${GPU_BENCH_MODULE}`);
  mkdirSync(PACKING_NETS_DIR, { recursive: true });
  for (const { name, checked } of packingNetworks()) {
    writeFileSync(join(PACKING_NETS_DIR, `${name}.py`), generateTorchModule(checked).source);
    console.log(`wrote ${join(PACKING_NETS_DIR, `${name}.py`)}`);
  }
}
