/**
 * What the search loop knows between turns: the strategy, the candidates and
 * baselines in flight, the committed results, the reports not yet committed,
 * and the counters progress shows. Every part of the loop (loop/*.ts) reads and
 * changes it; none of them keeps state of its own.
 */
import { type EvaluationResult, NO_PRUNER, type Proposal, type RewardOptions, type Strategy } from '../../controller/index.js';
import { strategyEvaluation } from '../pruned-result.js';
import type { JobReport } from '../../queue/evaluation-queue.js';
import type { CandidateResult } from '../../store/index.js';
import type { MaterializedBaseline } from '../baselines.js';
import type { MaterializedCandidate } from '../candidates.js';
import type { SearchConfig } from '../config.js';
import { failureReason } from '../../common/failure-causes.js';
import { runReward } from '../run-reward.js';
import { type SystemicPause, SystemicFailureWatch } from './systemic.js';
import {
  type Cost,
  type InFlight,
  type KnownCandidate,
  type KnownResult,
  SEARCH_SNAPSHOT_FORMAT,
  type SearchDeps,
  type SearchSnapshot,
} from './types.js';

export class LoopState {
  strategy!: Strategy;
  readonly inFlight = new Map<string, InFlight>();
  /** Baselines queued and not yet committed: evaluated like candidates, never told to the strategy. */
  readonly baselinesInFlight = new Map<string, MaterializedBaseline>();
  readonly known = new Map<string, KnownCandidate>();
  /** Hashes whose report came from the cross-run result cache, not a worker: stored with fromCache. */
  readonly answeredFromCache = new Set<string>();
  reports: JobReport[] = [];
  recorded = 0;
  done = 0;
  failed = 0;
  bestReward: number | null = null;
  bestAccuracy: number | null = null;
  exhausted = false;
  /** Watches for results failing for one environmental cause in a row (systemic.ts); `pause` is set once they are too many. */
  readonly systemic: SystemicFailureWatch;
  pause: SystemicPause | null = null;
  /** Failed results by reason (common/failure-causes.ts), over every session of the run: the progress shows the top ones. */
  readonly failureTally = new Map<string, number>();
  /** Removals of committed jobs from Redis still under way (commit.ts forgetLater). */
  forgetting: Promise<void> = Promise.resolve();
  /** The reward the strategy learns from (run-reward.ts), so the stored reward is the optimised one. */
  readonly reward: Required<RewardOptions>;
  readonly started = Date.now();
  /** Seconds the run had spent in earlier sessions (Run.secondsSpent), read at restore. */
  spentBefore = 0;

  constructor(
    readonly runId: string,
    readonly config: SearchConfig,
    readonly deps: SearchDeps,
  ) {
    this.reward = runReward(config, deps.space);
    this.systemic = new SystemicFailureWatch(config.pauseAfterFailures);
  }

  /** Whether the run's jobs carry a pruner. */
  get pruned(): boolean {
    return this.config.pruner.name !== NO_PRUNER;
  }

  /** Seconds the run has spent over all its sessions: a time budget and the rate line count from the run's start, not this process's. */
  secondsSpent(): number {
    return this.spentBefore + (Date.now() - this.started) / 1000;
  }

  budgetLeft(): boolean {
    const { candidates, seconds } = this.config.budget;
    if (candidates !== undefined && this.recorded >= candidates) return false;
    if (seconds !== undefined && this.secondsSpent() >= seconds) return false;
    return true;
  }

  canAsk(): boolean {
    return !this.exhausted && this.budgetLeft();
  }

  track(proposal: Proposal, m: Pick<MaterializedCandidate, 'key' | 'hash' | 'flops' | 'density'>): void {
    const entry = this.inFlight.get(m.hash);
    if (entry) entry.proposalIds.push(proposal.id);
    else
      this.inFlight.set(m.hash, {
        proposalIds: [proposal.id],
        candidate: { key: m.key, hash: m.hash, flops: m.flops, density: m.density },
      });
  }

  /** A proposal of a candidate this run already has: tell its known result, or wait for the one in flight. */
  handleDuplicate(proposal: Proposal, hash: string): boolean {
    const known = this.known.get(hash);
    if (known) {
      this.strategy.tell(proposal.id, toEvaluation(known, known));
      return true;
    }
    const entry = this.inFlight.get(hash);
    if (entry) {
      entry.proposalIds.push(proposal.id);
      return true;
    }
    return false;
  }

  noteResult(hash: string, result: CandidateResult, cost: Cost): void {
    this.known.set(hash, { status: result.status, accuracy: result.accuracy ?? null, flops: cost.flops, density: cost.density });
    this.done++;
    if (result.status !== 'ok' && result.status !== 'pruned') {
      this.failed++;
      const reason = failureReason(result.status, result.error);
      this.failureTally.set(reason, (this.failureTally.get(reason) ?? 0) + 1);
    }
    if (result.reward != null && (this.bestReward === null || result.reward > this.bestReward)) this.bestReward = result.reward;
    if (result.accuracy != null && (this.bestAccuracy === null || result.accuracy > this.bestAccuracy)) this.bestAccuracy = result.accuracy;
  }

  snapshot(): SearchSnapshot {
    return { format: SEARCH_SNAPSHOT_FORMAT, strategy: this.strategy.snapshot(), candidates: this.recorded };
  }
}

/** A result as the strategy is told it: a measured fitness, or the failure. */
export function toEvaluation(result: KnownResult, cost: Cost): EvaluationResult {
  return strategyEvaluation(result, cost);
}
