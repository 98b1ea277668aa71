/**
 * The controller's registries: search strategies and decision spaces (`decisionSpaces`, the
 * decision process of each space of search-space/spaces/, under the same name) by the
 * names users type (`--strategy qlearning-predictor`, `--space nasbench201`),
 * filled explicitly here rather than by import side effects.
 */
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import { Registry } from '../common/registry.js';
import { evolutionEntry } from './evolution.js';
import { Nb201Space } from './nb201-space.js';
import { NscSpace } from './nsc-space.js';
import { qLearningEntry } from './q-learning.js';
import { qLearningPredictorEntry } from './qlearning-predictor.js';
import { randomSearchEntry } from './random-search.js';
import type { AnySpace } from './space.js';
import type { ExtraLayerType } from '../search-space/index.js';
import type { Strategy, StrategyEntry, StrategySnapshot } from './strategy.js';

/** The strategy a search uses unless told otherwise. */
export const DEFAULT_STRATEGY = 'qlearning-predictor';

export const strategies = new Registry<StrategyEntry>('strategy')
  .register('qlearning', qLearningEntry)
  .register('qlearning-predictor', qLearningPredictorEntry)
  .register('random', randomSearchEntry)
  .register('evolution', evolutionEntry);

/** Creates a space from its name and settings (e.g. `{ maxIndex: 6 }` for nsc). */
export type SpaceFactory = (settings: Readonly<Record<string, unknown>>) => AnySpace;

export const decisionSpaces = new Registry<SpaceFactory>('search space')
  .register('nsc', (settings) => {
    const { maxIndex, types, ...rest } = settings;
    rejectUnknown('nsc', rest, ['maxIndex', 'types']);
    // `types` as recorded in space settings: a comma-separated list ('se,dpp'), or a list.
    const extraTypes = typeof types === 'string' ? types.split(',').filter(Boolean) : ((types as string[] | undefined) ?? []);
    return new NscSpace({
      ...(maxIndex === undefined ? {} : { maxIndex: maxIndex as number }),
      extraTypes: extraTypes as ExtraLayerType[],
    });
  })
  .register('nasbench201', (settings) => {
    rejectUnknown('nasbench201', settings, []);
    return new Nb201Space();
  });

function rejectUnknown(space: string, rest: Readonly<Record<string, unknown>>, valid: string[]): void {
  const extra = Object.keys(rest);
  if (extra.length > 0) {
    throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `search space ${space} has no setting ${extra.map((k) => `"${k}"`).join(', ')}`, {
      hint: valid.length ? `valid settings: ${valid.join(', ')}` : `${space} takes no settings`,
    });
  }
}

/** Brings back a strategy from its snapshot, whichever strategy it names. */
export function restoreStrategy(space: AnySpace, snapshot: StrategySnapshot): Strategy {
  if (!snapshot || typeof snapshot !== 'object' || typeof snapshot.strategy !== 'string') {
    throw new BlockqnnError(ErrorCode.INVALID_INPUT, 'not a strategy snapshot: it names no strategy', {
      hint: 'pass the object strategy.snapshot() returned, after JSON.parse',
    });
  }
  return strategies.get(snapshot.strategy).restore(space, snapshot);
}
