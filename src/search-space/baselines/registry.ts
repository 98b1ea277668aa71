/**
 * The baseline registry: every hand-designed architecture by the name a user
 * types. Families register themselves here explicitly (no import side effects);
 * a new family adds one `registerX(registry)` line.
 */
import { Registry } from '../../common/registry.js';
import type { Baseline } from './baseline.js';
import { registerBnInceptions } from './bn-inception-variants.js';
import { registerCliqueNets } from './cliquenet-variants.js';
import { registerDlas } from './dla-variants.js';
import { registerDppResNets } from './dpp-variants.js';
import { registerNscBlocks } from './nsc-blocks.js';
import { registerResNets } from './resnet-variants.js';

export function createBaselineRegistry(): Registry<Baseline> {
  const registry = new Registry<Baseline>('baseline');
  registerResNets(registry);
  registerDlas(registry);
  registerCliqueNets(registry);
  registerDppResNets(registry);
  registerNscBlocks(registry);
  registerBnInceptions(registry);
  return registry;
}

/** The shared, fully populated registry. */
export const baselines: Registry<Baseline> = createBaselineRegistry();
