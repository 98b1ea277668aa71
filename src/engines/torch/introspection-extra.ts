/**
 * The trainer's introspection and FGSM numbers as the outcome's extra metrics,
 * named by src/task/introspective.ts (so both engines use the same keys).
 */
import type { Recipe } from '../../task/task.js';
import { fgsmKey } from '../../task/introspective.js';
import type { ResultMessage } from './protocol.js';

export function introspectionExtra(recipe: Recipe, result: ResultMessage): Record<string, number> {
  const extra: Record<string, number> = {};
  for (const [key, value] of Object.entries(result.extra ?? {})) extra[key] = value ?? Number.NaN;
  const epsilons = recipe.robustness?.fgsmEpsilons ?? [];
  result.fgsmAccuracies?.forEach((accuracy, i) => {
    if (i < epsilons.length) extra[fgsmKey(epsilons[i]!)] = accuracy;
  });
  return extra;
}
