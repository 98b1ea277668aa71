/**
 * Exact cost model on the IR, with no ML framework involved.
 *
 * - params: trainable parameters (batch-norm running statistics are buffers and
 *   not counted; weights shared through `shareWeightsWith` are counted once).
 * - macs: multiply-accumulate operations per example, counted for conv2d,
 *   conv2dTranspose and dense — one per weight use, plus one per bias element and
 *   output position (the convention of NAS-Bench-201's counter and of ptflops) —
 *   and one multiply per element for channelScale. Normalisations, activations, pooling
 *   and additions are not multiply-adds and count 0. Detail-preserving pooling (dpp)
 *   counts one per tap of its weighted sum (k² per channel and position of its
 *   pooling stage) plus, for Full-DPP, one per tap of its learned 3×3 guide filter
 *   (a depthwise convolution); its reward function, box guide and S3 sampling are
 *   not multiply-adds. One MAC is commonly quoted as
 *   2 FLOPs; "FLOPs" in the BlockQNN and NAS-Bench-201 papers mean MACs.
 * - activation memory: float32 bytes of every node's output at a batch size
 *   (the forward activations a training step keeps), plus the input.
 */
import { type CheckedIr, type Shape, pairOf } from './graph.js';
import { dppGeometry, dppParamsPerChannel } from './dpp-geometry.js';
import { DPP_FULL_GUIDE, INPUT_ID, type IrNode } from './ir.js';

export interface NodeCost {
  readonly id: string;
  readonly op: IrNode['op'];
  readonly outputShape: Shape;
  readonly params: number;
  readonly macs: number;
}

export interface NetworkCost {
  readonly params: number;
  readonly macs: number;
  /** Output elements per example summed over all nodes and the input. */
  readonly activationElements: number;
  readonly nodes: readonly NodeCost[];
}

const elements = (shape: Shape): number => shape.reduce((a, b) => a * b, 1);

function nodeCost(node: IrNode, input: Shape, output: Shape): { params: number; macs: number } {
  const channelsIn = input[input.length - 1]!;
  switch (node.op) {
    case 'conv2d': {
      const [kh, kw] = pairOf(node.kernel);
      const weights = kh * kw * (channelsIn / node.groups) * node.filters;
      const bias = node.bias ? node.filters : 0;
      return { params: weights + bias, macs: (weights + bias) * output[0]! * output[1]! };
    }
    case 'conv2dTranspose': {
      const [kh, kw] = pairOf(node.kernel);
      const weights = kh * kw * channelsIn * node.filters;
      const bias = node.bias ? node.filters : 0;
      return { params: weights + bias, macs: weights * input[0]! * input[1]! + bias * output[0]! * output[1]! };
    }
    case 'dense': {
      const weights = channelsIn * node.units;
      const bias = node.bias ? node.units : 0;
      return { params: weights + bias, macs: weights + bias };
    }
    case 'batchNorm':
    case 'instanceNorm':
      return { params: node.affine ? 2 * channelsIn : 0, macs: 0 };
    case 'channelScale':
      return { params: 0, macs: elements(output) };
    case 'dpp': {
      const [rows, cols] = dppGeometry(node, [input[0]!, input[1]!]);
      const guide = node.variant === 'full' ? DPP_FULL_GUIDE * DPP_FULL_GUIDE : 0;
      const taps = rows.kernel * cols.kernel + guide;
      return { params: dppParamsPerChannel(node) * channelsIn, macs: taps * channelsIn * rows.inner * cols.inner };
    }
    default:
      return { params: 0, macs: 0 };
  }
}

export function networkCost(checked: CheckedIr): NetworkCost {
  const { ir, shapes } = checked;
  const nodes: NodeCost[] = [];
  let params = 0;
  let macs = 0;
  let activationElements = elements(shapes.get(INPUT_ID)!);
  for (const node of ir.nodes) {
    const output = shapes.get(node.id)!;
    const cost = nodeCost(node, shapes.get(node.inputs[0]!)!, output);
    const ownParams = node.shareWeightsWith === undefined ? cost.params : 0;
    nodes.push({ id: node.id, op: node.op, outputShape: output, params: ownParams, macs: cost.macs });
    params += ownParams;
    macs += cost.macs;
    activationElements += elements(output);
  }
  return { params, macs, activationElements, nodes };
}

/** float32 bytes of forward activations for a batch. */
export function activationBytes(cost: NetworkCost, batchSize: number): number {
  return cost.activationElements * batchSize * 4;
}
