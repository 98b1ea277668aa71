/**
 * BlockQNN's own hand-designed blocks as baselines: the ResNet and Inception
 * blocks written as NSC (Zhong et al., "Practical Block-wise Neural Network
 * Architecture Generation", CVPR 2018, Fig. 2). Unlike the other baselines they
 * are not whole networks: they are assembled exactly like a searched block
 * (assemble.ts: same stem, stages, pools, widths and head), so that inside a
 * run they are judged in the very network a searched block gets.
 */
import type { Registry } from '../../common/registry.js';
import { type NetworkOptions, DEFAULT_NETWORK_OPTIONS, assembleNetwork } from '../assemble.js';
import type { CheckedIr } from '../graph.js';
import type { NscBlock } from '../nsc.js';
import { INCEPTION_BLOCK_NSC, PAPER_BLOCKS, RESNET_BLOCK_NSC } from '../paper-blocks.js';
import type { Baseline, BaselineOptions } from './baseline.js';

const BLOCKQNN_PAPER =
  'Zhong, Yan, Wu, Shao, Liu, "Practical Block-wise Neural Network Architecture Generation", CVPR 2018 (arXiv:1708.05552)';

/** The network around the block, besides input shape and classes (which BaselineOptions carries). */
export type BlockNetworkOptions = Partial<Pick<NetworkOptions, 'blocksPerStage' | 'baseFilters' | 'stages' | 'layout'>>;

/** A baseline that is an NSC block: the harness assembles it with the run's network options. */
export interface NscBlockBaseline extends Baseline {
  /** The block, parsed. */
  readonly block: NscBlock;
  /** The block as NSC text. */
  readonly nsc: string;
  /** Builds the block into a network; omitted network options are the paper's CIFAR network (N = 4, 32 filters, 3 stages). */
  build(options?: BaselineOptions & { network?: BlockNetworkOptions }): CheckedIr;
}

/** Whether a registry entry is an NSC block (assembled with the run's network) rather than a whole network. */
export function isNscBlockBaseline(entry: Baseline): entry is NscBlockBaseline {
  return Array.isArray((entry as Partial<NscBlockBaseline>).block) && typeof (entry as Partial<NscBlockBaseline>).nsc === 'string';
}

const NSC_BLOCKS: Readonly<Record<string, { block: NscBlock; nsc: string; description: string }>> = {
  'blockqnn-resnet-block': {
    block: PAPER_BLOCKS.resnet,
    nsc: RESNET_BLOCK_NSC,
    description: 'the ResNet basic block written as NSC (two 3x3 pre-activation convs + identity), assembled like a searched block',
  },
  'blockqnn-inception-block': {
    block: PAPER_BLOCKS.inception,
    nsc: INCEPTION_BLOCK_NSC,
    description: 'the Inception block written as NSC (1x1; 1x1-3x3; 1x1-5x5; pool-1x1, concatenated), assembled like a searched block',
  },
};

/** Registers the paper's NSC blocks. */
export function registerNscBlocks(registry: Registry<Baseline>): void {
  for (const [name, { block, nsc, description }] of Object.entries(NSC_BLOCKS)) {
    const entry: NscBlockBaseline = {
      name,
      description,
      citation: BLOCKQNN_PAPER,
      block,
      nsc,
      defaults: { inputShape: DEFAULT_NETWORK_OPTIONS.inputShape, classes: DEFAULT_NETWORK_OPTIONS.classes },
      build: (options = {}) =>
        assembleNetwork(block, {
          ...options.network,
          ...(options.inputShape ? { inputShape: options.inputShape } : {}),
          ...(options.classes !== undefined ? { classes: options.classes } : {}),
          name,
        }),
    };
    registry.register(name, entry);
  }
}
