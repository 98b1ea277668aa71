/** The engines that ship with blockqnn, registered once by each entry point (no import side effects). */
import { type EngineFactory, engineFactories } from './registry.js';
import { scriptEngineFactory } from './script/engine.js';
import { tableEngineFactory } from './table/table-engine.js';
import { tfjsEngineFactory } from './tfjs/engine.js';
import { torchEngineFactory } from './torch/engine.js';

/** A new engine folder adds its factory here. */
export const BUILTIN_ENGINES: readonly EngineFactory[] = [tfjsEngineFactory, torchEngineFactory, tableEngineFactory, scriptEngineFactory];

export function registerBuiltinEngines(): void {
  for (const factory of BUILTIN_ENGINES) if (!engineFactories.has(factory.name)) engineFactories.register(factory.name, factory);
}
