/**
 * Network Structure Code (NSC), the block encoding of BlockQNN:
 * Zhong et al., "Practical Block-wise Neural Network Architecture Generation",
 * CVPR 2018, Table 1.
 *
 * A block is a list of layers, each a 5-tuple (index, type, kernel, pred1, pred2).
 * Predecessor 0 is the block input. Layers that no other layer consumes are
 * concatenated into the block output. Exactly one terminal layer (type 7) closes
 * the block; it carries kernel 0 and predecessors 0, 0.
 *
 * Optional layer types, off by default so that the paper's space stays the default
 * (each must be enabled through `NscOptions.extraTypes`):
 * - 8 `se`: Squeeze-and-Excitation (Hu, Shen, Sun, CVPR 2018) of its predecessor,
 *   kernel 0, r = 16 with at least one hidden unit;
 * - 9 `dpp`: Detail-Preserving Pooling (Saeedan et al., CVPR 2018) of its
 *   predecessor, Lite-DPP with the symmetric reward over a 3×3 window, stride 1,
 *   padding 1, so it keeps the shape as the pool types do; kernel 3 (a 2×2
 *   window cannot keep the shape with the IR's symmetric padding).
 *
 * Text form: `(1,1,3,0,0)(2,5,0,1,0)(3,7,0,0,0)` — tuples in parentheses, with
 * optional commas, semicolons or whitespace between them. JSON form: an array of
 * `[index, type, kernel, pred1, pred2]` arrays or of `{index, type, kernel, pred1, pred2}`
 * objects.
 */
import { InvalidArchitectureError } from '../common/errors.js';

export const LayerType = {
  conv: 1,
  maxPool: 2,
  avgPool: 3,
  identity: 4,
  add: 5,
  concat: 6,
  terminal: 7,
  se: 8,
  dpp: 9,
} as const;
export type LayerType = (typeof LayerType)[keyof typeof LayerType];

export const LAYER_TYPE_NAMES: Readonly<Record<LayerType, string>> = {
  1: 'conv',
  2: 'max_pool',
  3: 'avg_pool',
  4: 'identity',
  5: 'add',
  6: 'concat',
  7: 'terminal',
  8: 'se',
  9: 'dpp',
};

/** The optional layer types by the names users enable them with (`--nsc-types se,dpp`). */
export const EXTRA_LAYER_TYPES = { se: LayerType.se, dpp: LayerType.dpp } as const;
export type ExtraLayerType = keyof typeof EXTRA_LAYER_TYPES;
export const EXTRA_LAYER_TYPE_NAMES = Object.keys(EXTRA_LAYER_TYPES) as ExtraLayerType[];

/** Kernel sizes each type accepts (the paper's search space). */
export const ALLOWED_KERNELS: Readonly<Record<LayerType, readonly number[]>> = {
  1: [1, 3, 5],
  2: [1, 3],
  3: [1, 3],
  4: [0],
  5: [0],
  6: [0],
  7: [0],
  8: [0],
  9: [3],
};

/** The paper's maximum layer index. */
export const DEFAULT_MAX_INDEX = 23;

export interface NscLayer {
  readonly index: number;
  readonly type: LayerType;
  readonly kernel: number;
  readonly pred1: number;
  readonly pred2: number;
}

export type NscBlock = readonly NscLayer[];

export interface NscOptions {
  /** Largest layer index allowed (and so the largest number of layers). Default 23. */
  maxIndex?: number;
  /** Optional layer types the grammar accepts besides types 1-7; none by default (the paper's space). */
  extraTypes?: readonly ExtraLayerType[];
}

/** Number of inputs a layer type consumes. */
export function arity(type: LayerType): 0 | 1 | 2 {
  if (type === LayerType.terminal) return 0;
  return type === LayerType.add || type === LayerType.concat ? 2 : 1;
}

export function isLayerType(value: number): value is LayerType {
  return Number.isInteger(value) && value >= 1 && value <= 9;
}

function fail(message: string, layer: NscLayer | undefined, rule: string): never {
  const where = layer ? `layer ${layer.index} ${tupleText(layer)}: ` : '';
  throw new InvalidArchitectureError(`invalid NSC block: ${where}${message}`, {
    details: { rule, ...(layer ? { layer: layer.index, tuple: tupleArray(layer) } : {}) },
    hint: 'an NSC layer is (index, type, kernel, pred1, pred2); types 1 conv(k 1/3/5), 2 max pool(k 1/3), 3 avg pool(k 1/3), 4 identity, 5 add, 6 concat, 7 terminal; optional when enabled: 8 se(k 0), 9 dpp(k 3)',
  });
}

/**
 * Checks every rule of the grammar and returns the layers sorted by index.
 * Throws InvalidArchitectureError naming the layer and the broken rule.
 */
export function validateBlock(layers: readonly NscLayer[], options: NscOptions = {}): NscBlock {
  const maxIndex = options.maxIndex ?? DEFAULT_MAX_INDEX;
  if (!Number.isInteger(maxIndex) || maxIndex < 2) {
    fail(`maxIndex must be an integer >= 2, got ${maxIndex}`, undefined, 'max-index');
  }
  if (layers.length === 0) fail('the block has no layers', undefined, 'empty');
  if (layers.length > maxIndex) {
    fail(`the block has ${layers.length} layers, more than the maximum index ${maxIndex}`, undefined, 'oversize');
  }
  const seen = new Set<number>();
  for (const layer of layers) {
    for (const field of ['index', 'type', 'kernel', 'pred1', 'pred2'] as const) {
      if (!Number.isInteger(layer[field])) fail(`${field} must be an integer, got ${String(layer[field])}`, layer, 'integer');
    }
    if (layer.index < 1) fail(`index must be >= 1 (0 is the block input), got ${layer.index}`, layer, 'index-range');
    if (layer.index > maxIndex) fail(`index ${layer.index} exceeds the maximum index ${maxIndex}`, layer, 'oversize');
    if (seen.has(layer.index)) fail(`duplicate index ${layer.index}`, layer, 'duplicate-index');
    seen.add(layer.index);
  }
  const sorted = [...layers].sort((a, b) => a.index - b.index);
  const terminals = sorted.filter((l) => l.type === LayerType.terminal);
  if (terminals.length === 0) fail('missing terminal layer (type 7)', undefined, 'missing-terminal');
  if (terminals.length > 1)
    fail(`more than one terminal layer (indices ${terminals.map((t) => t.index).join(', ')})`, terminals[1], 'multiple-terminals');
  const terminal = terminals[0]!;
  if (terminal !== sorted[sorted.length - 1]) fail('the terminal layer must have the largest index', terminal, 'terminal-last');
  if (sorted.length < 2) fail('the block has only a terminal layer; it needs at least one layer before it', terminal, 'empty');

  const extras = new Set<number>(
    (options.extraTypes ?? []).map((name) => {
      if (!Object.hasOwn(EXTRA_LAYER_TYPES, name))
        fail(
          `unknown optional layer type "${String(name)}" (valid: ${EXTRA_LAYER_TYPE_NAMES.join(', ')})`,
          undefined,
          'unknown-extra-type',
        );
      return EXTRA_LAYER_TYPES[name];
    }),
  );
  for (const layer of sorted) {
    if (!isLayerType(layer.type)) fail(`unknown type ${layer.type} (valid: 1-7, and 8 se, 9 dpp when enabled)`, layer, 'unknown-type');
    if (layer.type > LayerType.terminal && !extras.has(layer.type)) {
      const name = LAYER_TYPE_NAMES[layer.type];
      throw new InvalidArchitectureError(
        `invalid NSC block: layer ${layer.index} ${tupleText(layer)}: type ${layer.type} (${name}) is an optional layer type and is not enabled`,
        {
          details: { rule: 'disabled-type', layer: layer.index, tuple: tupleArray(layer) },
          hint: `enable it with the search option nscTypes: ["${name}"] (blockqnn search --nsc-types ${name}; blockqnn inspect --nsc-types ${name})`,
        },
      );
    }
    const kernels = ALLOWED_KERNELS[layer.type];
    if (!kernels.includes(layer.kernel)) {
      fail(
        `kernel ${layer.kernel} is not allowed for ${LAYER_TYPE_NAMES[layer.type]} (allowed: ${kernels.join(', ')})`,
        layer,
        'bad-kernel',
      );
    }
    const n = arity(layer.type);
    if (n === 0) {
      if (layer.pred1 !== 0 || layer.pred2 !== 0) fail('the terminal layer takes no predecessors (write 0, 0)', layer, 'arity');
      continue;
    }
    for (const [name, pred] of [
      ['pred1', layer.pred1],
      ['pred2', layer.pred2],
    ] as const) {
      if (n === 1 && name === 'pred2') continue;
      if (pred < 0) fail(`${name} ${pred} is negative`, layer, 'index-range');
      if (pred === layer.index) fail(`${name} refers to the layer itself`, layer, 'self-reference');
      if (pred > layer.index) fail(`${name} ${pred} refers forward to a later layer`, layer, 'forward-reference');
      if (pred !== 0 && !seen.has(pred)) fail(`${name} ${pred} refers to a layer that does not exist`, layer, 'missing-predecessor');
      if (pred === terminal.index) fail(`${name} refers to the terminal layer`, layer, 'terminal-reference');
    }
    if (n === 1 && layer.pred2 !== 0) {
      fail(`${LAYER_TYPE_NAMES[layer.type]} takes one predecessor; pred2 must be 0, got ${layer.pred2}`, layer, 'arity');
    }
    if (n === 2 && layer.pred1 === layer.pred2) {
      fail(`${LAYER_TYPE_NAMES[layer.type]} needs two distinct predecessors, got ${layer.pred1} twice`, layer, 'arity');
    }
  }
  return sorted;
}

export function tupleArray(layer: NscLayer): [number, number, number, number, number] {
  return [layer.index, layer.type, layer.kernel, layer.pred1, layer.pred2];
}

function tupleText(layer: NscLayer): string {
  return `(${tupleArray(layer).join(',')})`;
}

function layerFromArray(values: readonly unknown[], position: string): NscLayer {
  if (values.length !== 5) {
    throw new InvalidArchitectureError(
      `invalid NSC block: ${position} has ${values.length} numbers; a layer is (index, type, kernel, pred1, pred2)`,
      {
        details: { rule: 'tuple-length' },
      },
    );
  }
  const numbers = values.map((v, i) => {
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    if (!Number.isInteger(n)) {
      throw new InvalidArchitectureError(
        `invalid NSC block: ${position} field ${['index', 'type', 'kernel', 'pred1', 'pred2'][i]} is ${JSON.stringify(v)}, not an integer`,
        {
          details: { rule: 'integer' },
        },
      );
    }
    // "-0" is the integer 0; keep it from printing or comparing as another value.
    return n === 0 ? 0 : n;
  });
  const [index, type, kernel, pred1, pred2] = numbers as [number, number, number, number, number];
  return { index, type: type as LayerType, kernel, pred1, pred2 };
}

/** Parses the compact text form and validates it. */
export function parseNsc(text: string, options: NscOptions = {}): NscBlock {
  const trimmed = text.trim();
  if (trimmed === '') throw new InvalidArchitectureError('invalid NSC block: the text is empty', { details: { rule: 'empty' } });
  if (trimmed.startsWith('[')) return nscFromJson(parseJsonText(trimmed), options);
  const layers: NscLayer[] = [];
  const tuple = /\(([^()]*)\)/g;
  let last = 0;
  for (let match = tuple.exec(trimmed); match; match = tuple.exec(trimmed)) {
    const between = trimmed.slice(last, match.index);
    if (!/^[\s,;]*$/.test(between)) {
      throw new InvalidArchitectureError(
        `invalid NSC text: unexpected ${JSON.stringify(between.trim())} before tuple ${layers.length + 1}`,
        {
          details: { rule: 'syntax', offset: last },
          hint: 'write layers as (index,type,kernel,pred1,pred2) tuples, e.g. (1,1,3,0,0)(2,7,0,0,0)',
        },
      );
    }
    layers.push(layerFromArray(match[1]!.split(','), `tuple ${layers.length + 1}`));
    last = match.index + match[0].length;
  }
  const rest = trimmed.slice(last);
  if (!/^[\s,;]*$/.test(rest) || layers.length === 0) {
    throw new InvalidArchitectureError(`invalid NSC text: unexpected ${JSON.stringify(rest.trim().slice(0, 40))}`, {
      details: { rule: 'syntax', offset: last },
      hint: 'write layers as (index,type,kernel,pred1,pred2) tuples, e.g. (1,1,3,0,0)(2,7,0,0,0)',
    });
  }
  return validateBlock(layers, options);
}

function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidArchitectureError(`invalid NSC JSON: ${(error as Error).message}`, { details: { rule: 'syntax' } });
  }
}

/** Accepts `[[i,t,k,p1,p2], ...]` or `[{index,type,kernel,pred1,pred2}, ...]`. */
export function nscFromJson(value: unknown, options: NscOptions = {}): NscBlock {
  if (!Array.isArray(value)) {
    throw new InvalidArchitectureError('invalid NSC JSON: expected an array of layers', { details: { rule: 'syntax' } });
  }
  const layers = value.map((item: unknown, i) => {
    if (Array.isArray(item)) return layerFromArray(item, `layer ${i + 1}`);
    if (item && typeof item === 'object') {
      const o = item as Record<string, unknown>;
      return layerFromArray([o.index, o.type, o.kernel, o.pred1, o.pred2], `layer ${i + 1}`);
    }
    throw new InvalidArchitectureError(`invalid NSC JSON: layer ${i + 1} is neither an array nor an object`, {
      details: { rule: 'syntax' },
    });
  });
  return validateBlock(layers, options);
}

export function printNsc(block: NscBlock): string {
  return block.map(tupleText).join('');
}

export function nscToJson(block: NscBlock): number[][] {
  return block.map(tupleArray);
}

/** Predecessors a layer actually reads (0 = block input). */
export function inputsOf(layer: NscLayer): number[] {
  const n = arity(layer.type);
  return n === 0 ? [] : n === 1 ? [layer.pred1] : [layer.pred1, layer.pred2];
}

/** Non-terminal layers that no layer consumes: they are concatenated into the block output. */
export function outputLayers(block: NscBlock): NscLayer[] {
  const consumed = new Set<number>();
  for (const layer of block) for (const p of inputsOf(layer)) consumed.add(p);
  return block.filter((l) => l.type !== LayerType.terminal && !consumed.has(l.index));
}

/**
 * Density of the block DAG = edges / nodes, where
 * - nodes: the block input, every non-terminal layer, and the output (the terminal);
 * - edges: one per predecessor a layer reads (1 for conv/pool/identity, 2 for add/concat),
 *   plus one from each output layer (no successor) to the terminal.
 * A chain of k layers has density (k + 1) / (k + 2); branching raises it.
 */
export function density(block: NscBlock): number {
  const layers = block.filter((l) => l.type !== LayerType.terminal);
  const edges = layers.reduce((sum, l) => sum + inputsOf(l).length, 0) + outputLayers(block).length;
  const nodes = layers.length + 2;
  return edges / nodes;
}
