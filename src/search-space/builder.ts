/**
 * A small helper for writing IR graphs in code: each method appends one node
 * with every attribute filled in and returns its id. Block assembly, the
 * NAS-Bench-201 network and the hand-designed baselines are all written with it.
 *
 * @example
 * const b = new IrBuilder('tiny', [28, 28, 1]);
 * let x = b.conv(INPUT_ID, { filters: 8, kernel: 3, padding: 1 });
 * x = b.dense(b.globalAvgPool(b.relu(x)), { units: 10 });
 * const checked = b.build(x); // validated, shapes inferred
 */
import { checkIr, inferShape, type CheckedIr, type Shape } from './graph.js';
import { INPUT_ID, type IrNode, type IrNodeOf, type NetworkIr } from './ir.js';

type Pair = number | [number, number];

export interface ConvOptions {
  filters: number;
  kernel: Pair;
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
  bias?: boolean;
  shareWeightsWith?: string;
}

export interface PoolOptions {
  kernel: Pair;
  stride?: Pair;
  padding?: Pair;
}

export class IrBuilder {
  private readonly nodes: IrNode[] = [];
  private readonly shapes = new Map<string, Shape>();
  private scopes: string[] = [];

  constructor(
    private readonly name: string,
    private readonly inputShape: [number, number, number],
  ) {}

  /** Runs `body` with ids prefixed by `scope/`, so repeated blocks get readable, unique ids. */
  scoped<T>(scope: string, body: () => T): T {
    this.scopes.push(scope);
    try {
      return body();
    } finally {
      this.scopes.pop();
    }
  }

  private push<N extends IrNode>(suffix: string, node: Omit<N, 'id'>): string {
    const base = [...this.scopes, suffix].join('/');
    let id = base;
    for (let i = 2; this.shapes.has(id); i++) id = `${base}_${i}`;
    const full = { ...node, id } as IrNode;
    // Shapes are inferred as the graph grows so a builder fails at the line that is wrong.
    this.shapes.set(
      id,
      inferShape(
        full,
        full.inputs.map((input) => this.shapeOf(input)),
      ),
    );
    this.nodes.push(full);
    return id;
  }

  conv(input: string, o: ConvOptions, suffix = 'conv'): string {
    return this.push<IrNodeOf<'conv2d'>>(suffix, {
      op: 'conv2d',
      inputs: [input],
      filters: o.filters,
      kernel: o.kernel,
      stride: o.stride ?? 1,
      padding: o.padding ?? 0,
      dilation: o.dilation ?? 1,
      groups: o.groups ?? 1,
      bias: o.bias ?? false,
      ...(o.shareWeightsWith ? { shareWeightsWith: o.shareWeightsWith } : {}),
    });
  }

  convTranspose(
    input: string,
    o: { filters: number; kernel: Pair; stride?: Pair; padding?: Pair; outputPadding?: Pair; bias?: boolean },
    suffix = 'deconv',
  ): string {
    return this.push<IrNodeOf<'conv2dTranspose'>>(suffix, {
      op: 'conv2dTranspose',
      inputs: [input],
      filters: o.filters,
      kernel: o.kernel,
      stride: o.stride ?? 1,
      padding: o.padding ?? 0,
      outputPadding: o.outputPadding ?? 0,
      bias: o.bias ?? false,
    });
  }

  maxPool(input: string, o: PoolOptions, suffix = 'maxpool'): string {
    return this.push<IrNodeOf<'maxPool'>>(suffix, {
      op: 'maxPool',
      inputs: [input],
      kernel: o.kernel,
      stride: o.stride ?? o.kernel,
      padding: o.padding ?? 0,
    });
  }

  avgPool(input: string, o: PoolOptions & { countIncludePad?: boolean }, suffix = 'avgpool'): string {
    return this.push<IrNodeOf<'avgPool'>>(suffix, {
      op: 'avgPool',
      inputs: [input],
      kernel: o.kernel,
      stride: o.stride ?? o.kernel,
      padding: o.padding ?? 0,
      countIncludePad: o.countIncludePad ?? true,
    });
  }

  /** Detail-preserving pooling; defaults: stride = kernel, no padding, Lite-DPP, symmetric reward, no S3 sampling, ε = 10⁻³. */
  dpp(
    input: string,
    o: PoolOptions & { variant?: 'lite' | 'full'; reward?: 'sym' | 'asym'; sampling?: 'none' | 's3'; epsilon?: number },
    suffix = 'dpp',
  ): string {
    return this.push<IrNodeOf<'dpp'>>(suffix, {
      op: 'dpp',
      inputs: [input],
      kernel: o.kernel,
      stride: o.stride ?? o.kernel,
      padding: o.padding ?? 0,
      variant: o.variant ?? 'lite',
      reward: o.reward ?? 'sym',
      sampling: o.sampling ?? 'none',
      epsilon: o.epsilon ?? 1e-3,
    });
  }

  globalAvgPool(input: string, suffix = 'gap'): string {
    return this.push(suffix, { op: 'globalAvgPool', inputs: [input] });
  }

  batchNorm(input: string, o: { epsilon?: number; momentum?: number; affine?: boolean } = {}, suffix = 'bn'): string {
    return this.push<IrNodeOf<'batchNorm'>>(suffix, {
      op: 'batchNorm',
      inputs: [input],
      epsilon: o.epsilon ?? 1e-5,
      momentum: o.momentum ?? 0.1,
      affine: o.affine ?? true,
    });
  }

  instanceNorm(input: string, o: { epsilon?: number; affine?: boolean } = {}, suffix = 'in'): string {
    return this.push<IrNodeOf<'instanceNorm'>>(suffix, {
      op: 'instanceNorm',
      inputs: [input],
      epsilon: o.epsilon ?? 1e-5,
      affine: o.affine ?? true,
    });
  }

  relu(input: string, suffix = 'relu'): string {
    return this.push(suffix, { op: 'relu', inputs: [input] });
  }

  leakyRelu(input: string, alpha = 0.2, suffix = 'lrelu'): string {
    return this.push<IrNodeOf<'leakyRelu'>>(suffix, { op: 'leakyRelu', inputs: [input], alpha });
  }

  sigmoid(input: string, suffix = 'sigmoid'): string {
    return this.push(suffix, { op: 'sigmoid', inputs: [input] });
  }

  tanh(input: string, suffix = 'tanh'): string {
    return this.push(suffix, { op: 'tanh', inputs: [input] });
  }

  add(inputs: string[], suffix = 'add'): string {
    return this.push(suffix, { op: 'add', inputs });
  }

  concat(inputs: string[], suffix = 'concat'): string {
    return this.push(suffix, { op: 'concat', inputs });
  }

  channelScale(input: string, scale: string, suffix = 'scale'): string {
    return this.push(suffix, { op: 'channelScale', inputs: [input, scale] });
  }

  dense(input: string, o: { units: number; bias?: boolean }, suffix = 'fc'): string {
    return this.push<IrNodeOf<'dense'>>(suffix, { op: 'dense', inputs: [input], units: o.units, bias: o.bias ?? true });
  }

  flatten(input: string, suffix = 'flatten'): string {
    return this.push(suffix, { op: 'flatten', inputs: [input] });
  }

  dropout(input: string, rate: number, suffix = 'dropout'): string {
    return this.push<IrNodeOf<'dropout'>>(suffix, { op: 'dropout', inputs: [input], rate });
  }

  upsample(input: string, scale: number, mode: 'nearest' | 'bilinear' = 'nearest', suffix = 'upsample'): string {
    return this.push<IrNodeOf<'upsample'>>(suffix, { op: 'upsample', inputs: [input], scale, mode });
  }

  zeros(input: string, suffix = 'zeros'): string {
    return this.push(suffix, { op: 'zeros', inputs: [input] });
  }

  /** Channels [start, start + size) of `input`. */
  channelSlice(input: string, start: number, size: number, suffix = 'slice'): string {
    return this.push<IrNodeOf<'channelSlice'>>(suffix, { op: 'channelSlice', inputs: [input], start, size });
  }

  /** Shape of the network input or of a node built so far. */
  shapeOf(id: string): Shape {
    const shape = id === INPUT_ID ? this.inputShape : this.shapes.get(id);
    if (!shape) throw new Error(`IrBuilder: unknown node "${id}"`);
    return shape;
  }

  /** Channels (last axis) of a node built so far. */
  channelsOf(id: string): number {
    return this.shapeOf(id).at(-1)!;
  }

  toIr(output: string): NetworkIr {
    return { format: 'blockqnn-ir', version: 1, name: this.name, input: { shape: this.inputShape }, nodes: [...this.nodes], output };
  }

  build(output: string): CheckedIr {
    return checkIr(this.toIr(output));
  }
}
