/**
 * How the paired problems become one generator input and one target (pix2pix's view of
 * them), in the channel order of PROBLEM_CHANNELS (src/task/image2image/schema.ts) and
 * of the builders (src/search-space/baselines/generative/builders.ts):
 * - amodal-completion: [occluded C, visible 1] → [full C, fullMask 1] (the generator's
 *   last channel is a mask logit, its first C are sigmoid pixels);
 * - domain-translation: [source C, one-hot targetDomain K tiled] → target C;
 * - shape-guided: [shape 1, appearance C] → target C.
 * style-transfer has two directions (apply and remove), each its own map: pix2pix.ts
 * trains them as two pairs, paired-cyclegan.ts as one cycle.
 */
import type { Tensor, Tensor4D } from '@tensorflow/tfjs';
import { BlockqnnError, ErrorCode } from '../../../common/errors.js';
import type { ExampleSet, Image2ImageProblem } from '../../generative.js';
import type { Tfjs } from '../backend.js';
import { type SplitReader, tiledOneHot } from './data.js';

export type PairedProblem = 'amodal-completion' | 'domain-translation' | 'shape-guided';

export function pairedProblem(problem: Image2ImageProblem, procedure: string): PairedProblem {
  if (problem === 'amodal-completion' || problem === 'domain-translation' || problem === 'shape-guided') return problem;
  throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `procedure ${procedure} maps one input to one target and cannot solve ${problem}`, {
    hint:
      problem === 'style-transfer'
        ? 'style-transfer is two maps: pix2pix trains them as two pairs, or use paired-cyclegan'
        : 'use procedure winn-synthesis for introspective-synthesis',
  });
}

/** Generator input channels and target channels of a paired problem. */
export function pairedChannels(problem: PairedProblem, examples: ExampleSet): { input: number; target: number } {
  const c = examples.channels;
  if (problem === 'amodal-completion') return { input: c + 1, target: c + 1 };
  if (problem === 'domain-translation') return { input: c + examples.domains, target: c };
  return { input: 1 + c, target: c };
}

export function pairedInput(tf: Tfjs, problem: PairedProblem, examples: ExampleSet, split: SplitReader, indices: Uint32Array): Tensor4D {
  return tf.tidy(() => {
    if (problem === 'amodal-completion') return tf.concat([split.images('occluded', indices), split.images('visible', indices)], -1);
    if (problem === 'domain-translation') {
      return tf.concat(
        [split.images('source', indices), tiledOneHot(tf, split.labels('targetDomain', indices), examples.domains, examples.imageSize)],
        -1,
      );
    }
    return tf.concat([split.images('shape', indices), split.images('appearance', indices)], -1);
  });
}

export function pairedTarget(tf: Tfjs, problem: PairedProblem, split: SplitReader, indices: Uint32Array): Tensor4D {
  return tf.tidy(() => {
    if (problem === 'amodal-completion') return tf.concat([split.images('full', indices), split.images('fullMask', indices)], -1);
    return split.images('target', indices);
  });
}

/** Amodal generator output [image C sigmoid, mask logit 1] → its parts, and the candidate the discriminator sees (mask as a probability). */
export function splitAmodal(tf: Tfjs, output: Tensor, channels: number): { image: Tensor; maskLogit: Tensor; candidate: Tensor } {
  const image = output.slice([0, 0, 0, 0], [-1, -1, -1, channels]);
  const maskLogit = output.slice([0, 0, 0, channels], [-1, -1, -1, 1]);
  return { image, maskLogit, candidate: tf.concat([image, tf.sigmoid(maskLogit)], -1) };
}
