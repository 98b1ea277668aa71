/**
 * The BlockQNN block space as a decision sequence (Zhong et al., "Practical
 * Block-wise Neural Network Architecture Generation", CVPR 2018):
 * the state is the current layer's code (index, type, kernel, pred1, pred2) and
 * an action is the next layer — its type, kernel and predecessors, its index
 * being the next one — or the terminal layer, which closes the block.
 *
 * The action list holds every (type, kernel, predecessors) tuple the NSC grammar
 * (paper Table 1) allows up to `maxIndex`; add and concat list each unordered pair of
 * distinct predecessors once. The legal mask of a state with k layers allows
 * exactly the tuples whose predecessors are 0 … k (layers that exist), the
 * terminal only once a layer exists, and nothing but the terminal at the last
 * index, so every finished episode is a block `validateBlock` accepts.
 *
 * Candidates are blocks in canonical form (`canonicalBlock`), keyed by their
 * canonical code, so isomorphic blocks are one candidate.
 *
 * With `extraTypes` (e.g. ['se', 'dpp']) the optional layer types of nsc.ts join
 * the unary actions, after the paper's, so the default space and its action
 * numbering are unchanged; the setting is recorded (`types`) only when not empty,
 * so snapshots of default runs stay as they were.
 */
import { InvalidArchitectureError } from '../common/errors.js';
import {
  ALLOWED_KERNELS,
  DEFAULT_MAX_INDEX,
  EXTRA_LAYER_TYPES,
  EXTRA_LAYER_TYPE_NAMES,
  LayerType,
  arity,
  canonicalBlock,
  density,
  inputsOf,
  outputLayers,
  parseNsc,
  printNsc,
  validateBlock,
  type ExtraLayerType,
  type NscBlock,
  type NscLayer,
  type NscOptions,
} from '../search-space/index.js';
import { DEFAULT_REWARD } from './reward.js';
import type { Rng } from './rng.js';
import type { DecisionSpace } from './space.js';

/** A layer to append: everything but its index, which is implied by position. */
interface LayerAction {
  readonly type: LayerType;
  readonly kernel: number;
  readonly pred1: number;
  readonly pred2: number;
}

export interface NscState {
  /** Non-terminal layers so far, indices 1 … length. */
  readonly layers: readonly NscLayer[];
  readonly closed: boolean;
}

export interface NscSpaceOptions {
  /** Largest layer index, the terminal included (the paper's 23 by default). */
  maxIndex?: number;
  /** Optional layer types to search besides the paper's (nsc.ts): 'se', 'dpp'. None by default. */
  extraTypes?: readonly ExtraLayerType[];
}

const UNARY_KINDS: readonly (readonly [LayerType, number])[] = (
  [LayerType.conv, LayerType.maxPool, LayerType.avgPool, LayerType.identity] as const
).flatMap((type) => ALLOWED_KERNELS[type].map((kernel) => [type, kernel] as const));
const BINARY_TYPES: readonly LayerType[] = [LayerType.add, LayerType.concat];

export class NscSpace implements DecisionSpace<NscState, NscBlock> {
  readonly name = 'nsc';
  readonly settings: { readonly maxIndex: number; readonly types?: string };
  readonly actionCount: number;
  readonly featureCount: number;
  /** What validateBlock and parseNsc are given: the index limit and the enabled optional types. */
  private readonly grammar: NscOptions;
  /** The paper's unary (type, kernel) kinds, then the enabled optional ones. */
  private readonly unaryKinds: readonly (readonly [LayerType, number])[];
  /** BlockQNN's reward, with the defaults documented in reward.ts. */
  readonly rewardDefaults = { mu: DEFAULT_REWARD.mu, rho: DEFAULT_REWARD.rho };
  private readonly actions: LayerAction[] = [];
  private readonly actionIndex = new Map<string, number>();
  private readonly terminalAction: number;
  /** legalByDepth[k]: the legal actions once k layers exist. */
  private readonly legalByDepth: number[][] = [];

  constructor(options: NscSpaceOptions = {}) {
    const maxIndex = options.maxIndex ?? DEFAULT_MAX_INDEX;
    if (!Number.isInteger(maxIndex) || maxIndex < 2 || maxIndex > 99) {
      throw new InvalidArchitectureError(`NSC space: maxIndex must be an integer from 2 to 99, got ${String(maxIndex)}`, {
        hint: 'the paper uses 23; small values (e.g. 6) give small blocks',
      });
    }
    const extraTypes = [...new Set(options.extraTypes ?? [])].sort((a, b) => EXTRA_LAYER_TYPES[a] - EXTRA_LAYER_TYPES[b]);
    for (const name of extraTypes) {
      if (!EXTRA_LAYER_TYPE_NAMES.includes(name)) {
        throw new InvalidArchitectureError(`NSC space: unknown optional layer type "${String(name)}"`, {
          hint: `valid: ${EXTRA_LAYER_TYPE_NAMES.join(', ')}`,
        });
      }
    }
    this.settings = extraTypes.length > 0 ? { maxIndex, types: extraTypes.join(',') } : { maxIndex };
    this.grammar = { maxIndex, extraTypes };
    this.unaryKinds = [
      ...UNARY_KINDS,
      ...extraTypes.flatMap((name) => ALLOWED_KERNELS[EXTRA_LAYER_TYPES[name]].map((kernel) => [EXTRA_LAYER_TYPES[name], kernel] as const)),
    ];
    this.featureCount = this.unaryKinds.length + BINARY_TYPES.length + 5;
    const lastPred = maxIndex - 2; // a non-terminal layer has index <= maxIndex - 1
    for (const [type, kernel] of this.unaryKinds) for (let p = 0; p <= lastPred; p++) this.add({ type, kernel, pred1: p, pred2: 0 });
    for (const type of BINARY_TYPES)
      for (let p2 = 1; p2 <= lastPred; p2++) for (let p1 = 0; p1 < p2; p1++) this.add({ type, kernel: 0, pred1: p1, pred2: p2 });
    this.terminalAction = this.add({ type: LayerType.terminal, kernel: 0, pred1: 0, pred2: 0 });
    this.actionCount = this.actions.length;
    for (let k = 0; k < maxIndex; k++) {
      const legal: number[] = [];
      if (k < maxIndex - 1) {
        this.actions.forEach((a, i) => {
          if (a.type !== LayerType.terminal && Math.max(a.pred1, a.pred2) <= k) legal.push(i);
        });
      }
      if (k >= 1) legal.push(this.terminalAction);
      this.legalByDepth.push(legal);
    }
  }

  private add(action: LayerAction): number {
    this.actions.push(action);
    this.actionIndex.set(actionText(action), this.actions.length - 1);
    return this.actions.length - 1;
  }

  initialState(): NscState {
    return { layers: [], closed: false };
  }

  legalActions(state: NscState): readonly number[] {
    return state.closed ? [] : this.legalByDepth[state.layers.length]!;
  }

  step(state: NscState, action: number): NscState {
    const legal = this.legalActions(state);
    if (!legal.includes(action)) {
      const what = this.actions[action] ? this.describeAction(action) : `${action}`;
      throw new InvalidArchitectureError(
        `NSC episode: action ${what} is not legal after ${state.layers.length} layer(s)${state.closed ? ' and the terminal' : ''}`,
        {
          hint: 'choose among space.legalActions(state)',
        },
      );
    }
    if (action === this.terminalAction) return { layers: state.layers, closed: true };
    const a = this.actions[action]!;
    return { layers: [...state.layers, { index: state.layers.length + 1, ...a }], closed: false };
  }

  isTerminal(state: NscState): boolean {
    return state.closed;
  }

  stateKey(state: NscState): string {
    const last = state.layers[state.layers.length - 1];
    return last ? `(${last.index},${last.type},${last.kernel},${last.pred1},${last.pred2})` : 'input';
  }

  describeAction(action: number): string {
    const a = this.actions[action];
    return a ? actionText(a) : `?${action}`;
  }

  candidateOf(state: NscState): NscBlock {
    if (!state.closed)
      throw new InvalidArchitectureError(`NSC episode ended after ${state.layers.length} layer(s) without the terminal layer`);
    const terminal: NscLayer = { index: state.layers.length + 1, type: LayerType.terminal, kernel: 0, pred1: 0, pred2: 0 };
    return canonicalBlock(validateBlock([...state.layers, terminal], this.grammar));
  }

  keyOf(candidate: NscBlock): string {
    return printNsc(candidate);
  }

  parse(key: string): NscBlock {
    return canonicalBlock(parseNsc(key, this.grammar));
  }

  episodeOf(candidate: NscBlock): number[] {
    const block = validateBlock(candidate, this.grammar);
    return block.map((layer, position) => {
      if (layer.index !== position + 1) {
        throw new InvalidArchitectureError(
          `NSC episode: layer indices must run 1, 2, 3 … to be replayed; got ${layer.index} at position ${position + 1}`,
          {
            hint: 'pass the block through canonicalBlock first',
          },
        );
      }
      if (layer.type === LayerType.terminal) return this.terminalAction;
      const preds = inputsOf(layer).sort((x, y) => x - y);
      return this.actionIndex.get(actionText({ type: layer.type, kernel: layer.kernel, pred1: preds[0]!, pred2: preds[1] ?? 0 }))!;
    });
  }

  /** Changes one layer's operation (within its arity) or one of its predecessors; retries until the DAG differs. */
  mutate(candidate: NscBlock, rng: Rng): NscBlock {
    const original = printNsc(candidate);
    const layers = candidate.filter((l) => l.type !== LayerType.terminal);
    for (let attempt = 0; attempt < 50; attempt++) {
      const target = layers[rng.int(layers.length)]!;
      let changed: NscLayer;
      if (rng.next() < 0.5 || target.index === 1) {
        changed =
          arity(target.type) === 2
            ? { ...target, type: target.type === LayerType.add ? LayerType.concat : LayerType.add }
            : (() => {
                const [type, kernel] = this.unaryKinds[rng.int(this.unaryKinds.length)]!;
                return { ...target, type, kernel };
              })();
      } else {
        const slot = arity(target.type) === 2 && rng.next() < 0.5 ? 'pred2' : 'pred1';
        changed = { ...target, [slot]: rng.int(target.index) };
      }
      try {
        const block = canonicalBlock(
          validateBlock(
            candidate.map((l) => (l.index === target.index ? changed : l)),
            this.grammar,
          ),
        );
        if (printNsc(block) !== original) return block;
      } catch (error) {
        if (!(error instanceof InvalidArchitectureError)) throw error;
      }
    }
    throw new InvalidArchitectureError(`NSC mutation: found no valid one-op change of ${original} in 50 tries`);
  }

  /** Op counts, size, output fan-in, density and depth, each scaled to about [0, 1]. */
  features(candidate: NscBlock): Float64Array {
    const m = this.settings.maxIndex;
    const x = new Float64Array(this.featureCount);
    const depth = new Map<number, number>([[0, 0]]);
    let layers = 0;
    let fromInput = 0;
    for (const layer of candidate) {
      if (layer.type === LayerType.terminal) continue;
      layers++;
      const inputs = inputsOf(layer);
      if (inputs.includes(0)) fromInput++;
      depth.set(layer.index, 1 + Math.max(...inputs.map((p) => depth.get(p) ?? 0)));
      const kind = this.unaryKinds.findIndex(([t, k]) => t === layer.type && k === layer.kernel);
      x[kind >= 0 ? kind : this.unaryKinds.length + BINARY_TYPES.indexOf(layer.type)]! += 1 / m;
    }
    const base = this.unaryKinds.length + BINARY_TYPES.length;
    x[base] = layers / m;
    x[base + 1] = outputLayers(candidate).length / m;
    x[base + 2] = density(candidate) / 2;
    x[base + 3] = Math.max(...depth.values()) / m;
    x[base + 4] = layers === 0 ? 0 : fromInput / layers;
    return x;
  }
}

function actionText(a: LayerAction): string {
  return `(${a.type},${a.kernel},${a.pred1},${a.pred2})`;
}
