/**
 * Hand-designed blocks written as NSC, as BlockQNN illustrates its encoding
 * (Zhong et al., CVPR 2018, Fig. 2): the code is expressive enough for the
 * blocks of ResNet and Inception.
 */
import { type NscBlock, parseNsc } from './nsc.js';

/** ResNet basic block: two 3×3 pre-activation convs added to the block input. */
export const RESNET_BLOCK_NSC = '(1,4,0,0,0)(2,1,3,1,0)(3,1,3,2,0)(4,5,0,1,3)(5,7,0,0,0)';

/**
 * Inception block: 1×1; 1×1 → 3×3; 1×1 → 5×5; 3×3 max pool → 1×1. The four branch
 * ends have no successor, so the grammar concatenates them into the block output.
 */
export const INCEPTION_BLOCK_NSC = '(1,4,0,0,0)(2,1,1,1,0)(3,1,1,1,0)(4,1,3,3,0)(5,1,1,1,0)(6,1,5,5,0)(7,2,3,1,0)(8,1,1,7,0)(9,7,0,0,0)';

export const PAPER_BLOCKS: Readonly<Record<'resnet' | 'inception', NscBlock>> = {
  resnet: parseNsc(RESNET_BLOCK_NSC),
  inception: parseNsc(INCEPTION_BLOCK_NSC),
};
