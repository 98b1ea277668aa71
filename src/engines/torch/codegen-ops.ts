/**
 * One IR node → the PyTorch code that computes it, with the IR's semantics
 * (PyTorch's own: explicit symmetric padding, count_include_pad, bilinear with
 * align_corners=False). Tensors are NCHW inside the module, so the IR's channel
 * axis (last) is dim 1 and `flatten` permutes to H, W, C before flattening.
 * Ops with parameters become submodules (so `shareWeightsWith` can reuse the
 * owner's); the rest are inline functional calls.
 */
import { InvalidArchitectureError } from '../../common/errors.js';
import type { IrNode, Shape } from '../../search-space/index.js';

export interface OpCode {
  /** Constructor of the submodule that holds the node's parameters, e.g. `nn.Conv2d(3, 16, 3, padding=1, bias=False)`. */
  module?: string;
  /** Python expression of the node's value from its inputs' names and its submodule (`self.name`, the owner's for a sharer). */
  forward(inputs: readonly string[], module: string): string;
}

type PairValue = number | readonly [number, number];

const isDefault = (v: PairValue, d: number): boolean => (typeof v === 'number' ? v === d : v[0] === d && v[1] === d);

/** `3` for a square value, `(1, 3)` otherwise. */
export function pyPair(v: PairValue): string {
  if (typeof v === 'number') return String(v);
  return v[0] === v[1] ? String(v[0]) : `(${v[0]}, ${v[1]})`;
}

/** A finite JS number as a Python literal (JS prints `1e-7`, `0.1`, `2`: all valid Python). */
export function pyNumber(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`cannot write ${x} as a Python literal`);
  return String(x);
}

/** Keyword arguments whose value differs from the PyTorch default, in order. */
function kwargs(entries: readonly [string, string, boolean][]): string {
  return entries.filter(([, , differs]) => differs).map(([k, v]) => `, ${k}=${v}`).join('');
}

const channelsOf = (shape: Shape): number => shape[shape.length - 1]!;

/** Code for `node`, given its input shapes (IR convention, channels-last, no batch axis). */
export function opCode(node: IrNode, inputShapes: readonly Shape[]): OpCode {
  const x = inputShapes[0]!;
  const unary = (f: (a: string) => string): OpCode => ({ forward: ([a]) => f(a!) });
  switch (node.op) {
    case 'conv2d':
      return {
        module: `nn.Conv2d(${channelsOf(x)}, ${node.filters}, ${pyPair(node.kernel)}${kwargs([
          ['stride', pyPair(node.stride), !isDefault(node.stride, 1)],
          ['padding', pyPair(node.padding), !isDefault(node.padding, 0)],
          ['dilation', pyPair(node.dilation), !isDefault(node.dilation, 1)],
          ['groups', String(node.groups), node.groups !== 1],
          ['bias', 'False', !node.bias],
        ])})`,
        forward: ([a], m) => `${m}(${a})`,
      };
    case 'conv2dTranspose':
      return {
        module: `nn.ConvTranspose2d(${channelsOf(x)}, ${node.filters}, ${pyPair(node.kernel)}${kwargs([
          ['stride', pyPair(node.stride), !isDefault(node.stride, 1)],
          ['padding', pyPair(node.padding), !isDefault(node.padding, 0)],
          ['output_padding', pyPair(node.outputPadding), !isDefault(node.outputPadding, 0)],
          ['bias', 'False', !node.bias],
        ])})`,
        forward: ([a], m) => `${m}(${a})`,
      };
    case 'maxPool': {
      // PyTorch pads max pooling with -inf, as the IR means.
      const args = `${pyPair(node.kernel)}, stride=${pyPair(node.stride ?? node.kernel)}${kwargs([['padding', pyPair(node.padding), !isDefault(node.padding, 0)]])}`;
      return unary((a) => `F.max_pool2d(${a}, ${args})`);
    }
    case 'avgPool': {
      const padded = !isDefault(node.padding, 0);
      const args = `${pyPair(node.kernel)}, stride=${pyPair(node.stride ?? node.kernel)}${kwargs([
        ['padding', pyPair(node.padding), padded],
        ['count_include_pad', 'False', padded && !node.countIncludePad],
      ])}`;
      return unary((a) => `F.avg_pool2d(${a}, ${args})`);
    }
    case 'globalAvgPool':
      return unary((a) => `${a}.mean(dim=(2, 3))`);
    case 'globalMaxPool':
      return unary((a) => `${a}.amax(dim=(2, 3))`);
    case 'batchNorm': {
      // The IR's momentum is PyTorch's (running = (1 - m)·running + m·batch).
      const cls = x.length === 3 ? 'nn.BatchNorm2d' : 'nn.BatchNorm1d';
      return {
        module: `${cls}(${channelsOf(x)}${kwargs([
          ['eps', pyNumber(node.epsilon), node.epsilon !== 1e-5],
          ['momentum', pyNumber(node.momentum), node.momentum !== 0.1],
          ['affine', 'False', !node.affine],
        ])})`,
        forward: ([a], m) => `${m}(${a})`,
      };
    }
    case 'instanceNorm':
      // No running statistics: instance statistics in training and evaluation alike.
      return {
        module: `nn.InstanceNorm2d(${channelsOf(x)}${kwargs([
          ['eps', pyNumber(node.epsilon), node.epsilon !== 1e-5],
          ['affine', 'True', node.affine],
        ])})`,
        forward: ([a], m) => `${m}(${a})`,
      };
    case 'relu':
      return unary((a) => `F.relu(${a})`);
    case 'leakyRelu':
      return unary((a) => `F.leaky_relu(${a}, ${pyNumber(node.alpha)})`);
    case 'sigmoid':
      return unary((a) => `torch.sigmoid(${a})`);
    case 'tanh':
      return unary((a) => `torch.tanh(${a})`);
    case 'add':
      return { forward: (inputs) => inputs.join(' + ') };
    case 'concat':
      return { forward: (inputs) => `torch.cat([${inputs.join(', ')}], dim=1)` };
    case 'channelScale':
      return { forward: ([a, s]) => `${a} * ${s}[:, :, None, None]` };
    case 'dense':
      return { module: `nn.Linear(${channelsOf(x)}, ${node.units}${kwargs([['bias', 'False', !node.bias]])})`, forward: ([a], m) => `${m}(${a})` };
    case 'flatten':
      // The IR flattens channels-last (H, W, C); NCHW must be permuted first.
      return unary((a) => (x.length === 3 ? `${a}.permute(0, 2, 3, 1).flatten(1)` : `${a}.flatten(1)`));
    case 'dropout':
      return unary((a) => `F.dropout(${a}, ${pyNumber(node.rate)}, self.training)`);
    case 'upsample':
      return unary((a) =>
        node.mode === 'nearest'
          ? `F.interpolate(${a}, scale_factor=${node.scale}, mode="nearest")`
          : `F.interpolate(${a}, scale_factor=${node.scale}, mode="bilinear", align_corners=False)`,
      );
    case 'zeros':
      return unary((a) => `torch.zeros_like(${a})`);
  }
}

/** Rejects the one sharing the IR allows but a PyTorch module cannot do: a batch norm applied to an image and to a vector. */
export function checkShareable(node: IrNode, ownerInput: Shape, input: Shape): void {
  if (node.op === 'batchNorm' && ownerInput.length !== input.length) {
    throw new InvalidArchitectureError(`node "${node.id}" shares a batch norm with "${node.shareWeightsWith}" across an image and a vector input, which PyTorch's BatchNorm1d/2d cannot do`, {
      hint: 'share batch norms only between inputs of the same rank',
      details: { node: node.id, rule: 'share-rank' },
    });
  }
}
