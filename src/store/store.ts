/**
 * The store port: everything the controller, CLI and dashboard keep in the
 * database, behind a few methods in the spirit of Optuna's storages. One
 * implementation (Prisma) serves SQLite and PostgreSQL alike; the conformance
 * suite in test/store runs every method against both.
 */
import type { FailureCount } from '../common/failure-causes.js';
import type {
  CachedResult,
  Candidate,
  CandidateDetail,
  CandidatePage,
  CandidatePatch,
  CandidateQuery,
  CandidateResult,
  CandidateStatus,
  CommitOutcome,
  JsonObject,
  NewBaseline,
  NewCandidate,
  NewRun,
  Run,
  RunEvent,
  RunPatch,
  RunStatus,
  SampleGridRecord,
  Snapshot,
} from './types.js';
import type { TrainingStore } from './trainings.js';

/**
 * @example
 * const store = await openStore('file:./blockqnn.db'); // migrations applied here
 * const run = await store.createRun({ name: 'cifar', strategy: 'q-learning', engine: 'tfjs', taskKey, seed: 1, config });
 * await store.upsertQueuedCandidates(run.id, [{ hash, nsc, ir, flops, params, density }]);
 * // ... a worker trains it ...
 * await store.commitResults(run.id, [{ hash, result: { status: 'ok', accuracy: 0.91, reward: 0.88 } }], strategy.snapshot());
 * const { items } = await store.listCandidates(run.id, { sort: 'reward', order: 'desc', limit: 10 });
 * await store.close();
 */
export interface Store {
  readonly provider: 'sqlite' | 'postgresql';
  /** The database URL with any password replaced by ***. */
  readonly url: string;
  /** Final trainings (`blockqnn train`) and their checkpoints. */
  readonly trainings: TrainingStore;

  createRun(run: NewRun): Promise<Run>;
  /** Throws NOT_FOUND for an unknown id. */
  getRun(runId: string): Promise<Run>;
  /** Newest first. */
  listRuns(query?: { status?: RunStatus | RunStatus[]; limit?: number; offset?: number }): Promise<Run[]>;
  /**
   * Changes lifecycle fields. With `ifStatus`, applies only when the run is in
   * one of those statuses (compare-and-set, so two controllers cannot both
   * resume a run) and otherwise throws INVALID_INPUT naming the actual status.
   */
  updateRun(runId: string, patch: RunPatch, options?: { ifStatus?: RunStatus[] }): Promise<Run>;

  /**
   * Records sampled candidates as queued, in one transaction, once per
   * (run, hash): a hash the run already has comes back with `created: false`
   * and is left alone. Results are in input order. At most 1000 per call.
   */
  upsertQueuedCandidates(runId: string, candidates: readonly NewCandidate[]): Promise<{ candidate: Candidate; created: boolean }[]>;
  /** {@link upsertQueuedCandidates} for one candidate. */
  upsertQueuedCandidate(runId: string, candidate: NewCandidate): Promise<{ candidate: Candidate; created: boolean }>;
  /** Bookkeeping before the result (running, attempts, cancelled, requeued); ignored once a result is in. */
  updateCandidate(runId: string, hash: string, patch: CandidatePatch): Promise<Candidate>;
  /**
   * Writes results and the controller state that results from them in one
   * transaction, so a crash leaves all or nothing. Idempotent per candidate:
   * one that already has its result is 'duplicate' and unchanged; when every
   * item is a duplicate the snapshot is not written either. Cacheable results
   * also land in the cross-run cache under the run's task key. A result for a
   * candidate that was never queued fails the whole call with NOT_FOUND.
   * Outcomes are in input order. At most 1000 per call: committing all results
   * that arrived since the last commit together pays the transaction once.
   */
  commitResults(runId: string, results: readonly { hash: string; result: CandidateResult }[], snapshot: unknown): Promise<CommitOutcome[]>;
  /** {@link commitResults} for one result. */
  commitResult(runId: string, hash: string, result: CandidateResult, snapshot: unknown): Promise<CommitOutcome>;
  /**
   * Records hand-designed baselines of a run as queued (idempotent on (run, hash),
   * like upsertQueuedCandidates). They get negative sequences and stay out of the
   * run's candidate count, result counters, best candidate and snapshots.
   */
  upsertQueuedBaselines(runId: string, baselines: readonly NewBaseline[]): Promise<{ candidate: Candidate; created: boolean }[]>;
  /** Writes baseline results (no controller snapshot: the strategy never sees them); idempotent like commitResults. */
  commitBaselineResults(runId: string, results: readonly { hash: string; result: CandidateResult }[]): Promise<CommitOutcome[]>;
  /** Every baseline of a run in the order they were queued. The other reads (listCandidates, bestCandidates, countByStatus) leave baselines out. */
  listBaselines(runId: string): Promise<Candidate[]>;
  /** The controller state of the newest committed result, or null before the first. */
  latestSnapshot(runId: string): Promise<Snapshot | null>;

  /** One candidate with its IR, or null. */
  getCandidate(runId: string, hash: string): Promise<CandidateDetail | null>;
  /** An image-to-image candidate's sample grid, or null (no such candidate, or no grid). */
  candidateSamples(runId: string, hash: string): Promise<SampleGridRecord | null>;
  /**
   * A page of candidates, sorted and filtered in the database along an index;
   * cursors keep deep pages as cheap as the first. Throws NOT_FOUND for an
   * unknown run. `total` comes from counters, except when sorting by reward or
   * accuracy, where it is a COUNT (~10 ms per 100,000 rows).
   */
  listCandidates(runId: string, query?: CandidateQuery): Promise<CandidatePage>;
  /** The top candidates by reward (default) or accuracy. */
  bestCandidates(runId: string, options?: { by?: 'reward' | 'accuracy'; limit?: number }): Promise<Candidate[]>;
  /** Every status with its count, zeros included; cheap (result counts live on the run row). */
  countByStatus(runId: string): Promise<Record<CandidateStatus, number>>;
  /**
   * Why the run's candidates failed: reasons (common/failure-causes.ts `failureReason`) with their counts, most
   * frequent first, at most `limit` (default 5); baselines left out, as the other reads do.
   */
  failureReasons(runId: string, limit?: number): Promise<FailureCount[]>;
  /** Train seconds summed over the run's results, baselines left out (the dashboard's slot-hours); 0 without results. */
  trainSeconds(runId: string): Promise<number>;

  /** A result of the same architecture under the same task key from any run, or null. */
  cachedResult(taskKey: string, hash: string): Promise<CachedResult | null>;

  appendEvent(runId: string, kind: string, payload?: JsonObject): Promise<RunEvent>;
  /** Oldest first; `afterId` continues from the last event seen (for server-sent events). */
  listEvents(runId: string, query?: { afterId?: number; limit?: number }): Promise<RunEvent[]>;

  close(): Promise<void>;
}
