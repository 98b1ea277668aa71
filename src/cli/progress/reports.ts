/**
 * The progress of each long task as a ProgressReport (display.ts): a search's (or a baseline run's) SearchProgress
 * and a final training's epochs. Each factory remembers the reports before, for the milestones (the first result,
 * a new best) and, for a training, its seconds per epoch.
 */
import type { SearchProgress } from '../../orchestrator/loop/index.js';
import type { TrainingProgress } from '../../orchestrator/training.js';
import type { ProgressReport } from './display.js';

const percent = (x: number | null | undefined): string => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(2)}%`);

/** Seconds left at `rate` units/s with `left` units to go; null when unknown. */
const etaOf = (left: number | null, rate: number | null): number | null =>
  left === null || rate === null || rate <= 0 ? null : Math.max(0, left) / rate;

/**
 * A search's reports. The line is the one `blockqnn search` always printed (tests and scripts read its prefix
 * `run ID: done D/B · in flight N`); JSON fields: kind "search", runId, done, budget (candidates, null when none),
 * inFlight, failed, baselinesInFlight, bestAccuracy, bestReward, candidatesPerSecond, etaSeconds (null without a
 * candidate budget or a rate yet), topFailures ([{reason, count}], the most common failure reasons, at most 3).
 * The line and the bar end with the most common failure reason once a candidate failed.
 */
/** A reason cut to `max` characters, so one long error does not push the rest of the line away. */
const clip = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

export function searchReports(): (p: SearchProgress) => ProgressReport {
  let firstDone: number | undefined;
  let resulted = false;
  let best: number | null | undefined;
  return (p) => {
    firstDone ??= p.done;
    const firstResult = !resulted && p.done > firstDone;
    resulted ||= firstResult;
    const newBest = best !== undefined && p.bestReward !== null && (best === null || p.bestReward > best);
    best = p.bestReward;
    const budget = p.budget ? p.budget : null;
    const etaSeconds = budget === null ? null : etaOf(budget - p.done, p.candidatesPerSecond);
    const bestText = p.bestAccuracy === null ? '–' : `${percent(p.bestAccuracy)} (reward ${p.bestReward?.toFixed(4) ?? '–'})`;
    const baselines = p.baselinesInFlight > 0 ? ` · ${p.baselinesInFlight} baseline(s) in flight` : '';
    const rate = `${p.candidatesPerSecond.toFixed(2)} candidates/s`;
    const top = p.topFailures[0];
    const failures = top === undefined ? '' : ` · most failures: ${clip(top.reason, 80)} (×${top.count})`;
    const status = `in flight ${p.inFlight} · failed ${p.failed} · best ${bestText} · ${rate}${baselines}${failures}`;
    return {
      state: `${p.done}|${p.inFlight}|${p.failed}|${p.baselinesInFlight}`,
      milestone: firstResult ? 'first-result' : newBest ? 'best' : null,
      line: `run ${p.runId}: done ${p.done}${budget === null ? '' : `/${budget}`} · ${status}`,
      fields: {
        kind: 'search',
        runId: p.runId,
        done: p.done,
        budget,
        inFlight: p.inFlight,
        failed: p.failed,
        baselinesInFlight: p.baselinesInFlight,
        bestAccuracy: p.bestAccuracy,
        bestReward: p.bestReward,
        candidatesPerSecond: p.candidatesPerSecond,
        etaSeconds,
        topFailures: p.topFailures,
      },
      bar: {
        label: `run ${p.runId}`,
        // What matters most first: a narrow terminal cuts the line's end.
        status: `best ${bestText} · ${rate} · in flight ${p.inFlight} · failed ${p.failed}${baselines}${failures}`,
        value: p.done,
        total: budget,
        etaSeconds,
      },
    };
  };
}

/**
 * A final training's reports, one per epoch the worker reported. JSON fields: kind "training", trainingId, epoch,
 * epochs, loss, testAccuracy, bestTestAccuracy, imagesPerSecond, etaSeconds (from the seconds per epoch seen here;
 * null until two epochs were seen).
 */
export function trainingReports(trainingId: number, now: () => number = Date.now): (p: TrainingProgress) => ProgressReport {
  let first: { epoch: number; at: number } | undefined;
  let best: number | null | undefined;
  return (p) => {
    const at = now();
    first ??= { epoch: p.epoch, at };
    const secondsPerEpoch = p.epoch > first.epoch ? (at - first.at) / 1000 / (p.epoch - first.epoch) : null;
    const etaSeconds = etaOf(p.epochs - p.epoch, secondsPerEpoch === null || secondsPerEpoch <= 0 ? null : 1 / secondsPerEpoch);
    const newBest = best !== undefined && p.valAccuracy !== null && (best === null || p.valAccuracy > best);
    if (p.valAccuracy !== null && (best === undefined || best === null || p.valAccuracy > best)) best = p.valAccuracy;
    else best ??= null;
    const accuracy = `test accuracy ${percent(p.valAccuracy)} (best ${percent(best)})`;
    const status = `loss ${p.loss?.toFixed(4) ?? '–'} · ${accuracy} · ${p.imagesPerSecond?.toFixed(0) ?? '–'} images/s`;
    return {
      state: String(p.epoch),
      milestone: newBest ? 'best' : null,
      line: `training ${trainingId}: epoch ${p.epoch}/${p.epochs} · ${status}`,
      fields: {
        kind: 'training',
        trainingId,
        epoch: p.epoch,
        epochs: p.epochs,
        loss: p.loss,
        testAccuracy: p.valAccuracy,
        bestTestAccuracy: best,
        imagesPerSecond: p.imagesPerSecond,
        etaSeconds,
      },
      bar: { label: `training ${trainingId}`, value: p.epoch, total: p.epochs, etaSeconds, status },
    };
  };
}
