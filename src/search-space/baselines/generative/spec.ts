/**
 * What the generative baselines are built from, and what they build (issue #9, Part B).
 *
 * A generative baseline is not one network but a set of *roles* (generator,
 * discriminator, segmentor, …), each a NetworkIr with ONE input: conditions
 * (a visible mask, a target-domain one-hot, a reference image, a latent code)
 * are concatenated to the image as extra input channels by the training
 * procedure, in the order documented on each role.
 *
 * Channels (C = dataset image channels, K = domains, z = latent). `channels` is the
 * problem's generator input/output, the same numbers as src/task/image2image's
 * PROBLEM_CHANNELS and {@link generatorChannels} here:
 *   amodal-completion        input C + 1 (occluded image, visible mask)   target C + 1 (full image, full-mask logit)
 *   domain-translation       input C + K (source image, target one-hot)   target C
 *   style-transfer           input 2C    (plain image, reference image)   target C
 *   shape-guided             input 1 + C (shape, appearance image)        target C
 *   introspective-synthesis  input C                                      target C
 *
 * Deviation from the shared spec (on purpose): the spec also carries `problem`,
 * because the same channel counts do not tell a pix2pix generator whether its
 * last channel is a mask logit (amodal) or a colour; builders check that
 * `channels` matches the problem and name the fix when it does not.
 */
import { BlockqnnError, ErrorCode } from '../../../common/errors.js';
import type { NetworkIr } from '../../ir.js';

/** The same names as src/task/image2image's GENERATIVE_PROCEDURES (search-space may not import task). */
export const GENERATIVE_PROCEDURE_NAMES = ['pix2pix', 'vunet', 'stargan', 'paired-cyclegan', 'segan', 'winn-synthesis'] as const;
export type GenerativeProcedureName = (typeof GENERATIVE_PROCEDURE_NAMES)[number];

/** The same names as src/task/image2image's IMAGE2IMAGE_PROBLEMS. */
export const IMAGE2IMAGE_PROBLEM_NAMES = [
  'amodal-completion',
  'domain-translation',
  'style-transfer',
  'shape-guided',
  'introspective-synthesis',
] as const;
export type Image2ImageProblemName = (typeof IMAGE2IMAGE_PROBLEM_NAMES)[number];

export interface GenerativeSpec {
  problem: Image2ImageProblemName;
  /** H = W of every image (16 by default in the task). */
  imageSize: number;
  /** The problem's generator input and output channels (see the table above). */
  channels: { input: number; target: number };
  /** K: domains (translation), styles (style transfer) or classes (synthesis); 0 (or anything) where unused. */
  domains: number;
  /** z, the VUNet latent size. */
  latent: number;
  /**
   * Label sets of domain-translation's domains (1 by default; 2 when the task has a second dataset, whose
   * domains follow the first's in `domains`). StarGAN's generator then also reads the mask vector.
   */
  labelSets?: number;
  /** Proxy multiplier on every layer width (1 = the widths documented per builder); widths round to whole channels, at least 1. */
  width?: number;
  /** Down-samplings of U-Nets and PatchGANs (2 at 16×16); the image side must be divisible by 2^depth. */
  depth?: number;
  /** PairedCycleGAN's per-region generators (recipe.pairedCycleGan.regions): a background generator and remover besides. */
  regions?: boolean;
}

/** A built baseline: its training procedure and one network per role. */
export interface GenerativeNetworks {
  procedure: GenerativeProcedureName;
  roles: Record<string, NetworkIr>;
}

/** The problem's generator channels from the dataset channels C and domains K (PROBLEM_CHANNELS of the task). */
export function generatorChannels(
  problem: Image2ImageProblemName,
  imageChannels: number,
  domains: number,
): { input: number; target: number } {
  const c = imageChannels;
  switch (problem) {
    case 'amodal-completion':
      return { input: c + 1, target: c + 1 };
    case 'domain-translation':
      return { input: c + domains, target: c };
    case 'style-transfer':
      return { input: 2 * c, target: c };
    case 'shape-guided':
      return { input: 1 + c, target: c };
    case 'introspective-synthesis':
      return { input: c, target: c };
  }
}

/** The dataset's image channels C implied by the problem's target channels. */
export function imageChannelsOf(spec: GenerativeSpec): number {
  return spec.problem === 'amodal-completion' ? spec.channels.target - 1 : spec.channels.target;
}

export const DEFAULT_DEPTH = 2;

/** Throws INVALID_CONFIG naming the baseline, the problem, the field and the fix. */
export function badSpec(
  baseline: string,
  spec: Pick<GenerativeSpec, 'problem'>,
  field: string,
  value: unknown,
  rule: string,
  hint: string,
): never {
  throw new BlockqnnError(
    ErrorCode.INVALID_CONFIG,
    `generative baseline ${baseline} on problem ${spec.problem}: ${field} = ${JSON.stringify(value)}: ${rule}`,
    {
      hint,
      details: { baseline, problem: spec.problem, field, value, rule },
    },
  );
}

/**
 * Checks a spec for a baseline that serves `problems` and halves the image `halvings(depth)` times;
 * returns the resolved width and depth and the dataset channels C.
 */
export function checkSpec(
  baseline: string,
  problems: readonly Image2ImageProblemName[],
  spec: GenerativeSpec,
  halvings: (depth: number) => number,
): { width: number; depth: number; imageChannels: number; labelSets: number } {
  if (!problems.includes(spec.problem)) {
    badSpec(
      baseline,
      spec,
      'problem',
      spec.problem,
      `${baseline} does not solve ${spec.problem}`,
      `use it on ${problems.join(' or ')}, or pick a baseline made for ${spec.problem}`,
    );
  }
  const positiveInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 0;
  if (!positiveInt(spec.imageSize))
    badSpec(baseline, spec, 'imageSize', spec.imageSize, 'must be a positive integer', 'use the task imageSize, e.g. 16');
  const width = spec.width ?? 1;
  if (!(Number.isFinite(width) && width > 0))
    badSpec(baseline, spec, 'width', width, 'must be a positive number', 'use 1 for the documented widths, 0.25 for a cheap proxy');
  const depth = spec.depth ?? DEFAULT_DEPTH;
  if (!positiveInt(depth)) badSpec(baseline, spec, 'depth', depth, 'must be a positive integer', `use ${DEFAULT_DEPTH}`);
  const imageChannels = imageChannelsOf(spec);
  if (!positiveInt(imageChannels))
    badSpec(
      baseline,
      spec,
      'channels.target',
      spec.channels.target,
      'leaves no image channels',
      'pass generatorChannels(problem, C, K), C = 1 (grey) or 3 (RGB)',
    );
  const needsDomains = spec.problem === 'domain-translation' || spec.problem === 'style-transfer';
  if (!Number.isInteger(spec.domains) || spec.domains < 0 || (needsDomains && spec.domains < 2)) {
    badSpec(
      baseline,
      spec,
      'domains',
      spec.domains,
      needsDomains ? 'needs at least 2 domains' : 'must be a whole number ≥ 0',
      "use the example set's domains",
    );
  }
  const expected = generatorChannels(spec.problem, imageChannels, spec.domains);
  if (spec.channels.input !== expected.input || spec.channels.target !== expected.target) {
    badSpec(
      baseline,
      spec,
      'channels',
      spec.channels,
      `${spec.problem} with ${imageChannels}-channel images and ${spec.domains} domains needs input ${expected.input} and target ${expected.target} channels`,
      'pass channels = generatorChannels(problem, datasetChannels, domains) (PROBLEM_CHANNELS of the task)',
    );
  }
  const labelSets = spec.labelSets ?? 1;
  if (!positiveInt(labelSets) || (labelSets > 1 && (spec.problem !== 'domain-translation' || labelSets > spec.domains))) {
    badSpec(
      baseline,
      spec,
      'labelSets',
      labelSets,
      'must be 1, or several (at most one per domain) on domain-translation',
      "use 1, or 2 with the task's secondDataset on domain-translation",
    );
  }
  if (!positiveInt(spec.latent))
    badSpec(baseline, spec, 'latent', spec.latent, 'must be a positive integer', 'use the recipe latent, e.g. 8');
  const times = halvings(depth);
  const reduction = 2 ** times;
  if (spec.imageSize % reduction !== 0 || spec.imageSize / reduction < 2) {
    badSpec(
      baseline,
      spec,
      'imageSize',
      spec.imageSize,
      `${baseline} halves the image ${times} times, so the side must be a multiple of ${reduction} and at least ${2 * reduction}`,
      `use an imageSize that is a multiple of ${reduction} (e.g. ${Math.max(16, 2 * reduction)}), or a smaller depth`,
    );
  }
  return { width, depth, imageChannels, labelSets };
}

/** A documented width times the proxy multiplier, in whole channels (at least one). */
export function scaled(filters: number, width: number): number {
  return Math.max(1, Math.round(filters * width));
}
