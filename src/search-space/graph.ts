/**
 * Structural validation and shape inference of a network IR. Pure: no ML
 * framework, no I/O. Every error names the node, the field, the value and the rule.
 */
import { InvalidArchitectureError } from '../common/errors.js';
import { parseWith } from '../common/parse.js';
import { dppGeometry } from './dpp-geometry.js';
import { INPUT_ID, type IrNode, type NetworkIr, inputArity, networkIrSchema } from './ir.js';

/** Tensor shape without the batch axis: [H, W, C] for images, [C] for vectors. */
export type Shape = readonly number[];

export interface CheckedIr {
  readonly ir: NetworkIr;
  /** Output shape of every node, and of INPUT_ID. */
  readonly shapes: ReadonlyMap<string, Shape>;
}

/**
 * Size limits of an IR a job may carry: far above any real network (ResNet-50 at
 * 224 px has 0.8 M elements in its largest tensor and 2.4 M weights in its
 * largest layer), and low enough that every shape, parameter count and total stays
 * an exact integer, so an absurd graph is refused here instead of reaching a
 * worker's allocator.
 */
export const MAX_TENSOR_ELEMENTS = 2 ** 31;
export const MAX_NODE_WEIGHTS = 2 ** 31;

function invalid(node: IrNode | undefined, message: string, rule: string, details: Record<string, unknown> = {}): never {
  const where = node ? `node "${node.id}" (${node.op}): ` : '';
  throw new InvalidArchitectureError(`invalid IR: ${where}${message}`, {
    details: { rule, ...(node ? { node: node.id, op: node.op } : {}), ...details },
  });
}

/** Parses untrusted JSON into a checked IR (schema, structure and shapes). */
export function parseIr(value: unknown): CheckedIr {
  const ir = parseWith(networkIrSchema, value, {
    what: 'IR',
    showValues: true,
    error: (problem, options) =>
      new InvalidArchitectureError(`invalid IR: ${problem}`, { ...options, details: { rule: 'schema', ...options.details } }),
  });
  return checkIr(ir as NetworkIr);
}

export const pairOf = (v: number | readonly [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

function windowOut(node: IrNode, axis: string, size: number, kernel: number, stride: number, pad: number, dilation = 1): number {
  const out = Math.floor((size + 2 * pad - dilation * (kernel - 1) - 1) / stride) + 1;
  if (out < 1) {
    invalid(
      node,
      `the ${axis} extent ${size} is too small for kernel ${kernel}, stride ${stride}, padding ${pad}, dilation ${dilation}`,
      'too-small',
      { size },
    );
  }
  return out;
}

function requireImage(node: IrNode, shape: Shape): [number, number, number] {
  if (shape.length !== 3) invalid(node, `expects an image input [H, W, C], got [${shape.join(', ')}]`, 'rank');
  return shape as [number, number, number];
}

function requireVector(node: IrNode, shape: Shape): number {
  if (shape.length !== 1)
    invalid(node, `expects a vector input [C], got [${shape.join(', ')}] (add globalAvgPool or flatten first)`, 'rank');
  return shape[0]!;
}

/** Output shape of one node from its input shapes; throws InvalidArchitectureError naming the node. */
export function inferShape(node: IrNode, inputs: Shape[]): Shape {
  const x = inputs[0]!;
  switch (node.op) {
    case 'conv2d': {
      const [h, w, c] = requireImage(node, x);
      const [kh, kw] = pairOf(node.kernel);
      const [sh, sw] = pairOf(node.stride);
      const [ph, pw] = pairOf(node.padding);
      const [dh, dw] = pairOf(node.dilation);
      if (c % node.groups !== 0) invalid(node, `input channels ${c} are not divisible by groups ${node.groups}`, 'groups');
      if (node.filters % node.groups !== 0) invalid(node, `filters ${node.filters} are not divisible by groups ${node.groups}`, 'groups');
      return [windowOut(node, 'height', h, kh, sh, ph, dh), windowOut(node, 'width', w, kw, sw, pw, dw), node.filters];
    }
    case 'conv2dTranspose': {
      const [h, w] = requireImage(node, x);
      const [kh, kw] = pairOf(node.kernel);
      const [sh, sw] = pairOf(node.stride);
      const [ph, pw] = pairOf(node.padding);
      const [oh, ow] = pairOf(node.outputPadding);
      if (oh >= sh || ow >= sw) invalid(node, `outputPadding must be smaller than stride`, 'output-padding');
      const outH = (h - 1) * sh - 2 * ph + kh + oh;
      const outW = (w - 1) * sw - 2 * pw + kw + ow;
      if (outH < 1 || outW < 1) invalid(node, `padding ${ph}x${pw} leaves no output`, 'too-small');
      return [outH, outW, node.filters];
    }
    case 'maxPool':
    case 'avgPool': {
      const [h, w, c] = requireImage(node, x);
      const [kh, kw] = pairOf(node.kernel);
      const [sh, sw] = pairOf(node.stride ?? node.kernel);
      const [ph, pw] = pairOf(node.padding);
      if (2 * ph > kh || 2 * pw > kw) invalid(node, `padding ${ph}x${pw} exceeds half the kernel ${kh}x${kw}`, 'padding');
      return [windowOut(node, 'height', h, kh, sh, ph), windowOut(node, 'width', w, kw, sw, pw), c];
    }
    case 'dpp': {
      const [h, w, c] = requireImage(node, x);
      const [kh, kw] = pairOf(node.kernel);
      const [ph, pw] = pairOf(node.padding);
      // As for pools: every window then holds a real input, so no weight sum is 0.
      if (2 * ph > kh || 2 * pw > kw) invalid(node, `padding ${ph}x${pw} exceeds half the kernel ${kh}x${kw}`, 'padding');
      const axes = dppGeometry(node, [h, w]);
      for (const [i, axis] of axes.entries()) {
        if (axis.inner < 1) windowOut(node, i === 0 ? 'height' : 'width', axis.size, axis.kernel, axis.innerStride, axis.padding);
      }
      return [axes[0].out, axes[1].out, c];
    }
    case 'globalAvgPool':
    case 'globalMaxPool':
      return [requireImage(node, x)[2]];
    case 'instanceNorm':
      requireImage(node, x);
      return x;
    case 'batchNorm':
    case 'relu':
    case 'leakyRelu':
    case 'sigmoid':
    case 'tanh':
    case 'dropout':
    case 'zeros':
      return x;
    case 'channelSlice': {
      const channels = x.at(-1)!;
      const end = node.start + node.size;
      if (end > channels) invalid(node, `channels [${node.start}, ${end}) lie outside the input's ${channels}`, 'channels');
      return [...x.slice(0, -1), node.size];
    }
    case 'add': {
      for (const [i, s] of inputs.entries()) {
        if (s.join(',') !== x.join(','))
          invalid(
            node,
            `input ${i} "${node.inputs[i]}" has shape [${s.join(', ')}], input 0 has [${x.join(', ')}]; add needs equal shapes`,
            'shape-mismatch',
          );
      }
      return x;
    }
    case 'concat': {
      const spatial = x.slice(0, -1).join(',');
      let channels = 0;
      for (const [i, s] of inputs.entries()) {
        if (s.length !== x.length || s.slice(0, -1).join(',') !== spatial) {
          invalid(
            node,
            `input ${i} "${node.inputs[i]}" has shape [${s.join(', ')}], input 0 has [${x.join(', ')}]; concat needs equal shapes except channels`,
            'shape-mismatch',
          );
        }
        channels += s[s.length - 1]!;
      }
      return [...x.slice(0, -1), channels];
    }
    case 'channelScale': {
      const [, , c] = requireImage(node, x);
      const s = inputs[1]!;
      if (s.length !== 1 || s[0] !== c)
        invalid(node, `the scale input "${node.inputs[1]}" must be a vector of ${c} channels, got [${s.join(', ')}]`, 'shape-mismatch');
      return x;
    }
    case 'dense':
      requireVector(node, x);
      return [node.units];
    case 'flatten':
      return [x.reduce((a, b) => a * b, 1)];
    case 'upsample': {
      const [h, w, c] = requireImage(node, x);
      return [h * node.scale, w * node.scale, c];
    }
  }
}

/** Attributes that define a node's parameters; shared nodes must agree on them. */
function weightSignature(node: IrNode): string {
  const { id: _id, inputs: _inputs, shareWeightsWith: _share, ...attrs } = node;
  return JSON.stringify(attrs);
}

/** Weights of the layers whose parameter count grows with their attributes (the rest have at most a few per channel). */
function weightCount(node: IrNode, input: Shape): number {
  const channels = input[input.length - 1]!;
  if (node.op === 'conv2d') return pairOf(node.kernel)[0] * pairOf(node.kernel)[1] * (channels / node.groups) * node.filters;
  if (node.op === 'conv2dTranspose') return pairOf(node.kernel)[0] * pairOf(node.kernel)[1] * channels * node.filters;
  if (node.op === 'dense') return channels * node.units;
  return 0;
}

function checkSize(node: IrNode, input: Shape, output: Shape): void {
  const size = output.reduce((a, b) => a * b, 1);
  if (!(size <= MAX_TENSOR_ELEMENTS))
    invalid(node, `its output [${output.join(', ')}] has ${size} elements per example, more than ${MAX_TENSOR_ELEMENTS}`, 'too-large');
  const weights = weightCount(node, input);
  if (!(weights <= MAX_NODE_WEIGHTS)) invalid(node, `it has ${weights} weights, more than ${MAX_NODE_WEIGHTS} per layer`, 'too-large');
}

/** Checks ids, references, arity, weight sharing, shapes and sizes of an IR that already passed the schema. */
export function checkIr(ir: NetworkIr): CheckedIr {
  const inputSize = ir.input.shape.reduce((a, b) => a * b, 1);
  if (!(inputSize <= MAX_TENSOR_ELEMENTS))
    invalid(
      undefined,
      `the input shape [${ir.input.shape.join(', ')}] has ${inputSize} elements, more than ${MAX_TENSOR_ELEMENTS}`,
      'too-large',
    );
  const shapes = new Map<string, Shape>([[INPUT_ID, ir.input.shape]]);
  const byId = new Map<string, IrNode>();
  for (const node of ir.nodes) {
    if (node.id === INPUT_ID) invalid(node, `the id "${INPUT_ID}" is reserved for the network input`, 'reserved-id');
    if (byId.has(node.id)) invalid(node, `duplicate id "${node.id}"`, 'duplicate-id');
    const { min, max } = inputArity(node.op);
    if (node.inputs.length < min || node.inputs.length > max) {
      const expected = max === Infinity ? `at least ${min}` : min === max ? `${min}` : `${min}-${max}`;
      invalid(node, `takes ${expected} input(s), got ${node.inputs.length}`, 'arity');
    }
    const inputShapes = node.inputs.map((input) => {
      const shape = shapes.get(input);
      if (!shape)
        invalid(
          node,
          `input "${input}" is not the network input or an earlier node (nodes must be listed in topological order)`,
          'unknown-input',
          { input },
        );
      return shape;
    });
    if (node.shareWeightsWith !== undefined) {
      const target = byId.get(node.shareWeightsWith);
      if (!target) invalid(node, `shareWeightsWith "${node.shareWeightsWith}" is not an earlier node`, 'unknown-share');
      if (target.shareWeightsWith !== undefined)
        invalid(node, `shareWeightsWith must name the owner "${target.shareWeightsWith}", not another sharer`, 'share-chain');
      if (weightSignature(target) !== weightSignature(node))
        invalid(node, `shares weights with "${target.id}" but their ops or attributes differ`, 'share-mismatch');
    }
    const shape = inferShape(node, inputShapes);
    checkSize(node, inputShapes[0]!, shape);
    if (node.shareWeightsWith !== undefined) {
      // Same attributes are not enough: the parameter tensors must have the same shape too.
      const target = byId.get(node.shareWeightsWith)!;
      const targetIn = shapes.get(target.inputs[0]!)!;
      if (targetIn[targetIn.length - 1] !== inputShapes[0]![inputShapes[0]!.length - 1]) {
        invalid(
          node,
          `shares weights with "${target.id}" but its input has ${inputShapes[0]!.at(-1)} channels, not ${targetIn.at(-1)}`,
          'share-mismatch',
        );
      }
    }
    shapes.set(node.id, shape);
    byId.set(node.id, node);
  }
  if (!byId.has(ir.output)) {
    throw new InvalidArchitectureError(`invalid IR: output "${ir.output}" is not a node of the graph`, {
      details: { rule: 'unknown-output', output: ir.output },
    });
  }
  return { ir, shapes };
}

/**
 * Ids of the nodes the output depends on. Engines build every node (their
 * parameters count in the IR) but compute only these.
 */
export function liveNodes(ir: NetworkIr): Set<string> {
  const byId = new Map(ir.nodes.map((n) => [n.id, n]));
  const live = new Set<string>();
  const stack = [ir.output];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (live.has(id) || id === INPUT_ID) continue;
    live.add(id);
    stack.push(...byId.get(id)!.inputs);
  }
  return live;
}
