/**
 * The pruners by the names users type (`--pruner median`, `"pruner": { "name":
 * "asha", "options": { "reductionFactor": 3 } }`), filled explicitly here. Each
 * entry validates its options with zod (unknown keys and out-of-range values
 * are refused naming the option and its range) and then against the recipe's
 * epoch count (a pruner that could never decide is refused, naming why).
 */
import { z } from 'zod';
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import { Registry } from '../../common/registry.js';
import { formatZodIssues } from '../../common/parse.js';
import { type AshaOptions, AshaPruner, ashaOptionsSchema, rungEpochs } from './asha.js';
import { type MedianOptions, MedianPruner, medianOptionsSchema } from './median.js';
import { NoPruner, noneOptionsSchema } from './none.js';
import type { Pruner, PrunerSpec } from './pruner.js';

/** The pruner that never prunes: runs stored before pruners, and tasks without epochs to cut. */
export const NO_PRUNER = 'none';

/** The pruner of a classification search that names none (chosen from `blockqnn bench pruning`, see README). */
export const DEFAULT_PRUNER = 'none';

export interface PrunerEntry {
  readonly description: string;
  /** Options with their defaults; refuses unknown keys and values out of range. */
  readonly options: z.ZodType<Record<string, number>>;
  /** Throws when the (parsed) options cannot work in a recipe of `epochs` epochs. */
  checkEpochs(options: Record<string, number>, epochs: number): void;
  create(options: Record<string, number>, epochs: number): Pruner;
}

function refuse(name: string, message: string, hint: string): never {
  throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `pruner ${name}: ${message}`, { hint });
}

const median: PrunerEntry = {
  description: "Optuna's MedianPruner: prune when the best accuracy so far is below the median of completed candidates at the same epoch",
  options: medianOptionsSchema,
  checkEpochs(options, epochs) {
    const { warmupEpochs } = options as MedianOptions;
    if (warmupEpochs > epochs - 2) {
      refuse(
        'median',
        `warmupEpochs ${warmupEpochs} leaves no epoch to decide at in a ${epochs}-epoch recipe (decisions come at the end of epochs warmupEpochs+1 .. ${epochs - 1})`,
        `valid warmupEpochs for ${epochs} epochs: 0..${epochs - 2}`,
      );
    }
  },
  create: (options, epochs) => new MedianPruner(options as MedianOptions, epochs),
};

const asha: PrunerEntry = {
  description:
    "asynchronous successive halving (Li et al., MLSys 2020; Optuna's SuccessiveHalvingPruner): at epochs r·η^(s+k), only the top 1/η continue",
  options: ashaOptionsSchema,
  checkEpochs(options, epochs) {
    const o = options as AshaOptions;
    if (rungEpochs(o, epochs).length === 0) {
      const first = o.minResource * o.reductionFactor ** o.minEarlyStoppingRate;
      refuse(
        'asha',
        `the first rung, minResource × reductionFactor^minEarlyStoppingRate = ${o.minResource} × ${o.reductionFactor}^${o.minEarlyStoppingRate} = ${first} epochs, is beyond the recipe's ${epochs} epochs (rungs must fall at epochs 1..${epochs - 1}, before the last)`,
        'lower minResource or minEarlyStoppingRate, or train more epochs',
      );
    }
  },
  create: (options, epochs) => new AshaPruner(options as AshaOptions, epochs),
};

const none: PrunerEntry = {
  description: 'no pruning: every candidate trains the whole recipe',
  options: noneOptionsSchema as z.ZodType<Record<string, number>>,
  checkEpochs() {},
  create: () => new NoPruner(),
};

export const pruners = new Registry<PrunerEntry>('pruner').register('none', none).register('median', median).register('asha', asha);

/**
 * A pruner spec with every option explicit (defaults filled in), checked against a recipe of
 * `epochs` epochs. Jobs carry this form, so a worker of another version decides with the
 * options the run was started with, not its own defaults.
 */
export function normalizePrunerSpec(spec: PrunerSpec, epochs: number): { name: string; options: Record<string, number> } {
  const entry = pruners.get(spec.name);
  const parsed = entry.options.safeParse(spec.options ?? {});
  if (!parsed.success) {
    refuse(
      spec.name,
      formatZodIssues(parsed.error, 5, spec.options ?? {}),
      `valid options of ${spec.name}: ${optionNames(entry).join(', ') || 'none'}`,
    );
  }
  if (spec.name !== NO_PRUNER && epochs < 2) {
    refuse(
      spec.name,
      `a ${epochs}-epoch recipe leaves no epoch to decide at (decisions come at the end of epochs 1 .. epochs−1)`,
      'train at least 2 epochs, or use --pruner none',
    );
  }
  entry.checkEpochs(parsed.data, epochs);
  return { name: spec.name, options: parsed.data };
}

/** The pruner a spec names, for a recipe of `epochs` epochs; throws INVALID_CONFIG / UNKNOWN_NAME naming the problem. */
export function createPruner(spec: PrunerSpec, epochs: number): Pruner {
  const normalized = normalizePrunerSpec(spec, epochs);
  return pruners.get(normalized.name).create(normalized.options, epochs);
}

function optionNames(entry: PrunerEntry): string[] {
  const shape = (entry.options as unknown as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.keys(shape) : [];
}
