/** Option help generated from a registry, so `--help` lists exactly the names a command accepts. */
import { DEFAULT_PRUNER, DEFAULT_STRATEGY, pruners, strategies } from '../controller/index.js';
import { datasetSources, sourceKinds } from '../datasets/index.js';

export interface Choice {
  name: string;
  description?: string | undefined;
}

/**
 * "a: what a is | b: what b is (default b)": the names a flag takes, each with its line.
 *
 * @example
 * choicesHelp(strategies.list().map((name) => ({ name, description: strategies.get(name).description })), DEFAULT_STRATEGY)
 */
export function choicesHelp(choices: readonly Choice[], defaultName?: string): string {
  const listed = choices.map((c) => (c.description ? `${c.name}: ${c.description}` : c.name)).join(' | ');
  return defaultName === undefined ? listed : `${listed} (default ${defaultName})`;
}

/** `--strategy`: every registered strategy with its description. */
export const strategyOption = (): string =>
  choicesHelp(
    strategies.list().map((name) => ({ name, description: strategies.get(name).description })),
    DEFAULT_STRATEGY,
  );

/** `--dataset`: the built-in datasets, then the user sources with their forms. */
export const datasetOption = (): string =>
  `${choicesHelp(datasetSources.list().map((name) => ({ name })))}, or your own data: ${choicesHelp(sourceKinds.list().map((name) => ({ name: sourceKinds.get(name).usage, description: sourceKinds.get(name).description })))}`;

/** `--pruner`: every registered pruner with its description (options in the config file's `pruner`). */
export const prunerOption = (): string =>
  `${choicesHelp(
    pruners.list().map((name) => ({ name, description: pruners.get(name).description })),
    DEFAULT_PRUNER,
  )}; options in the config file: "pruner": { "name": ..., "options": { ... } }`;
