/** Queues candidates and baselines as evaluation jobs: one job id per (run, hash), a seed per candidate. */
import { JOB_CONTRACT } from '../../queue/contract.js';
import type { MaterializedCandidate } from '../candidates.js';
import type { LoopState } from './state.js';

export async function enqueue(s: LoopState, batch: MaterializedCandidate[]): Promise<void> {
  const seedBase = s.config.seed;
  await s.deps.queue.enqueueMany(
    batch.map((m) => ({
      contract: JOB_CONTRACT,
      runId: s.runId,
      candidateHash: m.hash,
      candidateKey: m.key,
      // A lookup task reads the key; its job carries no network.
      ...(s.config.task.kind === 'classification' ? { ir: m.ir } : {}),
      ...(s.config.task.kind === 'image2image' ? { networks: m.networks } : {}),
      task: m.task ?? s.config.task,
      engine: s.config.engine,
      seed: (seedBase * 1_000_003 + parseInt(m.hash.slice(0, 8), 16)) >>> 0,
      timeLimitSeconds: s.config.timeLimitSeconds,
      // The run's pruner, options complete (prepareConfig): only a classification search's candidates, never a baseline.
      ...(s.pruned && s.config.task.kind === 'classification' && m.task === undefined && !s.baselinesInFlight.has(m.hash)
        ? { pruner: s.config.pruner }
        : {}),
    })),
  );
}
