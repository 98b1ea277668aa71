/** The search loop's shared types: what it depends on, reports, and commits as its snapshot. */
import type { FailureCount } from '../../common/failure-causes.js';
import type { AnySpace, Strategy, StrategySnapshot } from '../../controller/index.js';
import type { EvaluationQueue } from '../../queue/evaluation-queue.js';
import type { ResultStatus, Store } from '../../store/index.js';
import type { MaterializedBaseline } from '../baselines.js';
import type { CandidateFactory, MaterializedCandidate } from '../candidates.js';

export const SEARCH_SNAPSHOT_FORMAT = 'blockqnn-search/1';

export interface SearchSnapshot {
  format: typeof SEARCH_SNAPSHOT_FORMAT;
  strategy: StrategySnapshot;
  /** Candidates the run had recorded when this snapshot was committed. */
  candidates: number;
}

/** The cost of a candidate a result is shaped and told with. */
export type Cost = { flops: number; density: number };

/** A candidate queued and not yet committed, with every proposal waiting for its result. */
export interface InFlight {
  proposalIds: string[];
  candidate: Pick<MaterializedCandidate, 'key' | 'hash' | 'flops' | 'density'>;
}

export interface KnownResult {
  status: ResultStatus;
  accuracy: number | null;
}

/** A committed result with the cost a later duplicate proposal is told with (so it needs no materialising). */
export type KnownCandidate = KnownResult & Cost;

export interface SearchProgress {
  runId: string;
  done: number;
  inFlight: number;
  failed: number;
  budget: number | null;
  bestReward: number | null;
  bestAccuracy: number | null;
  candidatesPerSecond: number;
  /** Hand-designed baselines of the run still waiting for their result. */
  baselinesInFlight: number;
  /** The most common reasons its candidates failed, over every session of the run, most frequent first (at most 3). */
  topFailures: FailureCount[];
}

export interface SearchDeps {
  store: Store;
  queue: EvaluationQueue;
  space: AnySpace;
  candidates: CandidateFactory;
  /** The run's hand-designed baselines, built for its task (none when absent). */
  baselines?(): MaterializedBaseline[];
  createStrategy(): Strategy;
  restoreStrategy(snapshot: StrategySnapshot): Strategy;
  log(line: string): void;
  onProgress?(progress: SearchProgress): void;
  /** How often in-flight jobs are checked against Redis while running (default 10 s). */
  reconcileEveryMs?: number;
}

/** `paused`: results kept failing for one environmental cause (systemic.ts); the run's error says which, and resume continues it. */
export type SearchOutcome = 'finished' | 'stopped' | 'paused';
