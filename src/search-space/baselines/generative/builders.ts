/**
 * The generative baselines (issue #9's six, and #18's StarGAN-JNT and DLA-up) as role networks (parts.ts has the
 * parts and their sources). Every role has ONE input; the procedure concatenates
 * the conditions as channels in the order written on each role below. Widths are
 * at proxy width 1 and scale with `spec.width`.
 *
 * - pix2pix (Isola et al., CVPR 2017), any paired problem:
 *   generator  U-Net [input] → [target] (amodal: C sigmoid image channels, then 1 full-mask logit);
 *   discriminator PatchGAN [input, candidate] → [s, s, 1] logits, candidate = target channels
 *   (amodal: the mask as a probability).
 *   Style transfer is two paired maps, so it adds remover U-Net [styled C] → [C] and
 *   removerDiscriminator PatchGAN [styled C, candidate C] → [s, s, 1].
 * - SeGAN (Ehsani, Mottaghi, Farhadi, CVPR 2018), amodal completion, every role on the crop
 *   around the object (src/task/image2image/object-crop.ts):
 *   segmentor U-Net [occluded C, visible 1] → [1] full-mask logit;
 *   generator U-Net [fused picture 3] → [C]: the paper's fused RGB input (visible pixels of the
 *   image, grey repeated to RGB; red where the predicted mask says hidden object, blue elsewhere);
 *   discriminator PatchGAN [image C, full mask 1] → [s, s, 1].
 * - StarGAN (Choi et al., CVPR 2018), domain translation:
 *   generator residual [image C, target one-hot K tiled] → [C]; with M ≥ 2 label sets (the task's
 *   second dataset) [image C, label vector K tiled, mask vector M tiled] → [C]: the label vector
 *   is one-hot within the example's own set and zero on the other's, the mask one-hot names the
 *   set (the paper's multi-dataset input);
 *   discriminator PatchGAN, LeakyReLU 0.01, no norm (WGAN-GP), [image C] → [s, s, 1 + K]:
 *   channel 0 the real/fake patch logits, channels 1..K averaged over space the domain
 *   logits — the single-output form of StarGAN's two heads (D_src, D_cls).
 *   Residual blocks: 3 (the paper's 6 at 128×128).
 * - PairedCycleGAN (Chang, Lu, Yu, Finkelstein, CVPR 2018), style transfer:
 *   generator U-Net (apply) [plain C, reference C] → [C]; remover U-Net [styled C] → [C];
 *   styleDiscriminator PatchGAN [reference C, candidate C] → [s, s, 1] (same style or not);
 *   discriminator PatchGAN [image C] → [s, s, 1] (a plain image or not); with `spec.regions` (the paper's
 *   per-region generators) also backgroundGenerator and backgroundRemover, U-Nets like generator and remover:
 *   the first pair edits the object, the second its background.
 * - Variational U-Net (Esser, Sutter, Ommer, CVPR 2018), shape-guided generation:
 *   encoder [image C] → 3×3 conv, `depth` stride-2 convs, global average pool →
 *   dense [2z] = [μ, log σ²]; generator U-Net [shape 1, z tiled z] → [C] whose encoder reads
 *   the shape channel only, z joining at the bottleneck (the paper's).
 * - DLA-up (Yu, Wang, Shelhamer, Darrell, CVPR 2018), amodal completion as dense prediction, trained
 *   with the pix2pix procedure: generator DLASeg, DLA-34 + DLA-up (dla-up.ts) [input] → [target]
 *   (C sigmoid image channels, then 1 full-mask logit); discriminator pix2pix's PatchGAN.
 * - WINN (Lee, Xu, Fan, Tu, CVPR 2018), introspective synthesis:
 *   critic [image C] → conv stack → flatten → dense [1] logit; no generator network
 *   (samples come from Langevin dynamics on the critic).
 */
import { IrBuilder } from '../../builder.js';
import { INPUT_ID } from '../../ir.js';
import { DLA_VARIANTS } from '../dla-variants.js';
import { appendDlaSeg } from './dla-up.js';
import { appendConvEncoder, appendPatchGan, appendResidualGenerator, appendUnet } from './parts.js';
import {
  type GenerativeNetworks,
  type GenerativeProcedureName,
  type GenerativeSpec,
  type Image2ImageProblemName,
  badSpec,
  checkSpec,
  scaled,
} from './spec.js';

export interface GenerativeBaseline {
  /** The registry name, also the string a user types. */
  readonly name: string;
  readonly procedure: GenerativeProcedureName;
  /** Problems it solves; build() refuses the others. */
  readonly problems: readonly Image2ImageProblemName[];
  readonly description: string;
  readonly citation: string;
  /** Label sets it trains on at once (StarGAN-JNT: 2, the task's dataset and its secondDataset); 1 when absent. */
  readonly labelSets?: number;
  /** Checks the spec, then builds and checks every role. */
  build(spec: GenerativeSpec): GenerativeNetworks;
}

/** Widths at proxy width 1 (the pix2pix authors' ngf = ndf = 64). */
const BASE = 64;
const STARGAN_RESIDUAL_BLOCKS = 3;
const STARGAN_HALVINGS = 2;
/** SeGAN's generator reads the fused picture, an RGB image whatever the dataset's channels. */
export const SEGAN_FUSED_CHANNELS = 3;

/** The problems pix2pix solves as paired image → image maps (style transfer: apply and remove). */
export const PIX2PIX_PROBLEMS: readonly Image2ImageProblemName[] = [
  'amodal-completion',
  'domain-translation',
  'style-transfer',
  'shape-guided',
];

/** Builds one role network with a single [S, S, channels] input. */
function role(name: string, size: number, channels: number, body: (b: IrBuilder) => string): GenerativeNetworks['roles'][string] {
  const b = new IrBuilder(name, [size, size, channels]);
  return b.build(body(b)).ir;
}

/** The pix2pix authors' NLayerDiscriminator settings (PairedCycleGAN and SeGAN use the same). */
const PIX2PIX_PATCH = { outputs: 1, norm: 'batch', slope: 0.2 } as const;

/** pix2pix's conditional PatchGAN: [input, candidate] → [s, s, 1] logits. */
function pix2pixDiscriminator(spec: GenerativeSpec, name: string, depth: number, base: number): GenerativeNetworks['roles'][string] {
  return role(`${name}/discriminator`, spec.imageSize, spec.channels.input + spec.channels.target, (b) =>
    appendPatchGan(b, INPUT_ID, { depth, base, ...PIX2PIX_PATCH }),
  );
}

export function buildPix2pix(spec: GenerativeSpec, name = 'unet-pix2pix'): GenerativeNetworks {
  const { width, depth, imageChannels } = checkSpec(name, PIX2PIX_PROBLEMS, spec, (d) => d);
  const amodal = spec.problem === 'amodal-completion';
  const base = scaled(BASE, width);
  const patch = { depth, base, ...PIX2PIX_PATCH };
  const roles: GenerativeNetworks['roles'] = {
    generator: role(`${name}/generator`, spec.imageSize, spec.channels.input, (b) =>
      appendUnet(b, INPUT_ID, { depth, base, imageChannels, logitChannels: amodal ? 1 : 0 }),
    ),
    discriminator: pix2pixDiscriminator(spec, name, depth, base),
  };
  if (spec.problem === 'style-transfer') {
    const c = imageChannels;
    roles.remover = role(`${name}/remover`, spec.imageSize, c, (b) =>
      appendUnet(b, INPUT_ID, { depth, base, imageChannels: c, logitChannels: 0 }),
    );
    roles.removerDiscriminator = role(`${name}/removerDiscriminator`, spec.imageSize, 2 * c, (b) => appendPatchGan(b, INPUT_ID, patch));
  }
  return { procedure: 'pix2pix', roles };
}

/** DLA-up's problems: the amodal full mask is a segmentation, the painted invisible part a dense regression. */
export const DLA_UP_PROBLEMS: readonly Image2ImageProblemName[] = ['amodal-completion'];

/** DLA-34 + DLA-up as pix2pix's generator; the backbone's widths scale with `spec.width` like every role's. */
export function buildDlaUp(spec: GenerativeSpec, name = 'dla-up'): GenerativeNetworks {
  const { width, depth, imageChannels } = checkSpec(name, DLA_UP_PROBLEMS, spec, (d) => d);
  const dla34 = DLA_VARIANTS['dla-34']!.config;
  const backbone = { ...dla34, channels: dla34.channels.map((c) => scaled(c, width)) };
  return {
    procedure: 'pix2pix',
    roles: {
      generator: role(`${name}/generator`, spec.imageSize, spec.channels.input, (b) =>
        appendDlaSeg(b, INPUT_ID, { backbone, imageChannels, logitChannels: 1 }, name),
      ),
      discriminator: pix2pixDiscriminator(spec, name, depth, scaled(BASE, width)),
    },
  };
}

export function buildSegan(spec: GenerativeSpec, name = 'segan'): GenerativeNetworks {
  const { width, depth, imageChannels: c } = checkSpec(name, ['amodal-completion'], spec, (d) => d);
  const base = scaled(BASE, width);
  return {
    procedure: 'segan',
    roles: {
      segmentor: role(`${name}/segmentor`, spec.imageSize, c + 1, (b) =>
        appendUnet(b, INPUT_ID, { depth, base, imageChannels: 0, logitChannels: 1 }),
      ),
      generator: role(`${name}/generator`, spec.imageSize, SEGAN_FUSED_CHANNELS, (b) =>
        appendUnet(b, INPUT_ID, { depth, base, imageChannels: c, logitChannels: 0 }),
      ),
      discriminator: role(`${name}/discriminator`, spec.imageSize, c + 1, (b) =>
        appendPatchGan(b, INPUT_ID, { depth, base, ...PIX2PIX_PATCH }),
      ),
    },
  };
}

/** StarGAN's generator conditions: the K domain channels, and the M-channel mask vector when there are several label sets. */
export function starganConditionChannels(domains: number, labelSets: number): number {
  return domains + (labelSets > 1 ? labelSets : 0);
}

export function buildStargan(spec: GenerativeSpec, name = 'stargan'): GenerativeNetworks {
  const { width, depth, imageChannels: c, labelSets } = checkSpec(name, ['domain-translation'], spec, (d) => Math.max(d, STARGAN_HALVINGS));
  const base = scaled(BASE, width);
  return {
    procedure: 'stargan',
    roles: {
      generator: role(`${name}/generator`, spec.imageSize, c + starganConditionChannels(spec.domains, labelSets), (b) =>
        appendResidualGenerator(b, INPUT_ID, { base, halvings: STARGAN_HALVINGS, residualBlocks: STARGAN_RESIDUAL_BLOCKS, outputs: c }),
      ),
      discriminator: role(`${name}/discriminator`, spec.imageSize, c, (b) =>
        appendPatchGan(b, INPUT_ID, { depth, base, outputs: 1 + spec.domains, norm: 'none', slope: 0.01 }),
      ),
    },
  };
}

/** StarGAN-JNT, the paper's joint training on two datasets' label sets: StarGAN that refuses a task with one label set. */
export function buildStarganJnt(spec: GenerativeSpec, name = 'stargan-jnt'): GenerativeNetworks {
  const labelSets = spec.labelSets ?? 1;
  if (labelSets < 2) {
    badSpec(
      name,
      spec,
      'secondDataset',
      null,
      `${name} trains on two label sets at once through StarGAN's mask vector, and the task has one`,
      'give the task a second dataset with its own label set: "secondDataset": { "name": "fashion-mnist" } in the task (--second-dataset fashion-mnist), or use the baseline stargan',
    );
  }
  return buildStargan(spec, name);
}

export function buildPairedCycleGan(spec: GenerativeSpec, name = 'paired-cyclegan'): GenerativeNetworks {
  const { width, depth, imageChannels: c } = checkSpec(name, ['style-transfer'], spec, (d) => d);
  const base = scaled(BASE, width);
  const patch = { depth, base, ...PIX2PIX_PATCH };
  const unet = { depth, base, imageChannels: c, logitChannels: 0 };
  return {
    procedure: 'paired-cyclegan',
    roles: {
      generator: role(`${name}/generator`, spec.imageSize, 2 * c, (b) =>
        appendUnet(b, INPUT_ID, { depth, base, imageChannels: c, logitChannels: 0 }),
      ),
      remover: role(`${name}/remover`, spec.imageSize, c, (b) =>
        appendUnet(b, INPUT_ID, { depth, base, imageChannels: c, logitChannels: 0 }),
      ),
      styleDiscriminator: role(`${name}/styleDiscriminator`, spec.imageSize, 2 * c, (b) => appendPatchGan(b, INPUT_ID, patch)),
      discriminator: role(`${name}/discriminator`, spec.imageSize, c, (b) => appendPatchGan(b, INPUT_ID, patch)),
      ...(spec.regions
        ? {
            backgroundGenerator: role(`${name}/backgroundGenerator`, spec.imageSize, 2 * c, (b) => appendUnet(b, INPUT_ID, unet)),
            backgroundRemover: role(`${name}/backgroundRemover`, spec.imageSize, c, (b) => appendUnet(b, INPUT_ID, unet)),
          }
        : {}),
    },
  };
}

export function buildVunet(spec: GenerativeSpec, name = 'vunet'): GenerativeNetworks {
  const { width, depth, imageChannels: c } = checkSpec(name, ['shape-guided'], spec, (d) => d);
  const base = scaled(BASE, width);
  return {
    procedure: 'vunet',
    roles: {
      encoder: role(`${name}/encoder`, spec.imageSize, c, (b) =>
        b.dense(b.globalAvgPool(appendConvEncoder(b, INPUT_ID, { depth, base, slope: 0.2 })), { units: 2 * spec.latent }, 'moments'),
      ),
      generator: role(`${name}/generator`, spec.imageSize, 1 + spec.latent, (b) => {
        // The shape alone enters the U-Net's encoder; z, tiled over the input by the procedure, is read apart and
        // average-pooled (exactly z: it is constant over the image) to the innermost resolution, where it joins.
        const shape = b.channelSlice(INPUT_ID, 0, 1, 'shape');
        const reduction = 2 ** depth;
        const z = b.avgPool(b.channelSlice(INPUT_ID, 1, spec.latent, 'z'), { kernel: reduction }, 'z_bottleneck');
        return appendUnet(b, shape, { depth, base, imageChannels: c, logitChannels: 0, bottleneck: z });
      }),
    },
  };
}

export function buildWinnSynthesis(spec: GenerativeSpec, name = 'winn-synthesis'): GenerativeNetworks {
  const { width, depth, imageChannels: c } = checkSpec(name, ['introspective-synthesis'], spec, (d) => d);
  const base = scaled(BASE, width);
  return {
    procedure: 'winn-synthesis',
    roles: {
      critic: role(`${name}/critic`, spec.imageSize, c, (b) =>
        b.dense(b.flatten(appendConvEncoder(b, INPUT_ID, { depth, base, slope: 0.2 })), { units: 1 }, 'score'),
      ),
    },
  };
}
