/** Runs, candidates and results for the store tests, built from the real search space. */
import { assembleNetwork, networkCost, parseNsc, RESNET_BLOCK_NSC, density } from '../../src/search-space/index.js';
import type { CandidateResult, NewCandidate, NewRun, Store } from '../../src/store/index.js';

const block = parseNsc(RESNET_BLOCK_NSC);
const network = assembleNetwork(block, { blocksPerStage: 1 });
const cost = networkCost(network);

/** A real IR and cost; `i` only changes the hash (and the FLOPs, so sorts have something to sort). */
export function candidate(i: number, overrides: Partial<NewCandidate> = {}): NewCandidate {
  return {
    hash: i.toString(16).padStart(16, '0'),
    nsc: RESNET_BLOCK_NSC,
    ir: network.ir,
    flops: cost.macs * 2 + i,
    params: cost.params,
    density: density(block),
    ...overrides,
  };
}

let runs = 0;
export function newRun(overrides: Partial<NewRun> = {}): NewRun {
  runs += 1;
  return {
    name: `test run ${runs}`,
    strategy: 'q-learning',
    engine: 'table',
    taskKey: `task-${process.pid}-${runs}-${Math.random().toString(36).slice(2)}`,
    seed: 7,
    config: { epochs: 12, batchSize: 64 },
    ...overrides,
  };
}

export function okResult(accuracy: number, overrides: Partial<CandidateResult> = {}): CandidateResult {
  return {
    status: 'ok',
    accuracy,
    reward: accuracy - 0.1,
    curve: [
      { epoch: 1, loss: 1.2, valAccuracy: accuracy / 2 },
      { epoch: 2, loss: 0.7, valAccuracy: accuracy },
    ],
    trainSeconds: 12.5,
    evalSeconds: 0.5,
    workerId: 'host-a:1234:gpu0',
    engine: 'table',
    attempts: 1,
    ...overrides,
  };
}

/** Queues `count` candidates (hashes from `from`) and returns their hashes. */
export async function queue(store: Store, runId: string, count: number, from = 1): Promise<string[]> {
  const hashes: string[] = [];
  for (let i = from; i < from + count; i++) {
    const { candidate: c } = await store.upsertQueuedCandidate(runId, candidate(i));
    hashes.push(c.hash);
  }
  return hashes;
}

/** Expects `promise` to reject with a BlockqnnError of `code`; returns it for further checks. */
export async function rejection(
  promise: Promise<unknown>,
  code: string,
): Promise<{ code: string; message: string; hint?: string; details?: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { code?: string; message: string; hint?: string };
    if (e.code !== code) throw new Error(`expected ${code}, got ${e.code ?? 'no code'}: ${e.message}`);
    return e as { code: string; message: string; hint?: string };
  }
  throw new Error(`expected a rejection with ${code}, but it resolved`);
}
