/**
 * Named CliqueNet configurations for CIFAR (Yang et al., CVPR 2018), as data for
 * the generic builder in cliquenet.ts. Names read `cliquenet-k{k}-t{T}` plus the
 * letters of the options in use: a (attentional transition), b (bottleneck),
 * c (compression, θ = 0.5).
 *
 * - The paper's main comparison (Table 3, without additional techniques):
 *   k = 36, T = 12 (0.94M, 0.91G); k = 64, T = 15 (4.49M, 4.21G); k = 80,
 *   T = 15 (6.94M, 6.45G); k = 80, T = 18 (10.14M, 9.45G).
 * - Same k and T as DenseNet (Table 4): k = 12, T = 36 (1.05M); k = 24, T = 18 (0.99M).
 * - The additional techniques on k = 36, T = 12 (Table 2), e.g. A + C (1.08M, 0.98G).
 * All: three blocks, 64-channel first conv, dropout 0.2 (the authors' keep_prob 0.8).
 */
import type { Registry } from '../../common/registry.js';
import type { Baseline } from './baseline.js';
import { type CliqueNetConfig, buildCliqueNet } from './cliquenet.js';

const CLIQUENET_PAPER =
  'Yang, Zhong, Shen, Lin, "Convolutional Neural Networks with Alternately Updated Clique", CVPR 2018 (arXiv:1802.10419)';

const CIFAR = { inputShape: [32, 32, 3], classes: 10 } as const;

const cifar = (k: number, t: number, techniques = ''): CliqueNetConfig => ({
  k,
  t,
  blocks: 3,
  firstChannels: 64,
  attention: techniques.includes('a'),
  bottleneck: techniques.includes('b'),
  compression: techniques.includes('c'),
  dropRate: 0.2,
  defaults: CIFAR,
});

const TECHNIQUE_NAMES: Record<string, string> = { a: 'attentional transition', b: 'bottleneck', c: 'compression' };

/** [k, T, techniques] of every registered row. */
const ROWS: readonly [number, number, string][] = [
  [36, 12, ''],
  [64, 15, ''],
  [80, 15, ''],
  [80, 18, ''],
  [12, 36, ''],
  [24, 18, ''],
  [36, 12, 'a'],
  [36, 12, 'b'],
  [36, 12, 'c'],
  [36, 12, 'ac'],
  [36, 12, 'abc'],
];

export const CLIQUENET_VARIANTS: Readonly<Record<string, { readonly config: CliqueNetConfig; readonly description: string }>> =
  Object.fromEntries(
    ROWS.map(([k, t, techniques]) => {
      const name = `cliquenet-k${k}-t${t}${techniques ? `-${techniques}` : ''}`;
      const extras = [...techniques].map((letter) => TECHNIQUE_NAMES[letter]).join(', ');
      const description = `CliqueNet for CIFAR, k = ${k}, T = ${t} (3 blocks of ${t / 3} layers)${extras ? `, with ${extras}` : ''}`;
      return [name, { config: cifar(k, t, techniques), description }];
    }),
  );

/** Registers every named CliqueNet configuration. */
export function registerCliqueNets(registry: Registry<Baseline>): void {
  for (const [name, { config, description }] of Object.entries(CLIQUENET_VARIANTS)) {
    registry.register(name, {
      name,
      description,
      citation: CLIQUENET_PAPER,
      defaults: config.defaults,
      build: (options = {}) => buildCliqueNet(config, options, name),
    });
  }
}
