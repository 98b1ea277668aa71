/**
 * Named training modes: a registered baseline plus the recipe options that make
 * it a paper's configuration, e.g. `winn-resnet-20` (ResNet-20 trained as a WINN
 * classifier, measured under FGSM at the paper's ε). The baseline registry holds
 * architectures only, and all baselines of a run share the run's recipe, so a
 * mode is a run-level choice: `blockqnn baseline winn-resnet-20` evaluates its
 * baseline in a run whose recipe carries the mode's options (the mode's name must
 * then be the only name given). The same options can come from a config file's
 * `task.recipe` for any network or search.
 *
 * Data only (names, not builders), so this module needs nothing from search-space.
 */
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import { PAPER_FGSM_EPSILON } from './introspective.js';
import { type TrainingTask, parseTask, type recipeSchema } from './task.js';
import type { z } from 'zod';

const WINN_PAPER = 'Lee, Xu, Fan, Tu, "Wasserstein Introspective Neural Networks", CVPR 2018 (arXiv:1711.08875)';

export interface TrainingMode {
  readonly name: string;
  readonly description: string;
  readonly citation: string;
  /** The registered baseline it trains (search-space/baselines). */
  readonly baseline: string;
  /** Recipe options laid over the run's recipe (defaults filled in by the recipe schema). */
  readonly recipe: Partial<z.input<typeof recipeSchema>>;
}

/**
 * The paper's supervised network is a ResNet-32 of its own (layer norm, swish); the
 * nearest registered configuration is the CIFAR ResNet-20 (16/32/64 channels).
 */
export const TRAINING_MODES: Readonly<Record<string, TrainingMode>> = {
  'winn-resnet-20': {
    name: 'winn-resnet-20',
    baseline: 'resnet-20-cifar',
    citation: WINN_PAPER,
    description: `ResNet-20 (CIFAR layout) trained as a WINN classifier, then measured under FGSM (ε ${PAPER_FGSM_EPSILON})`,
    recipe: { introspective: {}, robustness: {} },
  },
  'resnet-20-fgsm': {
    name: 'resnet-20-fgsm',
    baseline: 'resnet-20-cifar',
    citation: WINN_PAPER,
    description: `ResNet-20 (CIFAR layout), plain training, measured under FGSM (ε ${PAPER_FGSM_EPSILON}): WINN's comparison`,
    recipe: { robustness: {} },
  },
};

/**
 * The training mode among comma-separated names, or undefined when there is none.
 * A mode sets the whole run's recipe, so it cannot be combined with other names.
 */
export function trainingModeIn(names: string): TrainingMode | undefined {
  const parts = names
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const modes = parts.filter((p) => Object.hasOwn(TRAINING_MODES, p));
  if (modes.length === 0) return undefined;
  if (parts.length > 1) {
    throw new BlockqnnError(
      ErrorCode.INVALID_INPUT,
      `training mode ${modes[0]} sets the run's recipe, so it must be the only name (got ${parts.join(', ')})`,
      {
        hint: `run it on its own (blockqnn baseline ${modes[0]}), or put its recipe options in a config file's task.recipe`,
      },
    );
  }
  return TRAINING_MODES[modes[0]!];
}

/**
 * The task with the mode's recipe options added, validated again. Options the recipe
 * already has (a config file's `introspective: { synthesisPerEpoch: 200 }`, say) win,
 * so a mode can be run at a smaller scale than the paper's.
 */
export function applyTrainingMode(task: TrainingTask, mode: TrainingMode): TrainingTask {
  if (task.kind !== 'classification') {
    throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `training mode ${mode.name} trains a classifier; a lookup task has no recipe`);
  }
  return parseTask({ ...task, recipe: { ...mode.recipe, ...task.recipe } });
}
