/**
 * MAC matching: every network of the claim is widened or narrowed until its
 * multiply-adds (the cost model of src/search-space/cost.ts, the number the
 * search and `blockqnn train` report) are as close as it can get to the
 * reference ResNet-20's, and within ±10 % of them where the widths allow.
 *
 * - A searched block: its network's base filter count (the stem and first
 *   stage; each stage doubles it) is chosen. Multiply-adds grow about as the
 *   square of it, so the integers near base × √(target / cost at base) are tried.
 * - A whole-network baseline: one width multiplier over every layer
 *   (proxy-width.ts). Exact multiples (every width a whole number of channels,
 *   in steps of 1/64) are tried first; when none lands within the tolerance
 *   (DLA-34's widths are multiples of 16, so its steps are 1/16) the widths are
 *   rounded to whole channels on a 1/256 grid instead.
 * The closest candidate wins; `within` says whether it is inside the tolerance.
 * Pure: no I/O.
 */
import { baselines } from '../../search-space/baselines/index.js';
import { scaleWidth } from '../../search-space/baselines/proxy-width.js';
import { type CheckedIr, type NscBlock, assembleNetwork, networkCost } from '../../search-space/index.js';
import { MAC_TOLERANCE } from './scales.js';

export interface Matched {
  checked: CheckedIr;
  macs: number;
  params: number;
  /** Relative distance of `macs` from the target: (macs - target) / target. */
  offset: number;
  within: boolean;
}

export interface BaselineMatch extends Matched {
  width: number;
  /** Whether widths were rounded to whole channels (no exact multiple fitted). */
  rounded: boolean;
}

export interface BlockMatch extends Matched {
  baseFilters: number;
}

type Shape = [number, number, number];

const offsetOf = (macs: number, target: number) => (macs - target) / target;

function closest<T extends Matched>(options: T[], target: number): T | undefined {
  let best: T | undefined;
  for (const o of options) if (!best || Math.abs(o.macs - target) < Math.abs(best.macs - target)) best = o;
  return best;
}

function measured(checked: CheckedIr, target: number): Matched {
  const cost = networkCost(checked);
  const offset = offsetOf(cost.macs, target);
  return { checked, macs: cost.macs, params: cost.params, offset, within: Math.abs(offset) <= MAC_TOLERANCE };
}

/** A baseline at a width: exact multiples only, or rounded to whole channels. */
export function baselineAtWidth(name: string, shape: Shape, classes: number, width: number, rounded = false): CheckedIr {
  const built = baselines.get(name).build({ inputShape: shape, classes });
  return scaleWidth(built, width, name, { round: rounded });
}

/** The multiply-adds every network is matched to: the reference baseline at `width` (rounded widths allowed). */
export function referenceMacs(reference: string, shape: Shape, classes: number, width: number): number {
  return networkCost(baselineAtWidth(reference, shape, classes, width, true)).macs;
}

/** The width of `name` whose multiply-adds are closest to `target`. */
export function matchBaseline(name: string, shape: Shape, classes: number, target: number): BaselineMatch {
  const full = networkCost(baselineAtWidth(name, shape, classes, 1)).macs;
  const guess = Math.sqrt(target / full);
  const tryWidths = (widths: number[], rounded: boolean): BaselineMatch[] => {
    const out: BaselineMatch[] = [];
    for (const width of widths) {
      try {
        out.push({ ...measured(baselineAtWidth(name, shape, classes, width, rounded), target), width, rounded });
      } catch {
        // This width makes no valid network (a fraction of a channel, widths that no longer agree): not a candidate.
      }
    }
    return out;
  };
  const grid = (step: number, low: number, high: number) => {
    const widths: number[] = [];
    for (let k = Math.max(1, Math.floor(low / step)); k <= Math.ceil(high / step); k++) widths.push(k * step);
    return widths;
  };
  const exact = closest(tryWidths(grid(1 / 64, guess * 0.5, guess * 2), false), target);
  if (exact?.within) return exact;
  const rounded = closest(tryWidths(grid(1 / 256, guess * 0.8, guess * 1.25), true), target);
  const best = closest(
    [exact, rounded].filter((m): m is BaselineMatch => m !== undefined),
    target,
  );
  if (!best) throw new Error(`baseline ${name} cannot be built at any width near ${guess.toFixed(3)} for ${shape.join('x')} inputs`);
  return best;
}

export interface BlockNetwork {
  stages: number;
  blocksPerStage: number;
  downsample?: string | undefined;
}

/** The base filter count of `block`'s network whose multiply-adds are closest to `target`. */
export function matchBlock(block: NscBlock, network: BlockNetwork, shape: Shape, classes: number, target: number): BlockMatch {
  const build = (baseFilters: number) => assembleNetwork(block, { ...network, inputShape: shape, classes, baseFilters });
  const probe = 16;
  const guess = probe * Math.sqrt(target / networkCost(build(probe)).macs);
  const options: BlockMatch[] = [];
  for (let f = Math.max(1, Math.floor(guess * 0.7)); f <= Math.ceil(guess * 1.4) + 1; f++)
    options.push({ ...measured(build(f), target), baseFilters: f });
  return closest(options, target)!;
}
