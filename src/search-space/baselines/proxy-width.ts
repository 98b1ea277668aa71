/**
 * The proxy-width knob for baselines: every layer width of a built network
 * multiplied by one factor, the classifier and the input left alone. The
 * early-stop proxy trains candidates of a few thousand parameters in seconds;
 * a CIFAR configuration such as CliqueNet k = 36, T = 12 (0.9 GFLOPs) does not
 * fit that budget, and a width factor of 1/4 cuts its cost about 16-fold while
 * keeping its topology (depth, aggregation, attention, sharing) intact. It works
 * on the IR, so every family (and any registered later) gets it without a
 * branch in its builder, and the paper configurations stay what their names say.
 *
 * Widths are the ones the IR spells out: conv filters and dense units; the rest
 * (pools, concat, SE scales, zero-padding shortcuts) follows from the shapes.
 * A width that the factor does not turn into a whole number is an error, not a
 * rounding: rounding each layer on its own would break the layers that must
 * agree (an SE block's excitation and its channels, concatenated widths). Widths
 * the factor takes below one channel become one (an SE squeeze of 16 channels
 * with r = 16 stays 1 unit at width 1/4, so its reduction becomes 4).
 */
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import { checkIr, type CheckedIr } from '../graph.js';
import { INPUT_ID, type IrNode, type NetworkIr } from '../ir.js';

/** Ops that pass a single input through without changing its width: the classifier is found behind them. */
const PASS_THROUGH = new Set([
  'flatten',
  'dropout',
  'relu',
  'leakyRelu',
  'sigmoid',
  'tanh',
  'batchNorm',
  'instanceNorm',
  'globalAvgPool',
  'globalMaxPool',
  'avgPool',
  'maxPool',
  'upsample',
]);

function classifierOf(ir: NetworkIr): string | undefined {
  const byId = new Map(ir.nodes.map((n) => [n.id, n]));
  let node = byId.get(ir.output);
  while (node && PASS_THROUGH.has(node.op) && node.inputs.length === 1) node = byId.get(node.inputs[0]!);
  return node && (node.op === 'dense' || node.op === 'conv2d') ? node.id : undefined;
}

/**
 * Returns the network with every width (but the classifier's) multiplied by `factor`; `name` labels errors.
 * `round` rounds each width to the nearest whole channel instead of refusing a fraction: layers of one width
 * stay of one width (the rounding is a function of the width), and the IR check refuses a network whose
 * widths then disagree. It is for matching a cost (bench claim), where exact multiples are too coarse.
 */
export function scaleWidth(checked: CheckedIr, factor: number, name: string, options: { round?: boolean } = {}): CheckedIr {
  if (!(Number.isFinite(factor) && factor > 0)) {
    throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `baseline width must be a positive number, got ${factor}`, {
      hint: 'use 1 for the paper widths, 0.5 or 0.25 for the cheap proxy',
    });
  }
  if (factor === 1) return checked;
  const classifier = classifierOf(checked.ir);
  const channels = (id: string): number => (id === INPUT_ID ? checked.ir.input.shape[2]! : checked.shapes.get(id)!.at(-1)!);
  const scale = (node: IrNode, what: string, value: number): number => {
    const scaled = value * factor;
    // Nothing is thinner than one channel: an SE squeeze of 1 unit stays 1 (its reduction shrinks with the width).
    if (scaled < 1) return 1;
    if (options.round) return Math.max(1, Math.round(scaled));
    if (Math.abs(scaled - Math.round(scaled)) > 1e-9) {
      throw new BlockqnnError(
        ErrorCode.INVALID_CONFIG,
        `baseline ${name}: width ${factor} turns the ${value} ${what} of node ${node.id} into ${+scaled.toFixed(4)}, not a whole number of channels`,
        {
          hint: 'choose a width whose multiples of every layer width are whole (e.g. 0.5 or 0.25 for most CIFAR configurations), or 1 for the paper widths',
          details: { baseline: name, node: node.id, width: factor, value },
        },
      );
    }
    return Math.round(scaled);
  };
  const nodes = checked.ir.nodes.map((node): IrNode => {
    if (node.id === classifier) return node;
    if (node.op === 'dense') return { ...node, units: scale(node, 'units', node.units) };
    if (node.op === 'conv2dTranspose') return { ...node, filters: scale(node, 'filters', node.filters) };
    if (node.op === 'conv2d') {
      const inChannels = channels(node.inputs[0]!);
      // A depthwise conv (one group per input channel) stays depthwise; other groupings keep their count.
      const groups = node.groups > 1 && node.groups === inChannels ? scale(node, 'groups', node.groups) : node.groups;
      return { ...node, filters: scale(node, 'filters', node.filters), groups };
    }
    return node;
  });
  try {
    return checkIr({ ...checked.ir, nodes });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `baseline ${name}: width ${factor} makes no valid network: ${message}`, {
      hint: 'choose another width (1 keeps the paper widths)',
      cause: error,
    });
  }
}
