/**
 * The generative baselines by name: the same string in the CLI, the database and
 * the dashboard. Entries are data (procedure, problems, builder); the builders
 * live in builders.ts.
 *
 * @example
 * const nets = generativeBaselines.get('stargan').build({ problem: 'domain-translation', imageSize: 16,
 *   channels: generatorChannels('domain-translation', 1, 3), domains: 3, latent: 8 });
 * nets.roles.generator; // NetworkIr: [16, 16, 1 + 3] → [16, 16, 1]
 */
import { Registry } from '../../../common/registry.js';
import { networkCost } from '../../cost.js';
import { checkIr } from '../../graph.js';
import { DLA_PAPER } from '../dla-variants.js';
import {
  type GenerativeBaseline,
  PIX2PIX_PROBLEMS,
  DLA_UP_PROBLEMS,
  buildDlaUp,
  buildPairedCycleGan,
  buildPix2pix,
  buildSegan,
  buildStargan,
  buildStarganJnt,
  buildVunet,
  buildWinnSynthesis,
} from './builders.js';
import type { GenerativeNetworks } from './spec.js';

const PAPERS = {
  pix2pix: 'Isola, Zhu, Zhou, Efros, "Image-to-Image Translation with Conditional Adversarial Networks", CVPR 2017 (arXiv:1611.07004)',
  vunet: 'Esser, Sutter, Ommer, "A Variational U-Net for Conditional Appearance and Shape Generation", CVPR 2018 (arXiv:1804.04694)',
  stargan:
    'Choi, Choi, Kim, Ha, Kim, Choo, "StarGAN: Unified Generative Adversarial Networks for Multi-Domain Image-to-Image Translation", CVPR 2018 (arXiv:1711.09020)',
  pairedCycleGan: 'Chang, Lu, Yu, Finkelstein, "PairedCycleGAN: Asymmetric Style Transfer for Applying and Removing Makeup", CVPR 2018',
  segan: 'Ehsani, Mottaghi, Farhadi, "SeGAN: Segmenting and Generating the Invisible", CVPR 2018 (arXiv:1703.10239)',
  dla: DLA_PAPER,
  winn: 'Lee, Xu, Fan, Tu, "Wasserstein Introspective Neural Networks", CVPR 2018 (arXiv:1711.08875)',
} as const;

const entry = (e: GenerativeBaseline): [string, GenerativeBaseline] => [e.name, e];

/** Every generative baseline by name. */
export const GENERATIVE_BASELINES: Readonly<Record<string, GenerativeBaseline>> = Object.fromEntries([
  entry({
    name: 'unet-pix2pix',
    procedure: 'pix2pix',
    problems: PIX2PIX_PROBLEMS,
    citation: PAPERS.pix2pix,
    description: 'U-Net generator + PatchGAN, L1 (λ 100) + conditional adversarial loss',
    build: (spec) => buildPix2pix(spec, 'unet-pix2pix'),
  }),
  entry({
    name: 'dla-up',
    procedure: 'pix2pix',
    problems: DLA_UP_PROBLEMS,
    citation: PAPERS.dla,
    description:
      'DLA-34 backbone + DLA-up decoder (iterative deep aggregation upward, bilinear upsampling) as the generator, pix2pix PatchGAN, L1 (λ 100) + adversarial loss',
    build: (spec) => buildDlaUp(spec, 'dla-up'),
  }),
  entry({
    name: 'vunet',
    procedure: 'vunet',
    problems: ['shape-guided'],
    citation: PAPERS.vunet,
    description: "self-reconstruction: appearance encoder q(z | x) + U-Net on x's shape with z at the bottleneck, L1 + KL to N(0, I)",
    build: (spec) => buildVunet(spec, 'vunet'),
  }),
  entry({
    name: 'stargan',
    procedure: 'stargan',
    problems: ['domain-translation'],
    citation: PAPERS.stargan,
    description: 'residual generator with instance norm + PatchGAN critic with a domain head, WGAN-GP, λ_cls 1, λ_rec 10, λ_gp 10',
    build: (spec) => buildStargan(spec, 'stargan'),
  }),
  entry({
    name: 'stargan-jnt',
    procedure: 'stargan',
    problems: ['domain-translation'],
    citation: PAPERS.stargan,
    labelSets: 2,
    description:
      "StarGAN trained on two label sets at once (the task's dataset and its secondDataset) with the mask vector; classification loss on the known set only",
    build: (spec) => buildStarganJnt(spec, 'stargan-jnt'),
  }),
  entry({
    name: 'paired-cyclegan',
    procedure: 'paired-cyclegan',
    problems: ['style-transfer'],
    citation: PAPERS.pairedCycleGan,
    description: 'apply (plain + reference) and remove U-Nets, style discriminator on (reference, candidate) pairs, identity + style L1',
    build: (spec) => buildPairedCycleGan(spec, 'paired-cyclegan'),
  }),
  entry({
    name: 'segan',
    procedure: 'segan',
    problems: ['amodal-completion'],
    citation: PAPERS.segan,
    description:
      'on the crop around the object: segmentor U-Net for the full mask + U-Net generator fed the fused picture (visible pixels, red hidden, blue rest) + PatchGAN, L1 weight 100',
    build: (spec) => buildSegan(spec, 'segan'),
  }),
  entry({
    name: 'winn-synthesis',
    procedure: 'winn-synthesis',
    problems: ['introspective-synthesis'],
    citation: PAPERS.winn,
    description: 'a CNN critic trained with WGAN-GP against its own Langevin samples; samples by Langevin dynamics on it',
    build: (spec) => buildWinnSynthesis(spec, 'winn-synthesis'),
  }),
]);

/** The same entries as a Registry: get() names the valid baselines on a miss. */
export const generativeBaselines: Registry<GenerativeBaseline> = Object.values(GENERATIVE_BASELINES).reduce(
  (registry, e) => registry.register(e.name, e),
  new Registry<GenerativeBaseline>('generative baseline'),
);

/** Names of the baselines that solve a problem. */
export function generativeBaselinesFor(problem: string): string[] {
  return Object.values(GENERATIVE_BASELINES)
    .filter((e) => (e.problems as readonly string[]).includes(problem))
    .map((e) => e.name)
    .sort();
}

export interface RoleCost {
  params: number;
  macs: number;
}

/** Parameters and multiply-adds per role and in total (the exact cost model of cost.ts). */
export function generativeCost(networks: GenerativeNetworks): { roles: Record<string, RoleCost>; total: RoleCost } {
  const roles: Record<string, RoleCost> = {};
  const total = { params: 0, macs: 0 };
  for (const [name, ir] of Object.entries(networks.roles)) {
    const { params, macs } = networkCost(checkIr(ir));
    roles[name] = { params, macs };
    total.params += params;
    total.macs += macs;
  }
  return { roles, total };
}
