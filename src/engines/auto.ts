/**
 * `--engine auto`: the fastest engine this host can run, and why. Native tfjs
 * (libtensorflow, with CUDA or without) first, then PyTorch, then the pure-JS
 * tfjs backend, which trains about 600 times slower than PyTorch but needs nothing.
 */
import { loadTfjs } from './tfjs/backend.js';
import { engineFactories } from './registry.js';

export interface EngineChoice {
  engine: string;
  reason: string;
}

export async function chooseEngine(): Promise<EngineChoice> {
  const tfjs = await loadTfjs({ logger: () => {} }).catch(() => null);
  if (tfjs && tfjs.backend !== 'cpu') return { engine: 'tfjs', reason: `native tfjs: ${tfjs.summary}` };
  if (engineFactories.has('torch')) {
    const torch = await engineFactories.get('torch').probe();
    if (torch.available) return { engine: 'torch', reason: `${torch.reason}${tfjs ? `; tfjs would run pure JS (${tfjs.summary})` : ''}` };
  }
  return { engine: 'tfjs', reason: `no native tfjs and no PyTorch: using pure-JS tfjs, slow but dependency-free${tfjs ? ` (${tfjs.summary})` : ''}` };
}
