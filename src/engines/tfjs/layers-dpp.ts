/**
 * Detail-Preserving Pooling (Saeedan, Weber, Goesele, Roth, "Detail-Preserving
 * Pooling in Deep Networks", CVPR 2018), the IR's `dpp` op. Per channel:
 *
 *   O[p] = Σ_{q∈Ω_p} w[p,q]·I[q] / Σ_{q∈Ω_p} w[p,q],   w[p,q] = α + ρ_λ(I[q] − Ĩ[p])   (paper eqs. 3, 4)
 *   ρ_sym(x) = (√(x² + ε²))^λ,   ρ_asym(x) = (√(max(0, x)² + ε²))^λ                      (eqs. 5, 6)
 *   Ĩ[p] = Σ_{q∈Ω̃_p} F[q]·I[q]                                                          (eq. 7)
 *
 * Choices and where they come from:
 * - Ĩ is evaluated at the output position p, not at q: eq. 4 reads Ĩ[p], the
 *   linearly downscaled image. Overlapping windows (3×3, stride 2 or 1) therefore
 *   weigh the same input differently in each window: the layer works on the k²
 *   taps of every window, not on an upsampled guide.
 * - Lite-DPP: F is the box filter F = 1/|Ω_p| over the pooling window itself
 *   (§3.2); Full-DPP: F is a learned, unnormalised 3×3 filter per channel (a
 *   depthwise convolution, initialised to the box 1/9 so training starts from
 *   Lite-like guidance), placed as in dpp-geometry.ts.
 * - α ≥ 0 and λ ≥ 0 (the paper's constraint) are kept by learning log α and log λ,
 *   as the authors' released PyTorch port does (`pospowbias`: x^exp(Lambda) + exp(Alpha),
 *   parameters initialised to 0, so α = λ = 1 at the start).
 * - ε = 10⁻³ (the constant of the authors' code), inside the paper's form
 *   (√(x² + ε²))^λ = exp(λ/2 · log(x² + ε²)). The released port additionally
 *   divides by a local mean of (I − Ĩ)², which the paper does not have: not done here.
 * - Padding: taps outside the input get weight 0 (and the box guide averages
 *   the real taps only), so a padded window pools exactly its real inputs.
 * - S3DPP (`sampling: 's3'`): the pooling runs at stride 1, then stochastic
 *   spatial sampling (Zhai et al., "S3Pool", CVPR 2017) downsamples by the stride:
 *   rows are split into blocks of `stride` (the last one may be shorter) and one
 *   row per block is drawn uniformly, likewise for columns; the draw is shared by
 *   the channels and the examples of a batch. In evaluation the layer returns the
 *   expectation of that draw: the mean of each block (a block average pool).
 */
import type { LayerVariable, Shape, Tensor, Tensor4D, serialization } from '@tensorflow/tfjs';
import { DPP_FULL_GUIDE, type DppAxis, dppAxis, guideIndex, s3Blocks, tapIndex } from '../../search-space/index.js';
import type { Tfjs } from './backend.js';
import type { Pair } from './geometry.js';
import { type LayerBase, type LayerClass, configOf, firstShape, single } from './layer-util.js';

export interface DetailPreservingPool2DArgs extends LayerBase {
  poolSize: Pair;
  strides: Pair;
  padding: Pair;
  variant: 'lite' | 'full';
  reward: 'sym' | 'asym';
  sampling: 'none' | 's3';
  epsilon: number;
}

export interface DppLayers {
  DetailPreservingPool2D: LayerClass<DetailPreservingPool2DArgs>;
}

/** Zero padding before and after an axis so that every tap and guide tap lies inside the padded tensor. */
export function dppPadding(axis: DppAxis, full: boolean): [number, number] {
  const last = axis.inner - 1;
  let lo = Math.min(tapIndex(axis, 0, 0), full ? guideIndex(axis, 0, 0) : 0);
  let hi = Math.max(tapIndex(axis, last, axis.kernel - 1), full ? guideIndex(axis, last, DPP_FULL_GUIDE - 1) : 0);
  lo = Math.min(lo, 0);
  hi = Math.max(hi, axis.size - 1);
  return [-lo, hi - (axis.size - 1)];
}

/** Whether tap i of each position along an axis reads a real input (1) or padding (0). */
function tapMask(axis: DppAxis, i: number): Float32Array {
  return Float32Array.from({ length: axis.inner }, (_, a) => {
    const at = tapIndex(axis, a, i);
    return at >= 0 && at < axis.size ? 1 : 0;
  });
}

/** S3's expectation as a matrix [out, inner]: each output row is the mean of its block. */
function blockMeanMatrix(axis: DppAxis): Float32Array {
  const m = new Float32Array(axis.out * axis.inner);
  s3Blocks(axis).forEach(({ start, length }, b) => {
    for (let r = start; r < start + length; r++) m[b * axis.inner + r] = 1 / length;
  });
  return m;
}

export function defineDppLayers(tf: Tfjs): DppLayers {
  class DetailPreservingPool2D extends tf.layers.Layer {
    static className = 'BlockqnnDetailPreservingPool2D';
    private readonly cfg: DetailPreservingPool2DArgs;
    private logAlpha: LayerVariable | undefined;
    private logLambda: LayerVariable | undefined;
    private guide: LayerVariable | undefined;

    constructor(args: DetailPreservingPool2DArgs) {
      super(args);
      this.cfg = { ...args };
    }

    override build(inputShape: Shape | Shape[]): void {
      const channels = firstShape(inputShape)[3]!;
      this.logAlpha = this.addWeight('log_alpha', [channels], 'float32', tf.initializers.zeros(), undefined, true);
      this.logLambda = this.addWeight('log_lambda', [channels], 'float32', tf.initializers.zeros(), undefined, true);
      if (this.cfg.variant === 'full') {
        const g = DPP_FULL_GUIDE;
        this.guide = this.addWeight(
          'guide',
          [g, g, channels, 1],
          'float32',
          tf.initializers.constant({ value: 1 / (g * g) }),
          undefined,
          true,
        );
      }
      this.built = true;
    }

    private axes(h: number, w: number): [DppAxis, DppAxis] {
      const { poolSize: k, strides: s, padding: p, sampling } = this.cfg;
      return [dppAxis(h, k[0], s[0], p[0], sampling === 's3'), dppAxis(w, k[1], s[1], p[1], sampling === 's3')];
    }

    override computeOutputShape(inputShape: Shape | Shape[]): Shape {
      const [b, h, w, c] = firstShape(inputShape);
      if (h === null || h === undefined || w === null || w === undefined) return [b ?? null, null, null, c ?? null];
      const [rows, cols] = this.axes(h, w);
      return [b ?? null, rows.out, cols.out, c ?? null];
    }

    override call(inputs: Tensor | Tensor[], kwargs: Record<string, unknown>): Tensor {
      return tf.tidy(() => {
        const x = single(inputs) as Tensor4D;
        const [, h, w, channels] = x.shape;
        const [rows, cols] = this.axes(h, w);
        const full = this.cfg.variant === 'full';
        const [padRows, padCols] = [dppPadding(rows, full), dppPadding(cols, full)];
        const xp = tf.pad(x, [[0, 0], padRows, padCols, [0, 0]]);
        const indices = (axis: DppAxis, i: number, pad: number) =>
          tf.tensor1d(
            Array.from({ length: axis.inner }, (_, a) => tapIndex(axis, a, i) + pad),
            'int32',
          );
        const rowMasks = Array.from({ length: rows.kernel }, (_, i) => tapMask(rows, i));
        const colMasks = Array.from({ length: cols.kernel }, (_, j) => tapMask(cols, j));
        const padded = [...rowMasks, ...colMasks].some((m) => m.includes(0));

        // taps[i][j][n, a, b, c] = I[n, tap i of row a, tap j of column b, c] (0 in the padding).
        const taps = rowMasks.map((_, i) => {
          const r = tf.gather(xp, indices(rows, i, padRows[0]), 1);
          return colMasks.map((__, j) => tf.gather(r, indices(cols, j, padCols[0]), 2));
        });
        const masks = padded
          ? rowMasks.map((rm) =>
              colMasks.map((cm) => tf.mul(tf.tensor4d(rm, [1, rows.inner, 1, 1]), tf.tensor4d(cm, [1, 1, cols.inner, 1]))),
            )
          : undefined;

        let guide: Tensor;
        if (full) {
          // A valid depthwise convolution started at the first guide tap reads exactly the guide windows.
          const start = [guideIndex(rows, 0, 0) + padRows[0], guideIndex(cols, 0, 0) + padCols[0]];
          const g = DPP_FULL_GUIDE;
          const length = [(rows.inner - 1) * rows.innerStride + g, (cols.inner - 1) * cols.innerStride + g];
          const region = tf.slice(xp, [0, start[0]!, start[1]!, 0], [-1, length[0]!, length[1]!, -1]);
          guide = tf.depthwiseConv2d(region, this.guide!.read() as Tensor4D, [rows.innerStride, cols.innerStride], 'valid');
        } else {
          // Padding taps are 0, so the sum over all taps divided by the real taps' count is the box filter 1/|Ω_p|.
          const realRows = rowMasks.reduce((acc, m) => acc.map((v, a) => v + m[a]!), new Float32Array(rows.inner));
          const realCols = colMasks.reduce((acc, m) => acc.map((v, b) => v + m[b]!), new Float32Array(cols.inner));
          const counts = Float32Array.from(
            { length: rows.inner * cols.inner },
            (_, n) => realRows[Math.floor(n / cols.inner)]! * realCols[n % cols.inner]!,
          );
          guide = tf.div(tf.addN(taps.flat()), tf.tensor4d(counts, [1, rows.inner, cols.inner, 1]));
        }

        const alpha = tf.exp(this.logAlpha!.read());
        const halfLambda = tf.mul(tf.exp(this.logLambda!.read()), 0.5);
        const eps2 = this.cfg.epsilon * this.cfg.epsilon;
        let numerator: Tensor | undefined;
        let denominator: Tensor | undefined;
        taps.forEach((row, i) =>
          row.forEach((tap, j) => {
            let d = tf.sub(tap, guide);
            if (this.cfg.reward === 'asym') d = tf.relu(d);
            // (√(d² + ε²))^λ written as exp(λ/2 · log(d² + ε²)): the gradient to λ needs no pow of a base near 0.
            const rho = tf.exp(tf.mul(halfLambda, tf.log(tf.add(tf.square(d), eps2))));
            let weight = tf.add(alpha, rho);
            if (masks) weight = tf.mul(weight, masks[i]![j]!);
            const term = tf.mul(weight, tap);
            numerator = numerator ? tf.add(numerator, term) : term;
            denominator = denominator ? tf.add(denominator, weight) : weight;
          }),
        );
        const pooled = tf.div(numerator!, denominator!) as Tensor4D;
        if (this.cfg.sampling !== 's3') return pooled;
        if (kwargs?.training === true) return this.sample(pooled, rows, cols);
        return this.expectation(pooled, rows, cols, channels);
      });
    }

    /** One uniformly drawn row per block of rows, and one column per block of columns. */
    private sample(y: Tensor4D, rows: DppAxis, cols: DppAxis): Tensor {
      const draw = (axis: DppAxis): Tensor => {
        const blocks = s3Blocks(axis);
        const starts = tf.tensor1d(blocks.map((b) => b.start));
        const lengths = tf.tensor1d(blocks.map((b) => b.length));
        // u < 1, so ⌊u·length⌋ stays inside the block.
        return tf.cast(tf.add(starts, tf.floor(tf.mul(tf.randomUniform([axis.out], 0, 1), lengths))), 'int32');
      };
      return tf.gather(tf.gather(y, draw(rows), 1), draw(cols), 2);
    }

    /** Block means along rows, then columns, as two matrix products (as BilinearUpsample2D). */
    private expectation(y: Tensor4D, rows: DppAxis, cols: DppAxis, channels: number): Tensor {
      const batch = y.shape[0];
      const rowsMatrix = tf.tensor2d(blockMeanMatrix(rows), [rows.out, rows.inner]);
      const colsMatrix = tf.tensor2d(blockMeanMatrix(cols), [cols.out, cols.inner]);
      let t = tf.transpose(y, [0, 2, 3, 1]);
      t = tf.reshape(tf.matMul(tf.reshape(t, [-1, rows.inner]), rowsMatrix, false, true), [batch, cols.inner, channels, rows.out]);
      t = tf.transpose(t, [0, 3, 2, 1]);
      t = tf.reshape(tf.matMul(tf.reshape(t, [-1, cols.inner]), colsMatrix, false, true), [batch, rows.out, channels, cols.out]);
      return tf.transpose(t, [0, 1, 3, 2]);
    }

    override getConfig(): serialization.ConfigDict {
      return { ...super.getConfig(), ...configOf(this.cfg) };
    }
  }

  return { DetailPreservingPool2D };
}
