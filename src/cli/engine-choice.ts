/** The CLI's side of engine resolution (engines/resolve.ts): the `--engine` help from the registry, and the chosen engine logged. */
import { registerBuiltinEngines } from '../engines/builtin.js';
import { engineFactories, type TaskKind } from '../engines/registry.js';
import { AUTO_ENGINE, enginesFor, resolveEngine } from '../engines/resolve.js';
import { log } from './context.js';
import { type Choice, choicesHelp } from './registry-help.js';

/**
 * The `--engine` description: auto and every registered engine (that trains `task`, when given)
 * with its line; `extra` choices first (train's `run`).
 */
export function engineOption(options: { task?: TaskKind; extra?: readonly Choice[]; defaultName?: string } = {}): string {
  registerBuiltinEngines();
  const names = options.task === undefined ? engineFactories.list() : enginesFor(options.task);
  return choicesHelp(
    [
      ...(options.extra ?? []),
      { name: AUTO_ENGINE, description: 'the fastest engine this host runs for the task' },
      ...names.map((name) => ({ name, description: engineFactories.get(name).description })),
    ],
    options.defaultName ?? AUTO_ENGINE,
  );
}

/** Resolves the engine for a task family (absent: a worker's, any), logging why when `auto` chose. */
export async function engineFor(requested: string | undefined, task?: TaskKind): Promise<string> {
  registerBuiltinEngines();
  const choice = await resolveEngine(requested, task);
  if (choice.reason) log(`engine: ${choice.engine} — ${choice.reason}`);
  return choice.engine;
}
