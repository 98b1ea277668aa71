/**
 * The asynchronous search loop of BlockQNN (Zhong et al., CVPR 2018, Sec. 4:
 * sample a batch of blocks, train them in parallel, update the agent as results
 * arrive), over the queue and the store, built so that nothing is lost or done
 * twice whatever crashes:
 *
 * - Results are told to the strategy only at commit points (commit.ts).
 * - New proposals are asked only from a committed state, and asking is
 *   deterministic given that state. The snapshot records how many candidates
 *   the run had then, so `resume` restores it and asks again: it gets exactly
 *   the candidates recorded after it (replay.ts), and continues identically.
 * - A candidate is queued with a job id derived from its hash, so re-enqueueing
 *   after a crash never trains it twice (enqueue.ts, reconcile.ts); the store is
 *   idempotent on (run, hash).
 * - Hand-designed baselines go through the same queue, engine, recipe and reward
 *   shaping, but never reach the strategy (baselines.ts).
 *
 * This file holds the turn itself and the end of a run; the parts live beside it.
 */
import type { SearchConfig } from '../config.js';
import { startBaselines } from './baselines.js';
import { commitArrived } from './commit.js';
import { refill } from './proposals.js';
import { reconcile } from './reconcile.js';
import { restore } from './replay.js';
import { LoopState } from './state.js';
import { describePause } from './systemic.js';
import { topFailures } from '../../common/failure-causes.js';
import type { SearchDeps, SearchOutcome } from './types.js';

export class SearchLoop {
  private readonly s: LoopState;
  private wake: (() => void) | undefined;
  private stopRequested = false;

  constructor(runId: string, config: SearchConfig, deps: SearchDeps) {
    this.s = new LoopState(runId, config, deps);
  }

  /** Asks the loop to stop at its next turn (the CLI's SIGINT, the dashboard's stop button via the store). */
  requestStop(): void {
    this.stopRequested = true;
    this.wake?.();
  }

  async run(): Promise<SearchOutcome> {
    const s = this.s;
    const { store, queue } = s.deps;
    const unlisten = await queue.listen((report) => {
      const id = report.kind === 'result' ? report.result.runId : report.runId;
      if (id !== s.runId) return;
      s.reports.push(report);
      this.wake?.();
    });
    try {
      await restore(s);
      await queue.clearCancel(s.runId);
      await startBaselines(s);
      await reconcile(s);
      let lastPoll = 0;
      let lastReconcile = Date.now();
      for (;;) {
        // Events can be missed (Redis restarted empty, a dropped connection): look at the jobs themselves now and then.
        if (Date.now() - lastReconcile > (s.deps.reconcileEveryMs ?? 10_000)) {
          lastReconcile = Date.now();
          await reconcile(s);
        }
        if (Date.now() - lastPoll > 1000) {
          lastPoll = Date.now();
          // The time spent is saved with the heartbeat, so a crash loses at most a second of the time budget's account.
          const run = await store.updateRun(s.runId, { heartbeatAt: new Date(), secondsSpent: s.secondsSpent() });
          if (run.status === 'stopping') this.stopRequested = true;
        }
        if (this.stopRequested) return await this.stop();
        await commitArrived(s);
        // Checked before proposing more: a run whose results keep failing for the host's fault spends no more of its budget.
        if (s.pause) return await this.pause();
        await refill(s);
        if (s.pause) return await this.pause();
        this.reportProgress();
        if (s.inFlight.size === 0 && s.baselinesInFlight.size === 0 && !s.canAsk()) return await this.finish();
        if (s.reports.length === 0) await this.sleep(1000);
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

  private async stop(): Promise<SearchOutcome> {
    const s = this.s;
    await s.forgetting;
    const removed = await s.deps.queue.cancelRun(s.runId);
    await s.deps.store.updateRun(s.runId, { status: 'stopped', controllerId: null, secondsSpent: s.secondsSpent() });
    await s.deps.store.appendEvent(s.runId, 'stopped', {
      inFlight: s.inFlight.size,
      baselinesInFlight: s.baselinesInFlight.size,
      removedJobs: removed,
    });
    const baselines = s.baselinesInFlight.size > 0 ? ` and ${s.baselinesInFlight.size} baseline(s)` : '';
    s.deps.log(
      `run ${s.runId}: stopped with ${s.inFlight.size} candidate(s)${baselines} in flight; \`blockqnn resume ${s.runId}\` continues exactly here`,
    );
    return 'stopped';
  }

  /**
   * Pauses the run as a stop does (queued jobs cancelled, in-flight ones re-enqueued by resume), with the
   * reason stored as the run's error: results kept failing for one environmental cause (systemic.ts).
   */
  private async pause(): Promise<SearchOutcome> {
    const s = this.s;
    const pause = s.pause!;
    await s.forgetting;
    const removed = await s.deps.queue.cancelRun(s.runId);
    const reason = describePause(pause);
    await s.deps.store.updateRun(s.runId, { status: 'paused', error: reason, controllerId: null, secondsSpent: s.secondsSpent() });
    await s.deps.store.appendEvent(s.runId, 'paused', {
      cause: pause.cause,
      reason: pause.reason,
      count: pause.count,
      workers: pause.workers,
      inFlight: s.inFlight.size,
      removedJobs: removed,
    });
    this.reportProgress();
    s.deps.log(`run ${s.runId} paused: ${reason}`);
    s.deps.log(`nothing committed is lost; fix that, then \`blockqnn resume ${s.runId}\` continues exactly here`);
    return 'paused';
  }

  private async finish(): Promise<SearchOutcome> {
    const s = this.s;
    await s.forgetting;
    await s.deps.store.updateRun(s.runId, {
      status: 'finished',
      finishedAt: new Date(),
      controllerId: null,
      secondsSpent: s.secondsSpent(),
    });
    if (s.pruned && s.config.task.kind === 'classification')
      await s.deps.queue.clearPruningBoard(s.runId, s.config.task.recipe.epochs).catch(() => undefined);
    await s.deps.store.appendEvent(s.runId, 'finished', { results: s.done, failed: s.failed });
    this.reportProgress();
    return 'finished';
  }

  private reportProgress(): void {
    const s = this.s;
    // The run's own figures: every result it has over every second it has run (a resumed run's results are not all this process's).
    const seconds = s.secondsSpent();
    s.deps.onProgress?.({
      runId: s.runId,
      done: s.done,
      inFlight: s.inFlight.size,
      failed: s.failed,
      budget: s.config.budget.candidates ?? null,
      bestReward: s.bestReward,
      bestAccuracy: s.bestAccuracy,
      candidatesPerSecond: seconds > 0 ? s.done / seconds : 0,
      baselinesInFlight: s.baselinesInFlight.size,
      topFailures: topFailures(s.failureTally, 3),
    });
  }
}
