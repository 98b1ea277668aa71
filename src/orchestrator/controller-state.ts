/**
 * The one rule for a run's controller, used by `blockqnn stop` / `resume`, the
 * dashboard's API (POST /runs/:id/stop and /resume) and its page (which shows
 * the buttons the API says are allowed):
 *
 * - a run that is `running` or `stopping` has a controller, which is `alive`
 *   while it beats, and `dead` once it is known dead: its process is gone on
 *   this host (kill -9, a crash), or its heartbeat is older than
 *   STALE_CONTROLLER_MS (a controller on another host, or a cut power);
 * - a run in any other status has no controller (`none`).
 *
 * A dead controller is treated at once like none: the run can be resumed
 * (taken over) or stopped (its jobs cancelled here) without waiting, and the
 * page offers Resume. Only an alive controller is asked to stop through the
 * store, and only it keeps a resume out.
 */
import { hostname } from 'node:os';
import type { Run, RunStatus, Store } from '../store/index.js';

/** A controller that has not beaten for this long is dead, wherever it ran (it beats every 5 s). */
export const STALE_CONTROLLER_MS = 15_000;

export type ControllerState = 'alive' | 'dead' | 'none';

/** The fields of a run the rule reads. */
export type ControllerFacts = Pick<Run, 'status' | 'controllerId' | 'heartbeatAt'>;

/**
 * Whether the run's controller was a process of this host that no longer exists
 * (killed with -9, the host's power cut): then nobody need wait for its
 * heartbeat to go stale. Controller ids are host:pid (see cli/context.ts); an id
 * of another host, or of no pid, is never known gone here.
 */
export function controllerGone(controllerId: string | null): boolean {
  const m = /^(.+):(\d+)$/.exec(controllerId ?? '');
  if (!m || m[1] !== hostname()) return false;
  try {
    process.kill(Number(m[2]), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** The run's controller: alive, known dead, or none (the run is not running or stopping). */
export function controllerState(
  run: ControllerFacts,
  now = Date.now(),
  gone: (controllerId: string | null) => boolean = controllerGone,
): ControllerState {
  if (run.status !== 'running' && run.status !== 'stopping') return 'none';
  if (run.heartbeatAt === null || now - run.heartbeatAt.getTime() > STALE_CONTROLLER_MS) return 'dead';
  return gone(run.controllerId) ? 'dead' : 'alive';
}

export interface RunActions {
  /** Stop: ask the live controller (running), or cancel the jobs here and mark the run stopped (no live controller). */
  stop: boolean;
  /** Resume: start a controller for the run here (nothing drives it, and it has not finished). */
  resume: boolean;
}

/** What a user may do with a run whose controller is in `state`. */
export function runActions(status: RunStatus, state: ControllerState): RunActions {
  return {
    stop: status === 'running' || status === 'pending' || (status === 'stopping' && state !== 'alive'),
    resume: status !== 'finished' && state !== 'alive',
  };
}

export type StopOutcome = 'stopping' | 'stopped' | 'already';

/**
 * Stops a run by the rule: an alive controller is asked through the store (it
 * cancels its jobs and marks the run stopped at its next turn); with a dead
 * controller or none, `cancelJobs` removes the run's queued jobs here (so no
 * worker trains for nobody) and the run is marked stopped at once. A run that
 * has finished or stopped, or whose alive controller is already stopping, is
 * left alone ('already').
 */
export async function stopRun(
  store: Store,
  runId: string,
  o: { by: string; cancelJobs(run: Run): Promise<number> },
): Promise<{ outcome: StopOutcome; run: Run; removedJobs: number }> {
  const run = await store.getRun(runId);
  if (run.status === 'finished' || run.status === 'stopped') return { outcome: 'already', run, removedJobs: 0 };
  const state = controllerState(run);
  if (state === 'alive') {
    if (run.status === 'stopping') return { outcome: 'already', run, removedJobs: 0 };
    return { outcome: 'stopping', run: await store.updateRun(runId, { status: 'stopping' }, { ifStatus: ['running'] }), removedJobs: 0 };
  }
  const removedJobs = await o.cancelJobs(run);
  // Only from the status read above: a resume that took the run over meanwhile keeps it.
  const stopped = await store.updateRun(runId, { status: 'stopped', controllerId: null }, { ifStatus: [run.status] });
  await store.appendEvent(runId, 'stopped', {
    removedJobs,
    by: o.by,
    ...(state === 'dead' ? { deadController: run.controllerId ?? '?' } : {}),
  });
  return { outcome: 'stopped', run: stopped, removedJobs };
}
