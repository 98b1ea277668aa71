/**
 * DLA-up: Deep Layer Aggregation's decoder for dense prediction (Yu, Wang, Shelhamer,
 * Darrell, "Deep Layer Aggregation", CVPR 2018, Section 4.4 and Figure 3(c); the official
 * ucbdrive/dla `dla_up.py`: IDAUp, DLAUp, DLASeg), on a DLA backbone (dla.ts).
 *
 * - IDA-up (iterative deep aggregation, upward): every input is projected to the stage's
 *   width (1×1 conv → BN → ReLU, skipped where the width already matches), upsampled to the
 *   finest input's resolution, then aggregated left to right: x ← node(concat[x, input_i]),
 *   node = 3×3 conv → BN → ReLU. It returns every intermediate node.
 * - DLA-up: IDA-ups from the deepest pair outwards; each one's nodes replace the inputs
 *   it aggregated, so the next, finer IDA-up sees them (the official DLAUp.forward). Its
 *   output is the last node, at the resolution and width of the first level it reads.
 * - Head (DLASeg): the backbone from level1 on (down_ratio 2, the official default) → DLA-up →
 *   1×1 conv with bias to the output channels → ×2 upsampling to the input's size.
 *
 * Deviations, both forced by the IR and said in the README:
 * - The official upsamplings are depthwise transposed convolutions (kernel 2f, stride f)
 *   initialised to bilinear interpolation; IDA-up's learn, the head's is frozen. Here every
 *   upsampling is fixed bilinear interpolation (the IR's `upsample`, which both engines run
 *   identically): the head's is then the official one (up to the border, which the official
 *   pads with zeros and this clamps), and IDA-up loses its learnable upsampling weights
 *   (out·(2f)² each; 13,312 for DLA-34-up at full width, out of its 18 M).
 * - Levels past the image's halvings keep stride 1 (a 16-pixel image halves 4 times, so level5
 *   stays at level4's 1×1); the upsampling factors come from the levels' actual sizes, the
 *   official ones wherever every stride is 2 (a side that is a multiple of 32).
 */
import type { IrBuilder } from '../../builder.js';
import { type DlaConfig, appendDlaLevels } from '../dla.js';

/** DLASeg's down_ratio 2: DLA-up reads the backbone from level1 on, and the head upsamples ×2. */
const FIRST_LEVEL = 1;
/** The backbone's stride-2 levels (level1..level5). */
const MAX_HALVINGS = 5;
/** IDA-up's aggregation node kernel (the official DLAUp's `IDAUp(3, …)`). */
const NODE_KERNEL = 3;

/** How many times the backbone halves an image of this side: once per level1..level5, while the side stays even. */
function dlaUpHalvings(imageSize: number): number {
  let halvings = 0;
  for (let side = imageSize; halvings < MAX_HALVINGS && side % 2 === 0; side /= 2) halvings++;
  return halvings;
}

/** Level strides for an image side (level0 keeps stride 1, as the official DLA). */
export function dlaUpStrides(imageSize: number): number[] {
  const halvings = dlaUpHalvings(imageSize);
  return [1, ...Array.from({ length: MAX_HALVINGS }, (_, i) => (i < halvings ? 2 : 1))];
}

function sideOf(b: IrBuilder, x: string): number {
  return b.shapeOf(x)[0]!;
}

/** `x` brought up to `side` by bilinear upsampling (left as it is where it already has that side). */
function upsampleTo(b: IrBuilder, x: string, side: number): string {
  const factor = side / sideOf(b, x);
  return factor === 1 ? x : b.upsample(x, factor, 'bilinear', 'up');
}

/** IDA-up over `inputs` (finest first) at width `out`; returns its nodes, the last being the aggregate. */
function appendIdaUp(b: IrBuilder, inputs: readonly string[], out: number): string[] {
  const side = sideOf(b, inputs[0]!);
  const aligned = inputs.map((input, i) =>
    b.scoped(`in${i}`, () => {
      const projected = b.channelsOf(input) === out ? input : b.relu(b.batchNorm(b.conv(input, { filters: out, kernel: 1 }, 'proj')));
      return upsampleTo(b, projected, side);
    }),
  );
  const nodes: string[] = [];
  let x = aligned[0]!;
  for (let i = 1; i < aligned.length; i++) {
    x = b.scoped(`node${i}`, () =>
      b.relu(b.batchNorm(b.conv(b.concat([x, aligned[i]!]), { filters: out, kernel: NODE_KERNEL, padding: (NODE_KERNEL - 1) / 2 }))),
    );
    nodes.push(x);
  }
  return nodes;
}

/** DLA-up over backbone levels (finest first); returns the aggregate at the finest level's size and width. */
export function appendDlaUp(b: IrBuilder, levels: readonly string[]): string {
  const layers = [...levels];
  for (let i = 0; i < layers.length - 1; i++) {
    const j = layers.length - i - 2;
    const nodes = b.scoped(`ida${i}`, () => appendIdaUp(b, layers.slice(j), b.channelsOf(layers[j]!)));
    layers.splice(j + 1, layers.length - j - 1, ...nodes);
  }
  return layers.at(-1)!;
}

export interface DlaUpOptions {
  /** The backbone (DLA-34's configuration, widths already scaled; its strides are replaced by dlaUpStrides). */
  backbone: DlaConfig;
  /** Channels of the sigmoid image head. */
  imageChannels: number;
  /** Channels of logits after the image (amodal completion's full mask); 0 for none. */
  logitChannels: number;
}

/** Appends DLASeg (backbone, DLA-up, head) from `input`; returns [S, S, imageChannels + logitChannels]. */
export function appendDlaSeg(b: IrBuilder, input: string, o: DlaUpOptions, name: string): string {
  const side = sideOf(b, input);
  const backbone = { ...o.backbone, strides: dlaUpStrides(side) };
  const levels = b.scoped('base', () => appendDlaLevels(b, input, backbone, name));
  const decoded = b.scoped('dla_up', () => appendDlaUp(b, levels.slice(FIRST_LEVEL)));
  return b.scoped('head', () => {
    const up = upsampleTo(b, b.conv(decoded, { filters: o.imageChannels + o.logitChannels, kernel: 1, bias: true }, 'fc'), side);
    if (o.logitChannels === 0) return b.sigmoid(up, 'image');
    const image = b.sigmoid(b.channelSlice(up, 0, o.imageChannels, 'image_logits'), 'image');
    return b.concat([image, b.channelSlice(up, o.imageChannels, o.logitChannels, 'logits')], 'heads');
  });
}
