/**
 * The searched generator: the pix2pix U-Net whose stages are made of a searched
 * NSC block (Zhong et al., "Practical Block-wise Neural Network Architecture
 * Generation", CVPR 2018, applied to a generator instead of a classifier), trained
 * with the pix2pix procedure beside the same PatchGAN as the unet-pix2pix baseline.
 *
 * Generator at width w_i = base · min(2^i, 8) for level i (base = 64 · width):
 *   stem       3×3 conv → BN (as the classification network's stem, assemble.ts)
 *   encoder    level i = 0 … depth−1: `blocksPerStage` blocks at w_i (the encoder
 *              value kept for the skip), then 2×2 max pool (BlockQNN's downsampling)
 *   bottleneck `blocksPerStage` blocks at w_depth
 *   decoder    level i = depth−1 … 0: ReLU → 4×4 stride-2 transposed conv to w_i → BN,
 *              concatenated [skip, up] as the U-Net does, then `blocksPerStage` blocks at w_i
 *   head       ReLU → 1×1 conv (bias) → sigmoid image channels (amodal: and a 1×1 mask-logit conv)
 * Each block is appendBlock's expansion (pre-activation convs, same-padding pools,
 * projections to the stage width), so a block costs the same FLOPs, parameters
 * and density as it does in a classifier at that width and resolution.
 */
import { appendBlock } from '../../assemble.js';
import { IrBuilder } from '../../builder.js';
import { checkIr, type CheckedIr } from '../../graph.js';
import { INPUT_ID } from '../../ir.js';
import type { NscBlock } from '../../nsc.js';
import { PIX2PIX_PROBLEMS, buildPix2pix } from './builders.js';
import { unetLevelFilters } from './parts.js';
import { type GenerativeNetworks, type GenerativeSpec, badSpec, checkSpec, scaled } from './spec.js';

const NAME = 'searched-unet';
const BASE = 64;

export interface SearchedGeneratorSpec extends GenerativeSpec {
  /** Copies of the block per U-Net stage (1 by default). */
  blocksPerStage?: number;
}

/** The generator alone, checked (for its cost: networkCost(checked)). */
export function searchedUnetGeneratorIr(block: NscBlock, spec: SearchedGeneratorSpec): CheckedIr {
  const { imageChannels } = checkSpec(NAME, PIX2PIX_PROBLEMS, spec, (d) => d);
  return searchedUnet(block, spec, 'generator', spec.channels.input, imageChannels, spec.problem === 'amodal-completion' ? 1 : 0);
}

function searchedUnet(
  block: NscBlock,
  spec: SearchedGeneratorSpec,
  role: string,
  inputChannels: number,
  imageChannels: number,
  logitChannels: number,
): CheckedIr {
  const { width, depth } = checkSpec(NAME, PIX2PIX_PROBLEMS, spec, (d) => d);
  const repeats = spec.blocksPerStage ?? 1;
  if (!(Number.isInteger(repeats) && repeats > 0)) badSpec(NAME, spec, 'blocksPerStage', repeats, 'must be a positive integer', 'use 1');
  const base = scaled(BASE, width);
  const b = new IrBuilder(`${NAME}/${role}`, [spec.imageSize, spec.imageSize, inputChannels]);
  const blocks = (x: string, level: number, scope: string): string => {
    let y = x;
    for (let i = 1; i <= repeats; i++) y = b.scoped(`${scope}b${i}`, () => appendBlock(b, block, y, unetLevelFilters(base, level)));
    return y;
  };
  let x = b.scoped('stem', () => b.batchNorm(b.conv(INPUT_ID, { filters: base, kernel: 3, padding: 1 })));
  const skips: string[] = [];
  for (let level = 0; level < depth; level++) {
    x = blocks(x, level, `enc${level + 1}`);
    skips.push(x);
    x = b.maxPool(x, { kernel: 2, stride: 2 }, `pool${level + 1}`);
  }
  x = blocks(x, depth, 'mid');
  for (let level = depth - 1; level >= 0; level--) {
    x = b.scoped(`up${level + 1}`, () => {
      const up = b.batchNorm(b.convTranspose(b.relu(x), { filters: unetLevelFilters(base, level), kernel: 4, stride: 2, padding: 1 }));
      return b.concat([skips[level]!, up], 'skip');
    });
    x = blocks(x, level, `dec${level + 1}`);
  }
  const out = b.scoped('head', () => {
    const r = b.relu(x);
    const image = b.sigmoid(b.conv(r, { filters: imageChannels, kernel: 1, bias: true }, 'image'));
    if (logitChannels === 0) return image;
    return b.concat([image, b.conv(r, { filters: logitChannels, kernel: 1, bias: true }, 'logits')], 'heads');
  });
  return checkIr(b.toIr(out));
}

/**
 * The pix2pix networks with the searched generator: `generator` (and on style
 * transfer `remover`) from the block, the discriminators the unet-pix2pix baseline's PatchGANs.
 *
 * @example
 * const nets = searchedUnetGenerator(parseNsc('(1,1,3,0,0)(2,7,0,0,0)'), { problem: 'shape-guided', imageSize: 16,
 *   channels: generatorChannels('shape-guided', 1, 3), domains: 3, latent: 8, width: 0.25 });
 */
export function searchedUnetGenerator(block: NscBlock, spec: SearchedGeneratorSpec): GenerativeNetworks {
  const generator = searchedUnetGeneratorIr(block, spec).ir;
  const plain = buildPix2pix(spec, NAME).roles;
  const roles: GenerativeNetworks['roles'] = { ...plain, generator };
  if (spec.problem === 'style-transfer') {
    const c = spec.channels.target;
    roles.remover = searchedUnet(block, spec, 'remover', c, c, 0).ir;
  }
  return { procedure: 'pix2pix', roles };
}
