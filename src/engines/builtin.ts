/** Registers the engines that ship with blockqnn; called once by each entry point (no import side effects). */
import { engineFactories } from './registry.js';
import { scriptEngineFactory } from './script/engine.js';
import { tableEngineFactory } from './table/table-engine.js';
import { tfjsEngineFactory } from './tfjs/engine.js';
import { torchEngineFactory } from './torch/engine.js';

let registered = false;

export function registerBuiltinEngines(): void {
  if (registered) return;
  registered = true;
  engineFactories.register(tfjsEngineFactory.name, tfjsEngineFactory);
  engineFactories.register(tableEngineFactory.name, tableEngineFactory);
  engineFactories.register(torchEngineFactory.name, torchEngineFactory);
  engineFactories.register(scriptEngineFactory.name, scriptEngineFactory);
}
