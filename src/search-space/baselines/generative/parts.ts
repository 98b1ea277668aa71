/**
 * The network parts the generative baselines are made of, written with IrBuilder.
 * Widths are given at proxy width 1; `base` is already scaled by the caller.
 *
 * - U-Net (Isola, Zhu, Zhou, Efros, "Image-to-Image Translation with Conditional
 *   Adversarial Networks", CVPR 2017; the authors' UnetSkipConnectionBlock):
 *   `depth` 4×4 stride-2 convolutions down (LeakyReLU 0.2 before every one but the
 *   first, batch norm after every one but the outermost and innermost), 4×4
 *   stride-2 transposed convolutions up (ReLU before, batch norm after, except the
 *   outermost), each decoder level concatenated [encoder value, decoder value] as
 *   the authors' `torch.cat([x, self.model(x)], 1)`. Filters double per level from
 *   `base`, capped at 8·base (the authors' ngf·8). The outermost transposed
 *   convolution ends in sigmoid (the project's [0, 1] pixels; the paper's tanh
 *   maps to [-1, 1]); an optional second head of the same shape gives mask logits.
 *   No dropout: every run is seeded and deterministic, and the noise it adds is
 *   not needed at these sizes.
 * - PatchGAN (the same paper's NLayerDiscriminator): `depth` 4×4 stride-2 convs
 *   (the first without norm), then a 3×3 conv with norm and the 1-channel (or
 *   `outputs`-channel) 3×3 logit conv. The paper's last two convs are 4×4 stride 1
 *   padding 1, which shrink a 4×4 map to 2×2; 3×3 with padding 1 keeps the patch
 *   grid at S / 2^depth.
 * - Residual generator (Choi et al., "StarGAN", CVPR 2018, Appendix table): 7×7
 *   conv, two 4×4 stride-2 downs, residual blocks (3×3 conv, IN, ReLU, 3×3 conv,
 *   IN, + input), two 4×4 stride-2 transposed ups, 7×7 conv, here sigmoid; all
 *   hidden convs followed by instance norm (affine) and ReLU.
 */
import type { IrBuilder } from '../../builder.js';

export type Norm = 'batch' | 'instance' | 'none';

function norm(b: IrBuilder, x: string, kind: Norm): string {
  if (kind === 'batch') return b.batchNorm(x);
  if (kind === 'instance') return b.instanceNorm(x);
  return x;
}

const down = { kernel: 4, stride: 2, padding: 1 } as const;

export interface UnetOptions {
  depth: number;
  base: number;
  /** Channels of the sigmoid image head; 0 for none (a segmentor: logits only). */
  imageChannels: number;
  /** Channels of a second, logit head (amodal completion's full mask), concatenated after the image; 0 for none. */
  logitChannels: number;
  /**
   * A node at the innermost resolution (S / 2^depth) concatenated to the innermost features where the decoder
   * reads them, after their ReLU (the Variational U-Net's latent z, which a ReLU would halve).
   */
  bottleneck?: string | undefined;
}

/** Filters of U-Net level i (0 = outermost). */
export function unetLevelFilters(base: number, level: number): number {
  return base * Math.min(2 ** level, 8);
}

/** Appends a U-Net from `input`; returns its output id ([S, S, imageChannels + logitChannels]). */
export function appendUnet(b: IrBuilder, input: string, o: UnetOptions): string {
  const downs: string[] = [];
  let x = input;
  for (let level = 0; level < o.depth; level++) {
    const innermost = level === o.depth - 1;
    x = b.scoped(`down${level + 1}`, () => {
      const y = level === 0 ? x : b.leakyRelu(x, 0.2);
      const withNorm = level > 0 && !innermost;
      const c = b.conv(y, { ...down, filters: unetLevelFilters(o.base, level), bias: !withNorm });
      return withNorm ? b.batchNorm(c) : c;
    });
    downs.push(x);
  }
  const innermost = x;
  const decoderInput = (value: string): string => {
    const r = b.relu(value);
    return value === innermost && o.bottleneck !== undefined ? b.concat([r, o.bottleneck], 'latent') : r;
  };
  for (let level = o.depth - 1; level >= 1; level--) {
    x = b.scoped(`up${level + 1}`, () => {
      const u = b.batchNorm(b.convTranspose(decoderInput(x), { ...down, filters: unetLevelFilters(o.base, level - 1) }));
      return b.concat([downs[level - 1]!, u], 'skip');
    });
  }
  return b.scoped('up1', () => {
    const r = decoderInput(x);
    const heads: string[] = [];
    if (o.imageChannels > 0) heads.push(b.sigmoid(b.convTranspose(r, { ...down, filters: o.imageChannels, bias: true }, 'image')));
    if (o.logitChannels > 0) heads.push(b.convTranspose(r, { ...down, filters: o.logitChannels, bias: true }, 'logits'));
    return heads.length === 1 ? heads[0]! : b.concat(heads, 'heads');
  });
}

export interface PatchGanOptions {
  depth: number;
  base: number;
  /** Logit channels per patch (1; StarGAN's 1 + K). */
  outputs: number;
  norm: Norm;
  /** LeakyReLU slope: 0.2 (pix2pix), 0.01 (StarGAN). */
  slope: number;
}

/** Appends a PatchGAN discriminator; returns [S / 2^depth, S / 2^depth, outputs] logits. */
export function appendPatchGan(b: IrBuilder, input: string, o: PatchGanOptions): string {
  let x = input;
  for (let level = 0; level < o.depth; level++) {
    x = b.scoped(`down${level + 1}`, () => {
      const withNorm = level > 0 && o.norm !== 'none';
      return b.leakyRelu(
        norm(b, b.conv(x, { ...down, filters: unetLevelFilters(o.base, level), bias: !withNorm }), withNorm ? o.norm : 'none'),
        o.slope,
      );
    });
  }
  x = b.scoped('features', () => {
    const withNorm = o.norm !== 'none';
    return b.leakyRelu(
      norm(b, b.conv(x, { filters: unetLevelFilters(o.base, o.depth), kernel: 3, padding: 1, bias: !withNorm }), o.norm),
      o.slope,
    );
  });
  return b.conv(x, { filters: o.outputs, kernel: 3, padding: 1, bias: true }, 'logits');
}

export interface ResidualGeneratorOptions {
  base: number;
  /** Stride-2 downs (and ups): StarGAN's 2. */
  halvings: number;
  residualBlocks: number;
  outputs: number;
}

/** Appends StarGAN's residual generator; returns [S, S, outputs] in [0, 1]. */
export function appendResidualGenerator(b: IrBuilder, input: string, o: ResidualGeneratorOptions): string {
  const unit = (x: string, filters: number, kernel: number, stride = 1): string =>
    b.relu(b.instanceNorm(b.conv(x, { filters, kernel, stride, padding: stride === 2 ? 1 : (kernel - 1) / 2 })));
  let x = b.scoped('stem', () => unit(input, o.base, 7));
  for (let i = 1; i <= o.halvings; i++) x = b.scoped(`down${i}`, () => unit(x, o.base * 2 ** i, 4, 2));
  const width = o.base * 2 ** o.halvings;
  for (let i = 1; i <= o.residualBlocks; i++) {
    x = b.scoped(`res${i}`, () => {
      const y = b.instanceNorm(b.conv(unit(x, width, 3), { filters: width, kernel: 3, padding: 1 }));
      return b.add([x, y]);
    });
  }
  for (let i = o.halvings - 1; i >= 0; i--) {
    x = b.scoped(`up${i + 1}`, () => b.relu(b.instanceNorm(b.convTranspose(x, { ...down, filters: o.base * 2 ** i }))));
  }
  return b.sigmoid(b.conv(x, { filters: o.outputs, kernel: 7, padding: 3, bias: true }, 'out'));
}

export interface ConvEncoderOptions {
  depth: number;
  base: number;
  /** LeakyReLU slope of every conv. */
  slope: number;
}

/**
 * Convolutional feature stack without normalisation (VUNet's appearance encoder,
 * WINN's critic; a gradient penalty wants no batch statistics): a 3×3 conv at full
 * resolution, then `depth` 4×4 stride-2 convs doubling the filters, LeakyReLU after each.
 */
export function appendConvEncoder(b: IrBuilder, input: string, o: ConvEncoderOptions): string {
  let x = b.scoped('stem', () => b.leakyRelu(b.conv(input, { filters: o.base, kernel: 3, padding: 1, bias: true }), o.slope));
  for (let level = 1; level <= o.depth; level++) {
    x = b.scoped(`down${level}`, () => b.leakyRelu(b.conv(x, { ...down, filters: unetLevelFilters(o.base, level), bias: true }), o.slope));
  }
  return x;
}
