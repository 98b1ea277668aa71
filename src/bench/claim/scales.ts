/**
 * The scales of `blockqnn bench claim`: one experiment (search, then every
 * network trained alike over seeds) at three sizes. Only the sizes differ; the
 * protocol is the same. Pure data: the README's table of scales is this file.
 *
 * - tiny: the tests' scale (one searched block, one seed, 8×8 images). Every
 *   step runs; nothing it prints means anything.
 * - cpu: 69 minutes measured on 2 loaded CPU cores (README). Images are resized to
 *   14×14 and the reference ResNet-20 runs at half width (about 2.1 M
 *   multiply-adds instead of 31 M at 28×28): at full size one ResNet-20 test
 *   pass alone takes minutes on such a machine. Fewer images and epochs mean
 *   every network is far from converged (3,000 images, 2 epochs), so the ranking
 *   says which trains fastest on little data more than which is best; 3 seeds
 *   give a standard error of std/√3 per network, and the 12-candidate search
 *   samples a sliver of the space.
 * - gpu: the real experiment (issue #20): all 60,000 training images at 28×28,
 *   30 epochs, 3 seeds, a 64-candidate search with the paper's 12-epoch proxy; the reference is ResNet-20 at
 *   its paper width.
 */

export const SCALE_NAMES = ['tiny', 'cpu', 'gpu'] as const;
export type ScaleName = (typeof SCALE_NAMES)[number];

export interface ClaimScale {
  name: ScaleName;
  /** Side the images are resized to (28: Fashion-MNIST's own). */
  imageSize: number;
  search: {
    /** Candidates the strategy proposes (the early-stop proxy trains each). */
    budget: number;
    /** Training images of the proxy (stratified subset) and the validation images held out of them. */
    subset: number;
    validationSize: number;
    epochs: number;
    batchSize: number;
    learningRate: number;
    /** Filters of the first stage while searching (the final network is MAC-matched instead). */
    baseFilters: number;
    /** Largest layer index of a block (the NSC space's maximum block size). */
    maxIndex: number;
  };
  /** Layout of the searched block's network, in the search and in the final training alike. */
  network: { stages: number; blocksPerStage: number };
  final: {
    /** Training images (undefined: all 60,000). */
    subset: number | undefined;
    epochs: number;
    batchSize: number;
    seeds: number[];
  };
  /** Width of ResNet-20 that every network's multiply-adds are matched to (1: the paper's 16/32/64). */
  referenceWidth: number;
  /** Searched blocks taken to the final training. */
  topBlocks: number;
  /** Needs a CUDA GPU (checked before anything starts). */
  needsGpu: boolean;
  /** Local worker slots by default. */
  workers: number;
}

export const SCALES: Record<ScaleName, ClaimScale> = {
  tiny: {
    name: 'tiny',
    imageSize: 8,
    search: { budget: 2, subset: 120, validationSize: 60, epochs: 1, batchSize: 32, learningRate: 0.01, baseFilters: 4, maxIndex: 4 },
    network: { stages: 2, blocksPerStage: 1 },
    final: { subset: 200, epochs: 1, batchSize: 64, seeds: [1] },
    referenceWidth: 0.25,
    topBlocks: 1,
    needsGpu: false,
    workers: 1,
  },
  cpu: {
    name: 'cpu',
    imageSize: 14,
    search: { budget: 12, subset: 1000, validationSize: 500, epochs: 2, batchSize: 32, learningRate: 0.01, baseFilters: 8, maxIndex: 6 },
    network: { stages: 3, blocksPerStage: 1 },
    final: { subset: 3000, epochs: 2, batchSize: 64, seeds: [1, 2, 3] },
    referenceWidth: 0.5,
    topBlocks: 3,
    needsGpu: false,
    workers: 1,
  },
  gpu: {
    name: 'gpu',
    imageSize: 28,
    search: {
      budget: 64,
      subset: 10_000,
      validationSize: 2000,
      epochs: 12,
      batchSize: 128,
      learningRate: 0.001,
      baseFilters: 16,
      maxIndex: 8,
    },
    network: { stages: 3, blocksPerStage: 2 },
    final: { subset: undefined, epochs: 30, batchSize: 128, seeds: [1, 2, 3] },
    referenceWidth: 1,
    topBlocks: 3,
    needsGpu: true,
    workers: 4,
  },
};

/** The baselines the claim is measured against; the first is the reference whose multiply-adds all are matched to. */
export const CLAIM_BASELINES = [
  'resnet-20-cifar',
  'se-resnet-20-cifar',
  'dla-34-cifar',
  'cliquenet-k36-t12-b',
  'resnet-20-dpp-lite-s3-sym',
] as const;

/** Relative distance from the reference multiply-adds a matched network may be. */
export const MAC_TOLERANCE = 0.1;
