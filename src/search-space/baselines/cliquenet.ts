/**
 * Generic CliqueNet builder: Yang, Zhong, Shen, Lin, "Convolutional Neural
 * Networks with Alternately Updated Clique", CVPR 2018 (arXiv:1802.10419),
 * following the authors' CIFAR code (github.com/iboing/CliqueNet, models/cliquenet.py
 * and models/utils.py `loop_block`).
 *
 * - First transit: a 3×3 conv to 64 channels (no BN: every later conv is pre-activated).
 * - Clique block of L = T / blocks layers of k channels. Every ordered pair of
 *   layers (i, j) has its own weight W_ij, and the block input X_0 has W_0j.
 *   Stage I: X_i = conv(BN-ReLU({X_0, X_1 … X_{i-1}})), a dense initialisation.
 *   Stage II (alternate update): X_i = conv(BN-ReLU({X_j : j ≠ i})) with the
 *   newest value of each X_j (stage II for j < i, stage I for j > i) and no X_0.
 *   A conv of a concatenation is the sum of one conv per input, so each W_ij is a
 *   conv node of its own and the layer sums them; stage II reuses stage I's W_ij
 *   (j < i) through `shareWeightsWith`, exactly where the authors' `param_dict`
 *   hands the same variable to both stages. W_ij with j > i is first used in
 *   stage II, which owns it. BN has no shared parameters: the authors' code
 *   creates a new batch norm for every layer update, one per concatenated input
 *   here (per-channel, so identical to one BN over the concatenation).
 * - Option B (bottleneck): the clique convs become 1×1 and each layer adds BN →
 *   ReLU → 3×3 conv (k → k), its weight shared between the two stages.
 * - Transition (after every block but the last) on the stage II features: BN →
 *   ReLU → 1×1 conv (same width) → [option A: channel attention, SE-style with
 *   reduction 2 and biased dense layers, as the authors' `attentional_transition`]
 *   → 2×2 average pool.
 * - Multi-scale head: each block's feature {X_0, stage II} (the paper's
 *   CliqueNet(II+II)) → [option C: compression, BN → ReLU → 1×1 conv to ⌊C/2⌋]
 *   → BN → ReLU → global average pool; the pooled vectors of all blocks are
 *   concatenated into one dense classifier with bias.
 * - Dropout (the authors' keep_prob 0.8) after every conv except the first.
 *
 * The paper's "FLOPs" are 2 × the multiply-adds counted here (0.91G for k = 36,
 * T = 12 is 455M MACs).
 */
import { IrBuilder } from '../builder.js';
import type { CheckedIr } from '../graph.js';
import { INPUT_ID } from '../ir.js';
import { type Baseline, type BaselineOptions, badConfig, resolveOptions } from './baseline.js';
import { appendSqueezeExcite } from './squeeze-excite.js';

export interface CliqueNetConfig {
  /** Channels of every layer in a block (the paper's k). */
  readonly k: number;
  /** Layers over all blocks (the paper's T); each block has T / blocks. */
  readonly t: number;
  /** Clique blocks (3 in the CIFAR models), with a transition between each two. */
  readonly blocks: number;
  /** Width of the first 3×3 conv (64 in the authors' code). */
  readonly firstChannels: number;
  /** Option A: channel attention in the transitions. */
  readonly attention: boolean;
  /** Option B: 1×1 clique convs, each layer followed by a 3×3. */
  readonly bottleneck: boolean;
  /** Option C: halve the block features (θ = 0.5) before pooling them into the head. */
  readonly compression: boolean;
  /** Dropout after every conv but the first; 0 builds no dropout nodes. */
  readonly dropRate: number;
  readonly defaults: Baseline['defaults'];
}

/** Reduction of the attentional transition: the authors' FC goes C → C/2 → C. */
const ATTENTION_REDUCTION = 2;

interface Ctx {
  readonly b: IrBuilder;
  readonly c: CliqueNetConfig;
}

function drop(k: Ctx, x: string): string {
  return k.c.dropRate > 0 ? k.b.dropout(x, k.c.dropRate) : x;
}

/** BN → ReLU → conv, the pre-activated unit every CliqueNet conv uses. */
function bnReluConv(k: Ctx, x: string, o: { filters: number; kernel: number; shareWeightsWith?: string | undefined }): string {
  const { b } = k;
  const y = b.relu(b.batchNorm(x));
  return b.conv(y, {
    filters: o.filters,
    kernel: o.kernel,
    padding: (o.kernel - 1) / 2,
    ...(o.shareWeightsWith ? { shareWeightsWith: o.shareWeightsWith } : {}),
  });
}

/**
 * One clique block. `owners` maps a weight's key (`W0_3`, `W2_1`, `B4`) to the
 * conv node that holds it, so a second use of that weight shares it.
 */
function cliqueBlock(k: Ctx, x0: string): { feature: string; transit: string } {
  const { b, c } = k;
  const layers = c.t / c.blocks;
  const kernel = c.bottleneck ? 1 : 3;
  const owners = new Map<string, string>();
  const conv = (key: string, x: string, filters: number, size: number): string =>
    b.scoped(key, () => {
      const id = bnReluConv(k, x, { filters, kernel: size, shareWeightsWith: owners.get(key) });
      if (!owners.has(key)) owners.set(key, id);
      return id;
    });
  // One layer update: the sum of W_si * X_s over its sources, then the bottleneck's 3×3.
  const update = (i: number, sources: [number, string][]): string => {
    const terms = sources.map(([s, x]) => conv(`W${s}_${i}`, x, c.k, kernel));
    let y = drop(k, terms.length > 1 ? b.add(terms) : terms[0]!);
    if (c.bottleneck) y = drop(k, conv(`B${i}`, y, c.k, 3));
    return y;
  };
  const x: string[] = [x0];
  b.scoped('stage1', () => {
    for (let i = 1; i <= layers; i++) {
      x[i] = b.scoped(`layer${i}`, () =>
        update(
          i,
          x.slice(0, i).map((id, s) => [s, id]),
        ),
      );
    }
  });
  b.scoped('stage2', () => {
    for (let i = 1; i <= layers; i++) {
      const others = x.map((id, s): [number, string] => [s, id]).filter(([s]) => s !== 0 && s !== i);
      // x[j] is already stage II for j < i: the update is in place, as in the authors' blob_dict.
      x[i] = b.scoped(`layer${i}`, () => update(i, others));
    }
  });
  const transit = b.concat(x.slice(1), 'stage2_features');
  return { feature: b.concat([x0, transit], 'block_feature'), transit };
}

function transition(k: Ctx, x: string): string {
  const { b, c } = k;
  let y = drop(k, bnReluConv(k, x, { filters: b.channelsOf(x), kernel: 1 }));
  if (c.attention) y = appendSqueezeExcite(b, y, ATTENTION_REDUCTION);
  return b.avgPool(y, { kernel: 2, stride: 2 });
}

/** The block's contribution to the multi-scale head: [compress →] BN → ReLU → global average pool. */
function blockVector(k: Ctx, feature: string): string {
  const { b, c } = k;
  const y = c.compression
    ? b.scoped('compress', () => drop(k, bnReluConv(k, feature, { filters: Math.floor(b.channelsOf(feature) / 2), kernel: 1 })))
    : feature;
  return b.scoped('pool', () => b.globalAvgPool(b.relu(b.batchNorm(y))));
}

/** Checks a configuration before anything is built; every message names the field, the value and the rule. */
export function checkCliqueNetConfig(name: string, c: CliqueNetConfig): void {
  const positive = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 0;
  for (const field of ['k', 't', 'blocks', 'firstChannels'] as const) {
    if (!positive(c[field])) badConfig(name, field, c[field], 'must be a positive integer');
  }
  if (c.t % c.blocks !== 0)
    badConfig(name, 't', c.t, `T layers are split evenly over the blocks, and ${c.t} is not divisible by ${c.blocks} blocks`);
  const layers = c.t / c.blocks;
  if (layers < 2)
    badConfig(
      name,
      't',
      c.t,
      `each block needs at least 2 layers for stage II to update one layer from another; T = ${c.t} over ${c.blocks} blocks gives ${layers}`,
    );
  if (c.attention && (layers * c.k) % ATTENTION_REDUCTION !== 0) {
    badConfig(
      name,
      'k',
      c.k,
      `the attentional transition halves the ${layers}·${c.k} = ${layers * c.k} transition channels, which must be even`,
    );
  }
  if (!(typeof c.dropRate === 'number' && c.dropRate >= 0 && c.dropRate < 1)) badConfig(name, 'dropRate', c.dropRate, 'must be in [0, 1)');
}

/** Builds a CliqueNet from a configuration; `name` labels errors and the IR. */
export function buildCliqueNet(c: CliqueNetConfig, options: BaselineOptions = {}, name = 'cliquenet'): CheckedIr {
  checkCliqueNetConfig(name, c);
  const { inputShape, classes } = resolveOptions(name, c.defaults, options, 2 ** (c.blocks - 1));
  const b = new IrBuilder(name, inputShape);
  const k: Ctx = { b, c };
  let x = b.conv(INPUT_ID, { filters: c.firstChannels, kernel: 3, padding: 1 }, 'first_transit');
  const vectors: string[] = [];
  for (let i = 1; i <= c.blocks; i++) {
    b.scoped(`block${i}`, () => {
      const { feature, transit } = cliqueBlock(k, x);
      vectors.push(blockVector(k, feature));
      if (i < c.blocks) x = b.scoped('transition', () => transition(k, transit));
    });
  }
  const logits = b.scoped('head', () => b.dense(vectors.length > 1 ? b.concat(vectors) : vectors[0]!, { units: classes }));
  return b.build(logits);
}
