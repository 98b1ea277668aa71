/**
 * One IR node → the tfjs layer(s) that compute it, with PyTorch semantics
 * (the IR's convention). Built-in tfjs layers are used wherever they are exact;
 * the custom layers cover the rest (see layers-*.ts for why each exists).
 */
import type { SymbolicTensor, layers as tfLayers } from '@tensorflow/tfjs';
import type { IrNode, IrNodeOf, Shape } from '../../search-space/index.js';
import type { Tfjs } from './backend.js';
import type { CustomLayers } from './custom-layers.js';
import { pairOf, sameMatches } from './geometry.js';

type Layer = tfLayers.Layer;

export interface NodeContext {
  readonly tf: Tfjs;
  readonly custom: CustomLayers;
  readonly inputs: readonly SymbolicTensor[];
  readonly inputShapes: readonly Shape[];
  /** Name of the node's main layer. */
  readonly name: string;
  /** Claims a unique name for a helper layer of this node (padding, reshape...). */
  readonly auxName: (suffix: string) => string;
  /** The owner's parameterised layer when this node has shareWeightsWith. */
  readonly shared: Layer | undefined;
  /**
   * The node's parameterised layer is or may be applied to other inputs (weight
   * sharing), so its configuration must not depend on this input's size: padding is
   * then always explicit instead of an equivalent "same".
   */
  readonly sizeIndependent: boolean;
  /** Seed of the node's random initialisers (the job's seed mixed with the layer name); absent: unseeded. */
  readonly seed: number | undefined;
}

export interface NodeLayers {
  readonly output: SymbolicTensor;
  /** The layer holding the node's parameters, if it has any. */
  readonly weights?: Layer;
}

const apply = (layer: Layer, x: SymbolicTensor | SymbolicTensor[]): SymbolicTensor => layer.apply(x) as SymbolicTensor;

/** tfjs's default Glorot-uniform initialiser for `key`, seeded when the context has a seed (else the default, unseeded). */
const glorot = <K extends string>(ctx: NodeContext, key: K): Partial<Record<K, ReturnType<Tfjs['initializers']['glorotUniform']>>> =>
  (ctx.seed === undefined ? {} : { [key]: ctx.tf.initializers.glorotUniform({ seed: ctx.seed }) }) as Partial<
    Record<K, ReturnType<Tfjs['initializers']['glorotUniform']>>
  >;

function padLayer(ctx: NodeContext, p: [number, number]): Layer {
  return ctx.tf.layers.zeroPadding2d({
    padding: [
      [p[0], p[0]],
      [p[1], p[1]],
    ],
    name: ctx.auxName('pad'),
  });
}

function conv2d(ctx: NodeContext, node: IrNodeOf<'conv2d'>): NodeLayers {
  const { tf, custom } = ctx;
  const [h, w, channels] = ctx.inputShapes[0] as [number, number, number];
  const [k, s, p, d] = [pairOf(node.kernel), pairOf(node.stride), pairOf(node.padding), pairOf(node.dilation)];
  // tfjs's Conv2D/DepthwiseConv2D cannot train dilated kernels (no gradient) and have
  // no groups between 1 and the channel count: those run as TorchConv2D.
  const builtIn = d[0] === 1 && d[1] === 1 && (node.groups === 1 || node.groups === channels);
  let x = ctx.inputs[0]!;
  let padding: 'same' | 'valid' = 'valid';
  if (p[0] > 0 || p[1] > 0) {
    const same = builtIn && !ctx.sizeIndependent && sameMatches(h, k[0], s[0], p[0]) && sameMatches(w, k[1], s[1], p[1]);
    if (same) padding = 'same';
    else x = apply(padLayer(ctx, p), x);
  }
  const make = (): Layer => {
    const common = { kernelSize: k, strides: s, useBias: node.bias, name: ctx.name };
    if (!builtIn) return new custom.TorchConv2D({ ...common, filters: node.filters, dilationRate: d, groups: node.groups, seed: ctx.seed });
    if (node.groups === 1) return tf.layers.conv2d({ ...common, padding, filters: node.filters, ...glorot(ctx, 'kernelInitializer') });
    return tf.layers.depthwiseConv2d({
      ...common,
      padding,
      depthMultiplier: node.filters / channels,
      ...glorot(ctx, 'depthwiseInitializer'),
    });
  };
  const layer = ctx.shared ?? make();
  return { output: apply(layer, x), weights: layer };
}

function conv2dTranspose(ctx: NodeContext, node: IrNodeOf<'conv2dTranspose'>): NodeLayers {
  const layer =
    ctx.shared ??
    new ctx.custom.TorchConv2DTranspose({
      filters: node.filters,
      kernelSize: pairOf(node.kernel),
      strides: pairOf(node.stride),
      padding: pairOf(node.padding),
      outputPadding: pairOf(node.outputPadding),
      useBias: node.bias,
      name: ctx.name,
      seed: ctx.seed,
    });
  return { output: apply(layer, ctx.inputs[0]!), weights: layer };
}

function pool(ctx: NodeContext, node: IrNodeOf<'maxPool'> | IrNodeOf<'avgPool'>): SymbolicTensor {
  const { tf } = ctx;
  const [h, w] = ctx.inputShapes[0] as [number, number, number];
  const [k, s, p] = [pairOf(node.kernel), pairOf(node.stride ?? node.kernel), pairOf(node.padding)];
  const builtIn = node.op === 'maxPool' ? tf.layers.maxPooling2d : tf.layers.averagePooling2d;
  let x = ctx.inputs[0]!;
  if (p[0] === 0 && p[1] === 0) return apply(builtIn({ poolSize: k, strides: s, padding: 'valid', name: ctx.name }), x);
  if (node.op === 'maxPool' && sameMatches(h, k[0], s[0], p[0]) && sameMatches(w, k[1], s[1], p[1])) {
    return apply(builtIn({ poolSize: k, strides: s, padding: 'same', name: ctx.name }), x);
  }
  if (node.op === 'avgPool' && node.countIncludePad) {
    x = apply(padLayer(ctx, p), x);
    return apply(builtIn({ poolSize: k, strides: s, padding: 'valid', name: ctx.name }), x);
  }
  const countIncludePad = node.op === 'avgPool' ? node.countIncludePad : false;
  const mode = node.op === 'maxPool' ? 'max' : 'avg';
  return apply(new ctx.custom.TorchPool2D({ mode, poolSize: k, strides: s, padding: p, countIncludePad, name: ctx.name }), x);
}

/** Builds the layers of one node on its (already compiled) inputs. */
export function buildNode(ctx: NodeContext, node: IrNode): NodeLayers {
  const { tf, custom, name } = ctx;
  const x = ctx.inputs[0]!;
  const weighted = (make: () => Layer, inputs: SymbolicTensor | SymbolicTensor[] = x): NodeLayers => {
    const layer = ctx.shared ?? make();
    return { output: apply(layer, inputs), weights: layer };
  };
  const plain = (layer: Layer, inputs: SymbolicTensor | SymbolicTensor[] = x): NodeLayers => ({ output: apply(layer, inputs) });
  switch (node.op) {
    case 'conv2d':
      return conv2d(ctx, node);
    case 'conv2dTranspose':
      return conv2dTranspose(ctx, node);
    case 'maxPool':
    case 'avgPool':
      return { output: pool(ctx, node) };
    case 'globalAvgPool':
      return plain(tf.layers.globalAveragePooling2d({ name }));
    case 'globalMaxPool':
      return plain(tf.layers.globalMaxPooling2d({ name }));
    case 'batchNorm':
      // PyTorch updates running = (1-m)·running + m·batch, tfjs running = m·running + (1-m)·batch.
      // Without affine, gamma = 1 and beta = 0 are frozen: tfjs's BatchNormalization
      // cannot train without them (it reads them unconditionally), and a layer with
      // trainable = false still normalises with batch statistics while training.
      return weighted(() =>
        tf.layers.batchNormalization({ axis: -1, momentum: 1 - node.momentum, epsilon: node.epsilon, trainable: node.affine, name }),
      );
    case 'instanceNorm':
      return weighted(() => new custom.InstanceNorm({ epsilon: node.epsilon, affine: node.affine, name }));
    case 'relu':
      return plain(tf.layers.reLU({ name }));
    case 'leakyRelu':
      return plain(tf.layers.leakyReLU({ alpha: node.alpha, name }));
    case 'sigmoid':
    case 'tanh':
      return plain(tf.layers.activation({ activation: node.op, name }));
    case 'add':
      return plain(tf.layers.add({ name }), [...ctx.inputs]);
    case 'concat':
      return plain(tf.layers.concatenate({ axis: -1, name }), [...ctx.inputs]);
    case 'channelScale': {
      // The [C] scale becomes [1, 1, C] and broadcasts over H and W.
      const channels = ctx.inputShapes[1]![0]!;
      const scale = apply(tf.layers.reshape({ targetShape: [1, 1, channels], name: ctx.auxName('reshape') }), ctx.inputs[1]!);
      return plain(tf.layers.multiply({ name }), [x, scale]);
    }
    case 'dense':
      return weighted(() => tf.layers.dense({ units: node.units, useBias: node.bias, name, ...glorot(ctx, 'kernelInitializer') }));
    case 'flatten': {
      const shape = ctx.inputShapes[0]!;
      // Channels-last order (H, W, C), as the IR's tensors; tfjs's Flatten needs rank ≥ 2.
      if (shape.length > 1) return plain(tf.layers.flatten({ name }));
      return plain(tf.layers.reshape({ targetShape: [shape[0]!], name }));
    }
    case 'dropout':
      return plain(tf.layers.dropout({ rate: node.rate, name }));
    case 'upsample':
      if (node.mode === 'nearest') return plain(tf.layers.upSampling2d({ size: [node.scale, node.scale], interpolation: 'nearest', name }));
      return plain(new custom.BilinearUpsample2D({ scale: node.scale, name }));
    case 'zeros':
      return plain(new custom.ZerosLike({ name }));
    case 'channelSlice':
      return plain(new custom.ChannelSlice({ start: node.start, size: node.size, name }));
    case 'dpp':
      return weighted(
        () =>
          new custom.DetailPreservingPool2D({
            poolSize: pairOf(node.kernel),
            strides: pairOf(node.stride ?? node.kernel),
            padding: pairOf(node.padding),
            variant: node.variant,
            reward: node.reward,
            sampling: node.sampling,
            epsilon: node.epsilon,
            name,
          }),
      );
  }
}
