/**
 * BN-Inception (Ioffe, Szegedy, "Batch Normalization: Accelerating Deep Network
 * Training by Reducing Internal Covariate Shift", ICML 2015, Fig. 5: Inception
 * with 5×5 convolutions replaced by two 3×3s and batch normalization after every
 * convolution) and SE-BN-Inception (Hu, Shen, Sun, "Squeeze-and-Excitation
 * Networks", CVPR 2018, Fig. 2: an SE block rescales each Inception module's
 * output).
 *
 * The module widths are the table of the BN-Inception paper as the released Caffe
 * model has them (ported to PyTorch in Cadene's pretrainedmodels `bninception`):
 * - stem: 7×7/2 conv (64) → 3×3/2 max pool → 1×1 conv (64) → 3×3 conv (192) → 3×3/2 max pool;
 * - a module concatenates a 1×1 branch, 1×1 → 3×3, 1×1 → 3×3 → 3×3 and pool → 1×1
 *   projection; the two reduction modules (3c, 4e) have no 1×1 branch, stride 2 on
 *   the last 3×3 of each branch and a 3×3/2 max pool without projection;
 * - head: global average pooling → dense (1000).
 * Every convolution carries a bias, as the released model does (11,295,240
 * parameters). That model's max pools round the output size up (Caffe's
 * ceil_mode) without padding; the IR pads by one and rounds down, which gives
 * the same sizes on every input the network accepts and differs only in which
 * border pixels a window sees.
 */
import { IrBuilder } from '../builder.js';
import type { CheckedIr } from '../graph.js';
import { INPUT_ID } from '../ir.js';
import { type Baseline, type BaselineOptions, badConfig, resolveOptions } from './baseline.js';
import { appendSqueezeExcite } from './squeeze-excite.js';

/** One Inception module; a reduction module omits `oneByOne` and `projection` and downsamples. */
export interface InceptionModule {
  readonly name: string;
  readonly oneByOne?: number;
  /** 1×1 reduce width, then the 3×3's width. */
  readonly single: readonly [number, number];
  /** 1×1 reduce width, then both 3×3s' width. */
  readonly double: readonly [number, number];
  readonly pool: 'avg' | 'max';
  readonly projection?: number;
  /** Reduction module: stride 2, no 1×1 branch, max pool without projection. */
  readonly reduce?: boolean;
}

export interface BnInceptionConfig {
  readonly modules: readonly InceptionModule[];
  /** SE reduction ratio r on every module's output; omitted for plain BN-Inception. */
  readonly seReduction?: number;
  readonly defaults: Baseline['defaults'];
}

/** BN-Inception's ten modules (the paper's Fig. 5, as the released model has them). */
export const BN_INCEPTION_MODULES: readonly InceptionModule[] = [
  { name: '3a', oneByOne: 64, single: [64, 64], double: [64, 96], pool: 'avg', projection: 32 },
  { name: '3b', oneByOne: 64, single: [64, 96], double: [64, 96], pool: 'avg', projection: 64 },
  { name: '3c', single: [128, 160], double: [64, 96], pool: 'max', reduce: true },
  { name: '4a', oneByOne: 224, single: [64, 96], double: [96, 128], pool: 'avg', projection: 128 },
  { name: '4b', oneByOne: 192, single: [96, 128], double: [96, 128], pool: 'avg', projection: 128 },
  { name: '4c', oneByOne: 160, single: [128, 160], double: [128, 160], pool: 'avg', projection: 128 },
  { name: '4d', oneByOne: 96, single: [128, 192], double: [160, 192], pool: 'avg', projection: 128 },
  { name: '4e', single: [128, 192], double: [192, 256], pool: 'max', reduce: true },
  { name: '5a', oneByOne: 352, single: [192, 320], double: [160, 224], pool: 'avg', projection: 128 },
  { name: '5b', oneByOne: 352, single: [192, 320], double: [192, 224], pool: 'max', projection: 128 },
];

function convBnRelu(b: IrBuilder, x: string, filters: number, kernel: number, stride: number, name: string): string {
  return b.scoped(name, () => b.relu(b.batchNorm(b.conv(x, { filters, kernel, stride, padding: Math.floor(kernel / 2), bias: true }))));
}

function inceptionModule(b: IrBuilder, x: string, m: InceptionModule): string {
  const stride = m.reduce ? 2 : 1;
  const branches: string[] = [];
  if (m.oneByOne !== undefined) branches.push(convBnRelu(b, x, m.oneByOne, 1, 1, '1x1'));
  branches.push(convBnRelu(b, convBnRelu(b, x, m.single[0], 1, 1, '3x3_reduce'), m.single[1], 3, stride, '3x3'));
  const d = convBnRelu(b, x, m.double[0], 1, 1, 'double_3x3_reduce');
  branches.push(convBnRelu(b, convBnRelu(b, d, m.double[1], 3, 1, 'double_3x3_1'), m.double[1], 3, stride, 'double_3x3_2'));
  const pooled =
    m.pool === 'avg'
      ? b.avgPool(x, { kernel: 3, stride, padding: 1, countIncludePad: true }, 'pool')
      : b.maxPool(x, { kernel: 3, stride, padding: 1 }, 'pool');
  branches.push(m.projection === undefined ? pooled : convBnRelu(b, pooled, m.projection, 1, 1, 'pool_proj'));
  return b.concat(branches);
}

/** Stem 2 + modules 3c and 4e each halve the image: 32 in all (as every ImageNet backbone here). */
const TOTAL_STRIDE = 32;

export function checkBnInceptionConfig(name: string, c: BnInceptionConfig): void {
  if (c.seReduction !== undefined && !(Number.isInteger(c.seReduction) && c.seReduction > 0)) {
    badConfig(name, 'seReduction', c.seReduction, 'must be a positive integer');
  }
  if (c.modules.filter((m) => m.reduce).length !== 2)
    badConfig(
      name,
      'modules',
      c.modules.map((m) => m.name),
      'must hold exactly two reduction modules (total stride 32)',
    );
}

/** Builds BN-Inception, or SE-BN-Inception when `seReduction` is set. */
export function buildBnInception(c: BnInceptionConfig, options: BaselineOptions = {}, name = 'bn-inception'): CheckedIr {
  checkBnInceptionConfig(name, c);
  const { inputShape, classes } = resolveOptions(name, c.defaults, options, TOTAL_STRIDE);
  const b = new IrBuilder(name, inputShape);
  let x = b.scoped('stem', () => {
    let y = convBnRelu(b, INPUT_ID, 64, 7, 2, 'conv1');
    y = b.maxPool(y, { kernel: 3, stride: 2, padding: 1 }, 'pool1');
    y = convBnRelu(b, y, 64, 1, 1, 'conv2_reduce');
    y = convBnRelu(b, y, 192, 3, 1, 'conv2');
    return b.maxPool(y, { kernel: 3, stride: 2, padding: 1 }, 'pool2');
  });
  for (const m of c.modules) {
    x = b.scoped(`inception_${m.name}`, () => {
      const y = inceptionModule(b, x, m);
      const channels = b.channelsOf(y);
      if (c.seReduction !== undefined && channels % c.seReduction !== 0) {
        badConfig(name, 'seReduction', c.seReduction, `module ${m.name} outputs ${channels} channels, not divisible by ${c.seReduction}`);
      }
      return c.seReduction === undefined ? y : appendSqueezeExcite(b, y, c.seReduction);
    });
  }
  x = b.scoped('head', () => b.dense(b.globalAvgPool(x), { units: classes }));
  return b.build(x);
}
