/**
 * The NAS-Bench-201 cell space as a decision sequence (Dong & Yang, ICLR 2020):
 * six decisions, one op per edge in arch-string order (1←0, 2←0, 2←1, 3←0, 3←1,
 * 3←2), five ops each, so 5^6 = 15,625 cells, every one valid.
 *
 * The Q-table state is the latest decision's code, "edge t took op o", the
 * analogue of BlockQNN's "current layer" state; the initial state is `input`.
 * Candidates are identified by their arch string exactly as `printNb201` writes
 * it (and the NAS-Bench-201 tables list it).
 *
 * Features for predictors: a one-hot op per edge (30 numbers) after marking as
 * `none` every edge that lies on no input→output path of non-`none` edges.
 * Such an edge computes something the cell output never sees, so cells that
 * differ only there are the same network; the predictor should treat them so.
 */
import { InvalidArchitectureError } from '../common/errors.js';
import { NB201_EDGES, NB201_OPS, type Nb201Op, parseNb201, printNb201 } from '../search-space/index.js';
import type { Rng } from './rng.js';
import type { DecisionSpace } from './space.js';

/** Op indices (into NB201_OPS) of the edges decided so far. */
export type Nb201State = readonly number[];
/** Op indices of all six edges. */
export type Nb201Candidate = readonly number[];

const EDGE_COUNT = NB201_EDGES.length;
const OP_COUNT = NB201_OPS.length;
const NONE = NB201_OPS.indexOf('none');
const ALL_ACTIONS: readonly number[] = NB201_OPS.map((_, i) => i);
const OP_INDEX = new Map<string, number>(NB201_OPS.map((op, i) => [op, i]));

export class Nb201Space implements DecisionSpace<Nb201State, Nb201Candidate> {
  readonly name = 'nasbench201';
  readonly settings = {};
  readonly actionCount = OP_COUNT;
  readonly featureCount = EDGE_COUNT * OP_COUNT;
  /** NAS-Bench-201's protocol ranks cells by the fitness alone (a cell has no BlockQNN block density). */
  readonly rewardDefaults = { mu: 0, rho: 0 };

  initialState(): Nb201State {
    return [];
  }

  legalActions(state: Nb201State): readonly number[] {
    return state.length >= EDGE_COUNT ? [] : ALL_ACTIONS;
  }

  step(state: Nb201State, action: number): Nb201State {
    if (state.length >= EDGE_COUNT) throw new InvalidArchitectureError('NAS-Bench-201 episode: all six edges are already decided');
    if (!Number.isInteger(action) || action < 0 || action >= OP_COUNT) {
      throw new InvalidArchitectureError(`NAS-Bench-201 episode: action ${action} is not an op index 0-${OP_COUNT - 1}`);
    }
    return [...state, action];
  }

  isTerminal(state: Nb201State): boolean {
    return state.length >= EDGE_COUNT;
  }

  stateKey(state: Nb201State): string {
    if (state.length === 0) return 'input';
    const [to, from] = NB201_EDGES[state.length - 1]!;
    return `${to}<-${from}:${NB201_OPS[state[state.length - 1]!]}`;
  }

  describeAction(action: number): string {
    return NB201_OPS[action] ?? `?${action}`;
  }

  candidateOf(state: Nb201State): Nb201Candidate {
    if (state.length !== EDGE_COUNT) throw new InvalidArchitectureError(`NAS-Bench-201 episode ended after ${state.length} of 6 edges`);
    return state;
  }

  /**
   * The arch string, as printNb201 writes it. A predictor screens hundreds of
   * candidates per proposal, so the 15,625 strings are built once and shared:
   * the same string object each time, whose hash Maps and Sets compute once.
   */
  keyOf(c: Nb201Candidate): string {
    let code = 0;
    for (let e = 0; e < EDGE_COUNT; e++) code = code * OP_COUNT + c[e]!;
    return allKeys()[code]!;
  }

  parse(key: string): Nb201Candidate {
    return candidateOfKey().get(key) ?? parseNb201(key).map((op) => OP_INDEX.get(op)!);
  }

  episodeOf(candidate: Nb201Candidate): number[] {
    return [...candidate];
  }

  mutate(candidate: Nb201Candidate, rng: Rng): Nb201Candidate {
    const next = [...candidate];
    const edge = rng.int(EDGE_COUNT);
    next[edge] = (candidate[edge]! + 1 + rng.int(OP_COUNT - 1)) % OP_COUNT;
    return next;
  }

  features(candidate: Nb201Candidate): Float64Array {
    const live = effectiveOps(candidate);
    const x = new Float64Array(EDGE_COUNT * OP_COUNT);
    for (let e = 0; e < EDGE_COUNT; e++) x[e * OP_COUNT + live[e]!] = 1;
    return x;
  }
}

let keys: string[] | undefined;
let candidates: Map<string, Nb201Candidate> | undefined;

function allKeys(): string[] {
  if (!keys) {
    keys = [];
    for (let code = 0; code < OP_COUNT ** EDGE_COUNT; code++) {
      const ops: Nb201Op[] = [];
      for (let e = EDGE_COUNT - 1, rest = code; e >= 0; e--, rest = Math.floor(rest / OP_COUNT)) ops[e] = NB201_OPS[rest % OP_COUNT]!;
      keys.push(printNb201(ops));
    }
  }
  return keys;
}

function candidateOfKey(): Map<string, Nb201Candidate> {
  if (!candidates) {
    candidates = new Map();
    allKeys().forEach((key, code) => {
      const ops: number[] = [];
      for (let e = EDGE_COUNT - 1, rest = code; e >= 0; e--, rest = Math.floor(rest / OP_COUNT)) ops[e] = rest % OP_COUNT;
      candidates!.set(key, Object.freeze(ops));
    });
  }
  return candidates;
}

/** The ops with every edge that no input→output path of non-`none` edges uses replaced by `none`. */
export function effectiveOps(ops: Nb201Candidate): number[] {
  const reachable = [true, false, false, false];
  NB201_EDGES.forEach(([to, from], e) => {
    if (ops[e] !== NONE && reachable[from]) reachable[to] = true;
  });
  const reachesOutput = [false, false, false, true];
  for (let e = EDGE_COUNT - 1; e >= 0; e--) {
    const [to, from] = NB201_EDGES[e]!;
    if (ops[e] !== NONE && reachesOutput[to]) reachesOutput[from] = true;
  }
  return ops.map((op, e) => {
    const [to, from] = NB201_EDGES[e]!;
    return op !== NONE && reachable[from] && reachesOutput[to] ? op : NONE;
  });
}
