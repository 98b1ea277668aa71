/**
 * Hand-written single-op IRs covering every IR op and the padding/stride/group
 * variants that take different paths in the compiler. Shared by the shape/param
 * tests and the numeric-semantics tests.
 */
import * as ref from './reference.js';
import { type CheckedIr, type IrBuilder, type IrNode, INPUT_ID, IrBuilder as Builder, checkIr } from '../../../src/search-space/index.js';

export interface OpCase {
  name: string;
  input: [number, number, number];
  /** Builds the IR with the builder; `nodes` is used instead for ops the builder has no method for. */
  build?: (b: IrBuilder, x: string) => string;
  nodes?: IrNode[];
  /** PyTorch's result from the input and the weights of the output node's layer (in tfjs layout). */
  reference?: (x: ref.Arr, weights: ref.Arr[]) => ref.Arr;
}

const bias = (w: ref.Arr[]): Float32Array | null => w[1]?.data ?? null;
const depthwise = (w: ref.Arr): ref.Arr => ({ shape: [w.shape[0]!, w.shape[1]!, 1, w.shape[2]! * w.shape[3]!], data: w.data });

/** The checked IR of a case; its output is the last node. */
export function caseIr(c: OpCase): CheckedIr {
  if (c.nodes) {
    return checkIr({
      format: 'blockqnn-ir',
      version: 1,
      name: c.name,
      input: { shape: c.input },
      nodes: c.nodes,
      output: c.nodes.at(-1)!.id,
    });
  }
  const b = new Builder(c.name, c.input);
  return b.build(c.build!(b, INPUT_ID));
}

export const OP_CASES: readonly OpCase[] = [
  {
    name: 'conv 3x3 pad 1 (TF same)',
    input: [8, 8, 3],
    build: (b, x) => b.conv(x, { filters: 4, kernel: 3, padding: 1 }),
    reference: (x, w) => ref.conv2d(x, w[0]!, null, { stride: 1, pad: 1, dilation: 1, groups: 1 }),
  },
  {
    name: 'conv 3x3 stride 2 pad 1 (explicit pad)',
    input: [8, 8, 3],
    build: (b, x) => b.conv(x, { filters: 4, kernel: 3, stride: 2, padding: 1 }),
    reference: (x, w) => ref.conv2d(x, w[0]!, null, { stride: 2, pad: 1, dilation: 1, groups: 1 }),
  },
  {
    name: 'conv 3x3 stride 2 pad 1, odd input (TF same)',
    input: [7, 7, 3],
    build: (b, x) => b.conv(x, { filters: 4, kernel: 3, stride: 2, padding: 1 }),
    reference: (x, w) => ref.conv2d(x, w[0]!, null, { stride: 2, pad: 1, dilation: 1, groups: 1 }),
  },
  {
    name: 'conv 1x3 pad 0x1 with bias',
    input: [6, 6, 2],
    build: (b, x) => b.conv(x, { filters: 3, kernel: [1, 3], padding: [0, 1], bias: true }),
    reference: (x, w) => ref.conv2d(x, w[0]!, bias(w), { stride: 1, pad: [0, 1], dilation: 1, groups: 1 }),
  },
  {
    name: 'conv 5x5 pad 1 (narrower than same)',
    input: [8, 8, 2],
    build: (b, x) => b.conv(x, { filters: 3, kernel: 5, padding: 1 }),
    reference: (x, w) => ref.conv2d(x, w[0]!, null, { stride: 1, pad: 1, dilation: 1, groups: 1 }),
  },
  {
    name: 'conv dilation 2 pad 2',
    input: [8, 8, 2],
    build: (b, x) => b.conv(x, { filters: 3, kernel: 3, padding: 2, dilation: 2 }),
    reference: (x, w) => ref.conv2d(x, w[0]!, null, { stride: 1, pad: 2, dilation: 2, groups: 1 }),
  },
  {
    name: 'conv stride 2 and dilation 2',
    input: [9, 9, 2],
    build: (b, x) => b.conv(x, { filters: 3, kernel: 3, stride: 2, padding: 2, dilation: 2, bias: true }),
    reference: (x, w) => ref.conv2d(x, w[0]!, bias(w), { stride: 2, pad: 2, dilation: 2, groups: 1 }),
  },
  {
    name: 'grouped conv, 2 groups',
    input: [6, 6, 4],
    build: (b, x) => b.conv(x, { filters: 6, kernel: 3, padding: 1, groups: 2, bias: true }),
    reference: (x, w) => ref.conv2d(x, w[0]!, bias(w), { stride: 1, pad: 1, dilation: 1, groups: 2 }),
  },
  {
    name: 'depthwise conv, multiplier 2',
    input: [6, 6, 3],
    build: (b, x) => b.conv(x, { filters: 6, kernel: 3, padding: 1, groups: 3, bias: true }),
    reference: (x, w) => ref.conv2d(x, depthwise(w[0]!), bias(w), { stride: 1, pad: 1, dilation: 1, groups: 3 }),
  },
  {
    name: 'depthwise conv, dilated',
    input: [8, 8, 3],
    build: (b, x) => b.conv(x, { filters: 3, kernel: 3, padding: 2, dilation: 2, groups: 3 }),
    reference: (x, w) => ref.conv2d(x, w[0]!, null, { stride: 1, pad: 2, dilation: 2, groups: 3 }),
  },
  {
    name: 'transposed conv k3 s2 p1 op1',
    input: [4, 4, 3],
    build: (b, x) => b.convTranspose(x, { filters: 2, kernel: 3, stride: 2, padding: 1, outputPadding: 1, bias: true }),
    reference: (x, w) => ref.convTranspose2d(x, w[0]!, bias(w), { stride: 2, pad: 1, outputPadding: 1 }),
  },
  {
    name: 'transposed conv k4 s2 p1',
    input: [4, 4, 3],
    build: (b, x) => b.convTranspose(x, { filters: 2, kernel: 4, stride: 2, padding: 1 }),
    reference: (x, w) => ref.convTranspose2d(x, w[0]!, null, { stride: 2, pad: 1, outputPadding: 0 }),
  },
  {
    name: 'transposed conv k3 s2 p0 op1 (past the full output)',
    input: [3, 3, 2],
    build: (b, x) => b.convTranspose(x, { filters: 2, kernel: 3, stride: 2, outputPadding: 1, bias: true }),
    reference: (x, w) => ref.convTranspose2d(x, w[0]!, bias(w), { stride: 2, pad: 0, outputPadding: 1 }),
  },
  {
    name: 'transposed conv k1 s3 (kernel below stride)',
    input: [3, 3, 2],
    build: (b, x) => b.convTranspose(x, { filters: 2, kernel: 1, stride: 3, outputPadding: 2 }),
    reference: (x, w) => ref.convTranspose2d(x, w[0]!, null, { stride: 3, pad: 0, outputPadding: 2 }),
  },
  {
    name: 'max pool 2 (valid)',
    input: [8, 8, 2],
    build: (b, x) => b.maxPool(x, { kernel: 2 }),
    reference: (x) => ref.pool2d(x, { mode: 'max', kernel: 2, stride: 2, pad: 0 }),
  },
  {
    name: 'max pool 3 stride 1 pad 1 (TF same)',
    input: [6, 6, 2],
    build: (b, x) => b.maxPool(x, { kernel: 3, stride: 1, padding: 1 }),
    reference: (x) => ref.pool2d(x, { mode: 'max', kernel: 3, stride: 1, pad: 1 }),
  },
  {
    name: 'max pool 3 stride 2 pad 1 (-inf pad)',
    input: [8, 8, 2],
    build: (b, x) => b.maxPool(x, { kernel: 3, stride: 2, padding: 1 }),
    reference: (x) => ref.pool2d(x, { mode: 'max', kernel: 3, stride: 2, pad: 1 }),
  },
  {
    name: 'avg pool 3 stride 1 pad 1, padding excluded',
    input: [6, 6, 2],
    build: (b, x) => b.avgPool(x, { kernel: 3, stride: 1, padding: 1, countIncludePad: false }),
    reference: (x) => ref.pool2d(x, { mode: 'avg', kernel: 3, stride: 1, pad: 1, countIncludePad: false }),
  },
  {
    name: 'avg pool 3 stride 2 pad 1, padding included',
    input: [7, 7, 2],
    build: (b, x) => b.avgPool(x, { kernel: 3, stride: 2, padding: 1, countIncludePad: true }),
    reference: (x) => ref.pool2d(x, { mode: 'avg', kernel: 3, stride: 2, pad: 1, countIncludePad: true }),
  },
  {
    name: 'avg pool 2 (valid)',
    input: [8, 8, 2],
    build: (b, x) => b.avgPool(x, { kernel: 2 }),
    reference: (x) => ref.pool2d(x, { mode: 'avg', kernel: 2, stride: 2, pad: 0 }),
  },
  { name: 'global avg pool', input: [4, 4, 3], build: (b, x) => b.globalAvgPool(x) },
  { name: 'global max pool', input: [4, 4, 3], nodes: [{ id: 'gmp', op: 'globalMaxPool', inputs: [INPUT_ID] }] },
  { name: 'batch norm', input: [4, 4, 3], build: (b, x) => b.batchNorm(x, { epsilon: 1e-3, momentum: 0.2 }) },
  { name: 'batch norm without affine', input: [4, 4, 3], build: (b, x) => b.batchNorm(x, { affine: false }) },
  { name: 'batch norm on a vector', input: [4, 4, 3], build: (b, x) => b.batchNorm(b.globalAvgPool(x)) },
  {
    name: 'instance norm',
    input: [4, 4, 3],
    build: (b, x) => b.instanceNorm(x, { epsilon: 1e-5 }),
    reference: (x, w) => ref.instanceNorm(x, w[0]!.data, w[1]!.data, 1e-5),
  },
  { name: 'instance norm without affine', input: [4, 4, 3], build: (b, x) => b.instanceNorm(x, { affine: false }) },
  { name: 'relu', input: [4, 4, 2], build: (b, x) => b.relu(x) },
  { name: 'leaky relu', input: [4, 4, 2], build: (b, x) => b.leakyRelu(x, 0.1) },
  { name: 'sigmoid', input: [4, 4, 2], build: (b, x) => b.sigmoid(x) },
  { name: 'tanh', input: [4, 4, 2], build: (b, x) => b.tanh(x) },
  { name: 'add of three', input: [4, 4, 2], build: (b, x) => b.add([x, b.relu(x), b.tanh(x)]) },
  { name: 'concat of three', input: [4, 4, 2], build: (b, x) => b.concat([x, b.relu(x), b.conv(x, { filters: 3, kernel: 1 })]) },
  {
    name: 'channel scale (squeeze-and-excitation)',
    input: [4, 4, 4],
    build: (b, x) => b.channelScale(x, b.sigmoid(b.dense(b.relu(b.dense(b.globalAvgPool(x), { units: 2 })), { units: 4 }))),
  },
  {
    name: 'channel scale by its own pooled sigmoid',
    input: [3, 3, 3],
    build: (b, x) => b.channelScale(x, b.sigmoid(b.globalAvgPool(x))),
    reference: (x) => ref.selfGate(x),
  },
  { name: 'dense without bias', input: [4, 4, 3], build: (b, x) => b.dense(b.globalAvgPool(x), { units: 5, bias: false }) },
  { name: 'flatten an image, then dense', input: [3, 3, 2], build: (b, x) => b.dense(b.flatten(x), { units: 4 }) },
  { name: 'flatten a vector', input: [3, 3, 2], build: (b, x) => b.flatten(b.globalAvgPool(x)) },
  { name: 'dropout', input: [4, 4, 2], build: (b, x) => b.dropout(x, 0.5) },
  {
    name: 'upsample nearest x2',
    input: [3, 3, 2],
    build: (b, x) => b.upsample(x, 2, 'nearest'),
    reference: (x) => ref.upsample(x, 2, 'nearest'),
  },
  {
    name: 'upsample bilinear x2',
    input: [3, 4, 2],
    build: (b, x) => b.upsample(x, 2, 'bilinear'),
    reference: (x) => ref.upsample(x, 2, 'bilinear'),
  },
  {
    name: 'upsample bilinear x3',
    input: [3, 3, 1],
    build: (b, x) => b.upsample(x, 3, 'bilinear'),
    reference: (x) => ref.upsample(x, 3, 'bilinear'),
  },
  {
    name: 'zeros',
    input: [4, 4, 2],
    build: (b, x) => b.zeros(x),
    reference: (x) => ({ shape: x.shape, data: new Float32Array(x.data.length) }),
  },
  {
    name: 'channel slice [1, 4) of 5',
    input: [3, 3, 5],
    build: (b, x) => b.channelSlice(x, 1, 3),
    reference: (x) => ({ shape: [...x.shape.slice(0, -1), 3], data: x.data.filter((_, i) => i % 5 >= 1 && i % 5 < 4) }),
  },
  // Numbers against the paper's equations: layers-dpp.test.ts; every variant in torch: torch/dpp.test.ts.
  { name: 'detail-preserving pool, lite 3x3/2 pad 1', input: [7, 7, 2], build: (b, x) => b.dpp(x, { kernel: 3, stride: 2, padding: 1 }) },
];

/** One network that uses every IR op (and weight sharing), small enough to train on the pure-JS backend. */
export function kitchenSink(options: { unusedBranch?: boolean } = {}): CheckedIr {
  const b = new Builder('kitchen-sink', [8, 8, 3]);
  const a = b.relu(b.batchNorm(b.conv(INPUT_ID, { filters: 8, kernel: 3, padding: 1 })));
  const g = b.conv(a, { filters: 8, kernel: 3, padding: 1, groups: 2, bias: true }, 'grouped');
  const l = b.leakyRelu(b.instanceNorm(b.conv(g, { filters: 8, kernel: 3, padding: 2, dilation: 2, groups: 8 })));
  const h = b.add([l, b.conv(l, { filters: 8, kernel: 3, padding: 1, groups: 2, bias: true, shareWeightsWith: g }, 'grouped_again')]);
  const sum = b.add([
    b.maxPool(h, { kernel: 3, stride: 2, padding: 1 }),
    b.avgPool(h, { kernel: 3, stride: 2, padding: 1, countIncludePad: true }),
    b.conv(h, { filters: 8, kernel: 3, stride: 2, padding: 2, dilation: 2 }),
    b.dpp(h, { kernel: 3, stride: 2, padding: 1, variant: 'full', reward: 'asym' }),
  ]);
  // A leaky unit in the 2-wide squeeze: with a ReLU both units start dead in about one init in four (tfjs's
  // initialisers are unseeded), and then no gradient reaches the gate's dense layers.
  const gate = b.sigmoid(b.dense(b.leakyRelu(b.dense(b.globalAvgPool(sum), { units: 2 }), 0.1), { units: 8 }));
  const ae = b.avgPool(b.channelScale(sum, gate), { kernel: 3, stride: 1, padding: 1, countIncludePad: false });
  const up = b.upsample(ae, 2, 'bilinear');
  const cat = b.concat([
    up,
    b.upsample(ae, 2, 'nearest'),
    b.batchNorm(b.convTranspose(ae, { filters: 8, kernel: 3, stride: 2, padding: 1, outputPadding: 1 }), { affine: false }),
    b.zeros(up),
  ]);
  const ms = b.maxPool(b.dropout(b.tanh(cat), 0.1), { kernel: 3, stride: 1, padding: 1 });
  const flat = b.flatten(b.maxPool(ms, { kernel: 4 }));
  const gap = b.globalAvgPool(ms);
  // A branch that does not reach the output: its parameters count, so the model must keep it.
  if (options.unusedBranch) b.conv(ms, { filters: 2, kernel: 1 }, 'unused');
  const sliced = b.globalAvgPool(b.channelSlice(ms, 8, 12), 'slice_gap');
  const ir = b.toIr(gap);
  ir.nodes.push(
    { id: 'gmp', op: 'globalMaxPool', inputs: [ms] },
    { id: 'features', op: 'concat', inputs: [gap, 'gmp', flat, sliced] },
    { id: 'logits', op: 'dense', inputs: ['features'], units: 10, bias: true },
  );
  ir.output = 'logits';
  return checkIr(ir);
}
