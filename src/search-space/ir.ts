/**
 * The network IR: a backend-neutral JSON graph that every engine compiles and
 * every cost figure is computed on. It is also the wire format of queue jobs,
 * so it has a zod schema and a size limit.
 *
 * Conventions
 * - Tensors are channels-last without the batch axis: images are [H, W, C],
 *   vectors are [C].
 * - Padding is explicit and symmetric (PyTorch semantics): out = floor((in + 2p - d(k-1) - 1) / s) + 1.
 * - Parameters are the trainable ones: batch-norm running statistics are buffers, not parameters.
 * - `shareWeightsWith` names an earlier node of the same op and attributes whose
 *   parameters this node reuses (CliqueNet's recurrent stage II); shared
 *   parameters are counted once.
 * - The closed set of ops below is all an engine ever executes: a job can carry
 *   no code.
 */
import { z } from 'zod';

const nodeId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.:/-]+$/, 'ids use letters, digits and _ . : / -');
const nodeCommon = {
  id: nodeId,
  inputs: z.array(nodeId).max(4096),
  shareWeightsWith: nodeId.optional(),
};
const node = <S extends z.ZodRawShape>(shape: S) => z.object({ ...nodeCommon, ...shape }).strict();

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();
const pair = z.union([positiveInt, z.tuple([positiveInt, positiveInt])]);
const padPair = z.union([nonNegativeInt, z.tuple([nonNegativeInt, nonNegativeInt])]);

const conv2d = node({
  op: z.literal('conv2d'),
  filters: positiveInt,
  kernel: pair,
  stride: pair.default(1),
  padding: padPair.default(0),
  dilation: pair.default(1),
  groups: positiveInt.default(1),
  bias: z.boolean().default(false),
});
const conv2dTranspose = node({
  op: z.literal('conv2dTranspose'),
  filters: positiveInt,
  kernel: pair,
  stride: pair.default(1),
  padding: padPair.default(0),
  outputPadding: padPair.default(0),
  bias: z.boolean().default(false),
});
const pool = {
  kernel: pair,
  stride: pair.optional(),
  padding: padPair.default(0),
};
const maxPool = node({
  op: z.literal('maxPool'),
  ...pool,
});
const avgPool = node({
  op: z.literal('avgPool'),
  ...pool,
  /** Whether zero padding counts in the average (PyTorch count_include_pad). */
  countIncludePad: z.boolean().default(true),
});
const globalAvgPool = node({
  op: z.literal('globalAvgPool'),
});
const globalMaxPool = node({
  op: z.literal('globalMaxPool'),
});
const batchNorm = node({
  op: z.literal('batchNorm'),
  epsilon: z.number().positive().default(1e-5),
  momentum: z.number().min(0).max(1).default(0.1),
  affine: z.boolean().default(true),
});
const instanceNorm = node({
  op: z.literal('instanceNorm'),
  epsilon: z.number().positive().default(1e-5),
  affine: z.boolean().default(true),
});
const relu = node({
  op: z.literal('relu'),
});
const leakyRelu = node({
  op: z.literal('leakyRelu'),
  alpha: z.number().min(0).max(1).default(0.2),
});
const sigmoid = node({
  op: z.literal('sigmoid'),
});
const tanh = node({
  op: z.literal('tanh'),
});
const add = node({
  op: z.literal('add'),
});
const concat = node({
  op: z.literal('concat'),
});
/** x * s with s a [C] vector per example: the channel scaling of Squeeze-and-Excitation. */
const channelScale = node({
  op: z.literal('channelScale'),
});
const dense = node({
  op: z.literal('dense'),
  units: positiveInt,
  bias: z.boolean().default(true),
});
const flatten = node({
  op: z.literal('flatten'),
});
const dropout = node({
  op: z.literal('dropout'),
  rate: z.number().min(0).lt(1),
});
const upsample = node({
  op: z.literal('upsample'),
  scale: positiveInt,
  mode: z.enum(['nearest', 'bilinear']).default('nearest'),
});
/**
 * Detail-Preserving Pooling (Saeedan, Weber, Goesele, Roth, CVPR 2018, eqs. 3-7):
 * O[p] = Σ_{q∈Ω_p} w[p,q]·I[q] / Σ_{q∈Ω_p} w[p,q] with w[p,q] = α + ρ_λ(I[q] − Ĩ[p]),
 * per channel, with learnable per-channel α and λ. `variant` picks the guide Ĩ
 * (lite: box filter over Ω_p; full: a learned 3×3 filter), `reward` picks ρ
 * (sym or asym), `sampling: 's3'` runs the pooling at stride 1 and then
 * downsamples by `stride` with stochastic spatial sampling. Taps in the padding
 * get weight 0. Exact semantics, and where each choice comes from: see the
 * engines' DPP layers (src/engines/tfjs/layers-dpp.ts).
 */
const dpp = node({
  op: z.literal('dpp'),
  kernel: pair,
  stride: pair.optional(),
  padding: padPair.default(0),
  variant: z.enum(['lite', 'full']).default('lite'),
  reward: z.enum(['sym', 'asym']).default('sym'),
  sampling: z.enum(['none', 's3']).default('none'),
  /** ε of ρ_λ(x) = (√(x² + ε²))^λ; the paper's 10⁻³. */
  epsilon: z.number().positive().default(1e-3),
});
/** A tensor of zeros shaped like its input (NAS-Bench-201's "none" edge feeding a node). */
const zeros = node({
  op: z.literal('zeros'),
});
/**
 * Channels [start, start + size) of its input (the Variational U-Net's generator reads its shape channel
 * and its latent channels apart from one input).
 */
const channelSlice = node({ op: z.literal('channelSlice'), start: nonNegativeInt, size: positiveInt });

export const irNodeSchema = z.discriminatedUnion('op', [
  conv2d,
  conv2dTranspose,
  maxPool,
  avgPool,
  globalAvgPool,
  globalMaxPool,
  batchNorm,
  instanceNorm,
  relu,
  leakyRelu,
  sigmoid,
  tanh,
  add,
  concat,
  channelScale,
  dense,
  flatten,
  dropout,
  upsample,
  zeros,
  dpp,
  channelSlice,
]);

export type IrNode = z.infer<typeof irNodeSchema>;
export type IrOp = IrNode['op'];
export type IrNodeOf<O extends IrOp> = Extract<IrNode, { op: O }>;

/** Largest graph a job may carry; far above ResNet-152 (~500 nodes) or a 23-layer-block network. */
export const IR_MAX_NODES = 20_000;

export const networkIrSchema = z.strictObject({
  format: z.literal('blockqnn-ir'),
  version: z.literal(1),
  name: z.string().max(200).optional(),
  /** Input shape without the batch axis: [H, W, C]. */
  input: z.object({ shape: z.tuple([positiveInt, positiveInt, positiveInt]) }),
  nodes: z.array(irNodeSchema).min(1).max(IR_MAX_NODES),
  /** Id of the node whose value is the network output. */
  output: nodeId,
});

export interface NetworkIr {
  format: 'blockqnn-ir';
  version: 1;
  name?: string | undefined;
  input: { shape: [number, number, number] };
  nodes: IrNode[];
  output: string;
}

/** The id under which every graph can read the network input. */
export const INPUT_ID = 'input';

/** Side of the learned guide filter of Full-DPP (the paper's 3×3). */
export const DPP_FULL_GUIDE = 3;

export const IR_OPS: readonly IrOp[] = irNodeSchema.options.map((s) => s.shape.op.value);

/** Inputs each op takes: add and concat take two or more, channelScale takes [x, scale], the rest one. */
export function inputArity(op: IrOp): { min: number; max: number } {
  if (op === 'add' || op === 'concat') return { min: 2, max: Infinity };
  if (op === 'channelScale') return { min: 2, max: 2 };
  return { min: 1, max: 1 };
}
