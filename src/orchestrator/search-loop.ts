/**
 * The asynchronous search loop of BlockQNN (Zhong et al., CVPR 2018, Sec. 4:
 * sample a batch of blocks, train them in parallel, update the agent as results
 * arrive), over the queue and the store, built so that nothing is lost or done
 * twice whatever crashes:
 *
 * - Results are told to the strategy only at commit points: every result that
 *   arrived is told, then committed together with the strategy snapshot in one
 *   transaction, then removed from Redis. A crash before the commit leaves the
 *   result in Redis, where `resume` finds it.
 * - New proposals are asked only from a committed state, and asking is
 *   deterministic given that state. The snapshot records how many candidates
 *   the run had then, so `resume` restores it and asks again: it gets exactly
 *   the candidates recorded after it (checked), and continues identically.
 * - A candidate is queued with a job id derived from its hash, so re-enqueueing
 *   after a crash never trains it twice; the store is idempotent on (run, hash).
 * - Hand-designed baselines go through the same queue, engine, recipe and reward
 *   shaping, but never reach the strategy: they are committed without a snapshot,
 *   count against no budget, and a resumed run evaluates only those without a result.
 */
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import { type AnySpace, NO_PRUNER, type Proposal, type Strategy, type StrategySnapshot, shapedReward } from '../controller/index.js';
import { JOB_CONTRACT, type EvaluateResult } from '../queue/contract.js';
import type { EvaluationQueue, JobReport } from '../queue/evaluation-queue.js';
import { type CachedResult, type Candidate, type CandidateQuery, type CandidateResult, MAX_BATCH, RESULT_STATUSES, type ResultStatus, type Store } from '../store/index.js';
import { boardCurve, type BoardCurve } from '../queue/pruning-board.js';
import { learnedFitness, strategyEvaluation } from './pruned-result.js';
import type { MaterializedBaseline } from './baselines.js';
import type { CandidateFactory, MaterializedCandidate } from './candidates.js';
import type { SearchConfig } from './config.js';
import { runReward } from './run-reward.js';

export const SEARCH_SNAPSHOT_FORMAT = 'blockqnn-search/1';

interface SearchSnapshot {
  format: typeof SEARCH_SNAPSHOT_FORMAT;
  strategy: StrategySnapshot;
  /** Candidates the run had recorded when this snapshot was committed. */
  candidates: number;
}

interface InFlight {
  proposalIds: string[];
  candidate: Pick<MaterializedCandidate, 'key' | 'hash' | 'flops' | 'density'>;
}

interface KnownResult {
  status: ResultStatus;
  accuracy: number | null;
}

/** A committed result with the cost a later duplicate proposal is told with (so it needs no materialising). */
type KnownCandidate = KnownResult & { flops: number; density: number };

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

export type SearchOutcome = 'finished' | 'stopped';

/** Consecutive proposals of already-known candidates after which the space counts as exhausted. */
const EXHAUSTED_AFTER = 2000;

export class SearchLoop {
  private strategy!: Strategy;
  private readonly inFlight = new Map<string, InFlight>();
  /** Baselines queued and not yet committed: evaluated like candidates, never told to the strategy. */
  private readonly baselinesInFlight = new Map<string, MaterializedBaseline>();
  private readonly known = new Map<string, KnownCandidate>();
  /** Hashes whose report came from the cross-run result cache, not a worker: stored with fromCache. */
  private readonly answeredFromCache = new Set<string>();
  private reports: JobReport[] = [];
  private wake: (() => void) | undefined;
  private recorded = 0;
  private done = 0;
  private failed = 0;
  private bestReward: number | null = null;
  private bestAccuracy: number | null = null;
  private exhausted = false;
  private stopRequested = false;
  /** Removals of committed jobs from Redis still under way (see forgetLater). */
  private forgetting: Promise<void> = Promise.resolve();
  private readonly reward;
  private readonly started = Date.now();
  /** Seconds the run had spent in earlier sessions (Run.secondsSpent), read at restore. */
  private spentBefore = 0;

  constructor(
    private readonly runId: string,
    private readonly config: SearchConfig,
    private readonly deps: SearchDeps,
  ) {
    // The reward the strategy learns from (run-reward.ts), so the stored reward is the optimised one.
    this.reward = runReward(config, deps.space);
  }

  /** Asks the loop to stop at its next turn (the CLI's SIGINT, the dashboard's stop button via the store). */
  requestStop(): void {
    this.stopRequested = true;
    this.wake?.();
  }

  async run(): Promise<SearchOutcome> {
    const { store, queue } = this.deps;
    const unlisten = await queue.listen((report) => {
      const id = report.kind === 'result' ? report.result.runId : report.runId;
      if (id !== this.runId) return;
      this.reports.push(report);
      this.wake?.();
    });
    try {
      await this.restore();
      await queue.clearCancel(this.runId);
      await this.startBaselines();
      await this.reconcile();
      let lastPoll = 0;
      let lastReconcile = Date.now();
      for (;;) {
        // Events can be missed (Redis restarted empty, a dropped connection): look at the jobs themselves now and then.
        if (Date.now() - lastReconcile > (this.deps.reconcileEveryMs ?? 10_000)) {
          lastReconcile = Date.now();
          await this.reconcile();
        }
        if (Date.now() - lastPoll > 1000) {
          lastPoll = Date.now();
          // The time spent is saved with the heartbeat, so a crash loses at most a second of the time budget's account.
          const run = await store.updateRun(this.runId, { heartbeatAt: new Date(), secondsSpent: this.secondsSpent() });
          if (run.status === 'stopping') this.stopRequested = true;
        }
        if (this.stopRequested) return await this.stop();
        await this.commitArrived();
        await this.refill();
        this.reportProgress();
        if (this.inFlight.size === 0 && this.baselinesInFlight.size === 0 && !this.canAsk()) return await this.finish();
        if (this.reports.length === 0) await this.sleep(1000);
      }
    } finally {
      await unlisten();
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }

  private budgetLeft(): boolean {
    const { candidates, seconds } = this.config.budget;
    if (candidates !== undefined && this.recorded >= candidates) return false;
    if (seconds !== undefined && this.secondsSpent() >= seconds) return false;
    return true;
  }

  private canAsk(): boolean {
    return !this.exhausted && this.budgetLeft();
  }

  // ---- restore and replay -------------------------------------------------

  /** Seconds the run has spent over all its sessions: a time budget and the rate line count from the run's start, not this process's. */
  private secondsSpent(): number {
    return this.spentBefore + (Date.now() - this.started) / 1000;
  }

  private async restore(): Promise<void> {
    const { store, log } = this.deps;
    this.spentBefore = (await store.getRun(this.runId)).secondsSpent;
    const snapshot = await store.latestSnapshot(this.runId);
    let since = 0;
    if (snapshot) {
      const state = snapshot.state as SearchSnapshot;
      if (state?.format !== SEARCH_SNAPSHOT_FORMAT) {
        throw new BlockqnnError(ErrorCode.IO_ERROR, `run ${this.runId}: the stored controller snapshot is not a ${SEARCH_SNAPSHOT_FORMAT} snapshot`);
      }
      this.strategy = this.deps.restoreStrategy(state.strategy);
      since = state.candidates;
    } else {
      this.strategy = this.deps.createStrategy();
    }
    await this.loadKnown();
    this.recorded = since;
    for (const p of this.strategy.pending()) this.track(p, this.deps.candidates.materialize(p.key));
    // Replay: asks after the snapshot are a pure function of it; ask again and match the record.
    const later = await this.candidatesAfter(since);
    for (const expected of later) {
      for (;;) {
        const proposal = this.strategy.ask();
        const hash = this.deps.candidates.hashOf(proposal.key);
        if (this.handleDuplicate(proposal, hash)) continue;
        const m = this.deps.candidates.materialize(proposal.key);
        if (m.hash !== expected.hash) {
          throw new BlockqnnError(ErrorCode.INTERNAL, `run ${this.runId}: resume diverged at candidate ${expected.sequence}: the strategy proposed ${proposal.key}, the record says ${expected.nsc}`, {
            hint: 'the strategy is not deterministic for its snapshot; report this with the run database',
          });
        }
        this.track(proposal, m);
        this.recorded++;
        break;
      }
    }
    if (snapshot || later.length) log(`run ${this.runId}: restored ${snapshot ? `snapshot at ${since} candidates` : 'a fresh strategy'}, replayed ${later.length} proposal(s), ${this.inFlight.size} in flight`);
  }

  /** Every candidate of the run matching `query`, page by page along the store's cursor. */
  private async *eachCandidate(query: CandidateQuery): AsyncGenerator<Candidate> {
    let cursor: string | undefined;
    do {
      const page = await this.deps.store.listCandidates(this.runId, { ...query, limit: 1000, ...(cursor ? { cursor } : {}) });
      yield* page.items;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }

  /** The run's results; with a pruner, its pruning board re-seeded from them (exact decisions after a crash or a Redis loss). */
  private async loadKnown(): Promise<void> {
    const curves: BoardCurve[] = [];
    for await (const c of this.eachCandidate({ status: [...RESULT_STATUSES] })) {
      this.noteResult(c.hash, { status: c.status as ResultStatus, accuracy: c.accuracy, reward: c.reward }, c);
      if (this.pruned && c.curve && c.curve.length > 0) curves.push(boardCurve(c.hash, c.status, c.curve.map((p) => ({ valAccuracy: p.valAccuracy ?? null }))));
    }
    if (curves.length > 0) await this.deps.queue.seedPruningBoard(this.runId, curves);
  }

  /** Whether the run's jobs carry a pruner. */
  private get pruned(): boolean {
    return this.config.pruner.name !== NO_PRUNER;
  }

  private async candidatesAfter(sequence: number): Promise<Candidate[]> {
    const out: Candidate[] = [];
    for await (const c of this.eachCandidate({ sort: 'sequence', order: 'asc' })) if (c.sequence > sequence) out.push(c);
    return out;
  }

  private track(proposal: Proposal, m: Pick<MaterializedCandidate, 'key' | 'hash' | 'flops' | 'density'>): void {
    const entry = this.inFlight.get(m.hash);
    if (entry) entry.proposalIds.push(proposal.id);
    else this.inFlight.set(m.hash, { proposalIds: [proposal.id], candidate: { key: m.key, hash: m.hash, flops: m.flops, density: m.density } });
  }

  /** A proposal of a candidate this run already has: tell its known result, or wait for the one in flight. */
  private handleDuplicate(proposal: Proposal, hash: string): boolean {
    const known = this.known.get(hash);
    if (known) {
      this.strategy.tell(proposal.id, this.toEvaluation(known, known));
      return true;
    }
    const entry = this.inFlight.get(hash);
    if (entry) {
      entry.proposalIds.push(proposal.id);
      return true;
    }
    return false;
  }

  private toEvaluation(result: KnownResult, cost: { flops: number; density: number }) {
    return strategyEvaluation(result, cost);
  }

  // ---- reconcile with the queue ---------------------------------------------

  /** Collect results whose events were missed, re-enqueue jobs Redis lost or a stop cancelled (at start and periodically). */
  private async reconcile(): Promise<void> {
    if (this.inFlight.size === 0 && this.baselinesInFlight.size === 0) return;
    const reports = await this.deps.queue.reconcile(this.runId, [...this.inFlight.keys(), ...this.baselinesInFlight.keys()]);
    const again: string[] = [];
    for (const report of reports) {
      if (report.kind === 'result') this.reports.push(report);
      else if (report.kind === 'lost') again.push(report.candidateHash);
      else if (report.kind === 'cancelled') {
        await this.deps.queue.forget(this.runId, report.candidateHash);
        again.push(report.candidateHash);
      } else if (report.kind === 'failed') this.reports.push(report);
    }
    if (again.length) {
      await this.enqueue(again.map((hash) => this.baselinesInFlight.get(hash) ?? this.deps.candidates.materialize(this.inFlight.get(hash)!.candidate.key)));
      await this.deps.store.appendEvent(this.runId, 'requeued', { count: again.length });
      this.deps.log(`run ${this.runId}: re-enqueued ${again.length} job(s) missing from Redis or cancelled by a stop`);
    }
  }

  // ---- results ---------------------------------------------------------------

  /** Commits every report that arrived, in slices the store takes in one call (each slice with its own snapshot). */
  private async commitArrived(): Promise<void> {
    while (this.reports.length > 0) await this.commitSlice(this.reports.splice(0, MAX_BATCH));
  }

  private async commitSlice(reports: JobReport[]): Promise<void> {
    const items: { hash: string; result: CandidateResult }[] = [];
    const costs: { flops: number; density: number }[] = [];
    const baselineItems: { hash: string; result: CandidateResult }[] = [];
    const lateDuplicates: string[] = [];
    for (const report of reports) {
      if (report.kind === 'pending' || report.kind === 'lost') continue;
      const hash = report.kind === 'result' ? report.result.candidateHash : report.candidateHash;
      const baseline = this.baselinesInFlight.get(hash);
      if (baseline) {
        if (report.kind === 'cancelled') continue;
        const result = report.kind === 'result' ? report.result : null;
        const known: KnownResult = result ? { status: result.status, accuracy: result.accuracy } : { status: 'failed', accuracy: null };
        this.baselinesInFlight.delete(hash);
        baselineItems.push({ hash, result: this.toCandidateResult(known, baseline, result, report.kind === 'failed' ? report : null) });
        continue;
      }
      const entry = this.inFlight.get(hash);
      if (!entry) {
        // A late duplicate of a result already committed (a job delivered twice): recorded once, and its job
        // removed, or it would stay in Redis for good.
        if (report.kind === 'result' && this.known.has(hash)) lateDuplicates.push(hash);
        continue;
      }
      if (report.kind === 'cancelled') continue; // a stop's cancellation; resume re-enqueues it
      const result = report.kind === 'result' ? report.result : null;
      const known: KnownResult = result ? { status: result.status, accuracy: result.accuracy } : { status: 'failed', accuracy: null };
      for (const id of entry.proposalIds) this.strategy.tell(id, this.toEvaluation(known, entry.candidate));
      this.inFlight.delete(hash);
      items.push({ hash, result: this.toCandidateResult(known, entry.candidate, result, report.kind === 'failed' ? report : null) });
      costs.push(entry.candidate);
    }
    if (lateDuplicates.length > 0) {
      this.forgetLater(lateDuplicates);
      this.deps.log(`run ${this.runId}: ignored ${lateDuplicates.length} late duplicate result(s) of candidates already recorded`);
    }
    if (baselineItems.length > 0) {
      await this.deps.store.commitBaselineResults(this.runId, baselineItems);
      this.forgetLater(baselineItems.map(({ hash }) => hash));
    }
    if (items.length === 0) return;
    await this.deps.store.commitResults(this.runId, items, this.snapshot());
    items.forEach(({ hash, result }, i) => this.noteResult(hash, result, costs[i]!));
    // The board holds what the store holds, whatever Redis lost meanwhile (one idempotent, pipelined call; the
    // workers recorded the same already): later decisions read exactly what a resume would re-seed.
    if (this.pruned) await this.deps.queue.seedPruningBoard(this.runId, items.filter(({ result }) => result.curve && result.curve.length > 0).map(({ hash, result }) => boardCurve(hash, result.status, result.curve!.map((p) => ({ valAccuracy: p.valAccuracy ?? null })))));
    this.forgetLater(items.map(({ hash }) => hash));
  }

  /**
   * Removes committed jobs from Redis while the loop goes on: Redis works through the
   * removals while this process commits and proposes the next batch. Only committed
   * results are removed; a crash before a removal leaves a finished job in Redis whose
   * result is already recorded, so it is never read or trained again (its key is the
   * whole cost). A run that stops or finishes waits for every removal.
   */
  private forgetLater(hashes: readonly string[]): void {
    const removals = this.forgetting.then(() => Promise.all(hashes.map((hash) => this.deps.queue.forget(this.runId, hash))));
    this.forgetting = removals.then(() => undefined, () => undefined);
  }

  // ---- baselines -------------------------------------------------------------------

  /**
   * Queues the run's baselines once: rows already holding a result (a resumed
   * run) are left alone, rows still open are collected or re-enqueued by
   * reconcile, new ones are answered from the result cache or enqueued.
   */
  private async startBaselines(): Promise<void> {
    const list = this.deps.baselines?.() ?? [];
    if (list.length === 0) return;
    const rows = await this.deps.store.upsertQueuedBaselines(
      this.runId,
      list.map((m) => ({ hash: m.hash, nsc: m.key, ir: m.ir, flops: m.flops, params: m.params, density: m.density, baseline: m.baseline })),
    );
    const fresh: MaterializedBaseline[] = [];
    let finished = 0;
    let cachedCount = 0;
    for (const [i, { candidate, created }] of rows.entries()) {
      if ((RESULT_STATUSES as readonly string[]).includes(candidate.status)) {
        finished++;
        continue;
      }
      const m = list[i]!;
      this.baselinesInFlight.set(m.hash, m);
      if (!created) continue;
      const cached = this.config.reuseResults ? await this.deps.store.cachedResult(this.config.taskKey, m.hash) : null;
      if (cached) {
        this.reports.push(this.cachedReport(m.hash, cached));
        cachedCount++;
      } else fresh.push(m);
    }
    if (fresh.length > 0) await this.enqueue(fresh);
    const waiting = this.baselinesInFlight.size - fresh.length - cachedCount;
    // Committed now: left in flight, reconcile would find no job for them and train them after all.
    if (cachedCount > 0) await this.commitArrived();
    this.deps.log(`run ${this.runId}: ${list.length} baseline(s): ${finished} already evaluated, ${cachedCount} from the result cache, ${fresh.length} queued, ${waiting} waiting from before`);
  }

  /** The cache entry as a worker's report; no training happened in this run, so no seconds are counted. */
  private cachedReport(hash: string, cached: CachedResult): JobReport {
    this.answeredFromCache.add(hash);
    return {
      kind: 'result',
      result: {
        contract: 'blockqnn/result@1', runId: this.runId, candidateHash: hash, status: cached.status, accuracy: cached.accuracy,
        curve: [], trainSeconds: 0, evalSeconds: 0, imagesPerSecond: null, worker: { id: 'cache', host: 'cache', pid: 0 },
        engine: { name: this.config.engine, description: 'result cache' }, attempt: 1, finishedAt: Date.now(),
        ...(cached.metrics ? { extra: { ...cached.metrics } } : {}),
      },
    };
  }

  private toCandidateResult(known: KnownResult, cost: { flops: number; density: number }, result: EvaluateResult | null, failure: { reason: string; attempts: number; workerId?: string } | null): CandidateResult {
    const fitness = learnedFitness(known);
    const reward = fitness !== null ? shapedReward({ accuracy: fitness, flops: cost.flops, density: cost.density }, this.reward) : null;
    return {
      status: known.status,
      accuracy: known.accuracy,
      reward,
      curve: result?.curve.map((r) => ({ ...r })) ?? null,
      trainSeconds: result?.trainSeconds ?? null,
      evalSeconds: result?.evalSeconds ?? null,
      workerId: result?.worker.id ?? failure?.workerId ?? null,
      engine: result?.engine.name ?? this.config.engine,
      attempts: result?.attempt ?? failure?.attempts ?? 0,
      error: result?.error ?? failure?.reason ?? null,
      ...(result?.startedAt !== undefined ? { startedAt: new Date(result.startedAt) } : {}),
      finishedAt: new Date(result?.finishedAt ?? Date.now()),
      metrics: result?.extra && Object.keys(result.extra).length > 0 ? { ...result.extra } : null,
      fromCache: result !== null && this.answeredFromCache.delete(result.candidateHash),
      ...(result?.samples ? { samples: result.samples } : {}),
    };
  }

  private noteResult(hash: string, result: CandidateResult, cost: { flops: number; density: number }): void {
    this.known.set(hash, { status: result.status, accuracy: result.accuracy ?? null, flops: cost.flops, density: cost.density });
    this.done++;
    if (result.status !== 'ok' && result.status !== 'pruned') this.failed++;
    if (result.reward != null && (this.bestReward === null || result.reward > this.bestReward)) this.bestReward = result.reward;
    if (result.accuracy != null && (this.bestAccuracy === null || result.accuracy > this.bestAccuracy)) this.bestAccuracy = result.accuracy;
  }

  private snapshot(): SearchSnapshot {
    return { format: SEARCH_SNAPSHOT_FORMAT, strategy: this.strategy.snapshot(), candidates: this.recorded };
  }

  // ---- proposals ---------------------------------------------------------------

  private async refill(): Promise<void> {
    const fresh: MaterializedCandidate[] = [];
    let duplicates = 0;
    while (this.inFlight.size < this.config.maxInFlight && this.canAsk()) {
      const proposal = this.strategy.ask();
      let m: MaterializedCandidate;
      try {
        // Hashing is cheap and most late proposals are known: building the network waits until it is needed.
        if (this.handleDuplicate(proposal, this.deps.candidates.hashOf(proposal.key))) {
          if (++duplicates >= EXHAUSTED_AFTER) {
            this.exhausted = true;
            this.deps.log(`run ${this.runId}: ${EXHAUSTED_AFTER} proposals in a row were known candidates; the space looks exhausted`);
          }
          continue;
        }
        m = this.deps.candidates.materialize(proposal.key);
      } catch (error) {
        // A code the strategy may legally write but no network can be built from (e.g. too deep for the image).
        await this.commitUnbuildable(proposal, error, fresh);
        continue;
      }
      duplicates = 0;
      const cached = this.config.reuseResults ? await this.deps.store.cachedResult(this.config.taskKey, m.hash) : null;
      this.track(proposal, m);
      this.recorded++;
      if (cached) {
        await this.flushFresh(fresh);
        await this.deps.store.upsertQueuedCandidates(this.runId, [this.newCandidate(m)]);
        this.reports.push(this.cachedReport(m.hash, cached));
        await this.commitArrived();
        continue;
      }
      fresh.push(m);
    }
    await this.flushFresh(fresh);
  }

  private async commitUnbuildable(proposal: Proposal, error: unknown, fresh: MaterializedCandidate[]): Promise<void> {
    await this.flushFresh(fresh);
    const message = error instanceof Error ? error.message : String(error);
    this.strategy.tell(proposal.id, { status: 'failed', reason: message });
    this.deps.log(`run ${this.runId}: proposal ${proposal.key} cannot be built: ${message}`);
    await this.deps.store.appendEvent(this.runId, 'unbuildable', { key: proposal.key, error: message.slice(0, 2000) });
  }

  private newCandidate(m: MaterializedCandidate) {
    return { hash: m.hash, nsc: m.key, ...(this.deps.candidates.storesIr && m.ir ? { ir: m.ir } : {}), flops: m.flops, params: m.params, density: m.density };
  }

  private async flushFresh(fresh: MaterializedCandidate[]): Promise<void> {
    if (fresh.length === 0) return;
    while (fresh.length > 0) {
      const batch = fresh.splice(0, MAX_BATCH);
      await this.deps.store.upsertQueuedCandidates(this.runId, batch.map((m) => this.newCandidate(m)));
      await this.enqueue(batch);
    }
  }

  private async enqueue(batch: MaterializedCandidate[]): Promise<void> {
    const seedBase = this.config.seed;
    await this.deps.queue.enqueueMany(
      batch.map((m) => ({
        contract: JOB_CONTRACT,
        runId: this.runId,
        candidateHash: m.hash,
        candidateKey: m.key,
        // A lookup task reads the key; its job carries no network.
        ...(this.config.task.kind === 'classification' ? { ir: m.ir } : {}),
        ...(this.config.task.kind === 'image2image' ? { networks: m.networks } : {}),
        task: m.task ?? this.config.task,
        engine: this.config.engine,
        seed: (seedBase * 1_000_003 + parseInt(m.hash.slice(0, 8), 16)) >>> 0,
        timeLimitSeconds: this.config.timeLimitSeconds,
        // The run's pruner, options complete (prepareConfig): only a classification search's candidates, never a baseline.
        ...(this.pruned && this.config.task.kind === 'classification' && m.task === undefined && !this.baselinesInFlight.has(m.hash) ? { pruner: this.config.pruner } : {}),
      })),
    );
  }

  // ---- end of a run ---------------------------------------------------------------

  private async stop(): Promise<SearchOutcome> {
    await this.forgetting;
    const removed = await this.deps.queue.cancelRun(this.runId);
    await this.deps.store.updateRun(this.runId, { status: 'stopped', controllerId: null, secondsSpent: this.secondsSpent() });
    await this.deps.store.appendEvent(this.runId, 'stopped', { inFlight: this.inFlight.size, baselinesInFlight: this.baselinesInFlight.size, removedJobs: removed });
    const baselines = this.baselinesInFlight.size > 0 ? ` and ${this.baselinesInFlight.size} baseline(s)` : '';
    this.deps.log(`run ${this.runId}: stopped with ${this.inFlight.size} candidate(s)${baselines} in flight; \`blockqnn resume ${this.runId}\` continues exactly here`);
    return 'stopped';
  }

  private async finish(): Promise<SearchOutcome> {
    await this.forgetting;
    await this.deps.store.updateRun(this.runId, { status: 'finished', finishedAt: new Date(), controllerId: null, secondsSpent: this.secondsSpent() });
    if (this.pruned && this.config.task.kind === 'classification') await this.deps.queue.clearPruningBoard(this.runId, this.config.task.recipe.epochs).catch(() => undefined);
    await this.deps.store.appendEvent(this.runId, 'finished', { results: this.done, failed: this.failed });
    this.reportProgress();
    return 'finished';
  }

  private reportProgress(): void {
    // The run's own figures: every result it has over every second it has run (a resumed run's results are not all this process's).
    const seconds = this.secondsSpent();
    this.deps.onProgress?.({
      runId: this.runId,
      done: this.done,
      inFlight: this.inFlight.size,
      failed: this.failed,
      budget: this.config.budget.candidates ?? null,
      bestReward: this.bestReward,
      bestAccuracy: this.bestAccuracy,
      candidatesPerSecond: seconds > 0 ? this.done / seconds : 0,
      baselinesInFlight: this.baselinesInFlight.size,
    });
  }
}
