/**
 * From what a script did (trial-process.ts's record) to the engine's outcome, with
 * the statuses of the built-in engines. Pure: no process, no I/O.
 */
import type { EpochRecord, TrainOutcome } from '../engine.js';
import type { FailureStatus } from '../../common/statuses.js';
import { prunedOutcome } from '../pruning.js';
import type { EpochMessage } from './protocol.js';
import type { TrialRecord } from './trial-process.js';

/** The result's `error` is at most this long (the queue contract's limit). */
const MAX_ERROR = 4000;

/** Out-of-memory errors as PyTorch, CUDA and the host allocator word them, for scripts that die without the helper's report. */
const OUT_OF_MEMORY =
  /CUDA out of memory|HIP out of memory|OutOfMemoryError|CUBLAS_STATUS_ALLOC_FAILED|can't allocate memory|^MemoryError\b/m;

/** How JS prints a non-finite number, so the engines word divergence alike ("loss became NaN in epoch 2"). */
const jsNumber = (x: number): string => String(x);

/** The engine's own reason to stop after an epoch: a non-finite loss or accuracy (the built-in engines' `diverged`). */
export function stopReason(epoch: EpochMessage): string | null {
  if (!Number.isFinite(epoch.loss)) return `loss became ${jsNumber(epoch.loss)} in epoch ${epoch.epoch}`;
  for (const [name, value] of [
    ['training accuracy', epoch.trainAccuracy],
    ['validation accuracy', epoch.valAccuracy],
  ] as const) {
    if (value !== undefined && !Number.isFinite(value)) return `${name} became ${jsNumber(value)} in epoch ${epoch.epoch}`;
  }
  return null;
}

/** A message, then as much of the script's output as fits, newest lines kept. */
function withTail(message: string, record: TrialRecord): string {
  const [lines, which] = record.stderrTail.length > 0 ? [record.stderrTail, 'stderr'] : [record.stdoutTail, 'stdout'];
  const head = message.length > 1500 ? `${message.slice(0, 1500)}…` : message;
  if (lines.length === 0) return `${head} (the script wrote nothing on stdout or stderr)`;
  const label = `\n--- the script's ${which}, last lines ---\n`;
  let tail = lines.join('\n');
  const room = MAX_ERROR - head.length - label.length;
  if (tail.length > room) tail = `…${tail.slice(tail.length - room + 1)}`;
  return `${head}${label}${tail}`;
}

function exitText(record: TrialRecord): string {
  return record.signal ? `was killed by ${record.signal}` : `exited with code ${record.code}`;
}

/** An epoch as the curve records it: what the script did not report is NaN (null in the result). */
export function epochRecordOf(m: EpochMessage): EpochRecord {
  return {
    epoch: m.epoch,
    loss: m.loss,
    trainAccuracy: m.trainAccuracy ?? Number.NaN,
    valAccuracy: m.valAccuracy ?? Number.NaN,
    // The contract needs a number; a script that does not say reports 0.
    learningRate: m.learningRate !== undefined && Number.isFinite(m.learningRate) ? m.learningRate : 0,
    seconds: m.seconds,
  };
}

/**
 * The outcome of a script run that was not aborted. `trainer` names the script in messages.
 * Precedence: a broken channel, then the engine's own stop (diverged, or pruned: the curve so far and
 * its last validation accuracy, whatever the script did after), then the script's reported failure,
 * then its final report and exit status.
 */
export function outcomeOf(record: TrialRecord, trainer: string): TrainOutcome {
  const curve = record.epochs.map(epochRecordOf);
  const images = record.epochs.reduce((sum, m) => sum + m.images, 0);
  const epochSeconds = record.epochs.reduce((sum, m) => sum + m.seconds, 0);
  const base = {
    curve,
    trainSeconds: record.seconds,
    evalSeconds: 0,
    imagesPerSecond: images > 0 && epochSeconds > 0 ? images / epochSeconds : null,
  };
  const failed = (status: FailureStatus, error: string): TrainOutcome => ({ ...base, status, accuracy: null, error });

  if (record.broken !== null) {
    return failed(
      'failed',
      withTail(`trainer ${trainer} wrote a line on the blockqnn_trial channel that is not the protocol: ${record.broken}`, record),
    );
  }
  if (record.stopped?.status === 'pruned') return prunedOutcome(curve, record.seconds, 0, images);
  if (record.stopped !== null) return failed('diverged', record.stopped.reason);
  if (record.failure !== null) {
    const status = record.failure.outOfMemory ? 'too_large' : 'failed';
    return failed(status, withTail(`trainer ${trainer} raised ${record.failure.error}`, record));
  }
  const final = record.final;
  if (final !== null) {
    if (record.code !== 0)
      return failed('failed', withTail(`trainer ${trainer} reported accuracy ${final.accuracy}, then ${exitText(record)}`, record));
    if (!Number.isFinite(final.accuracy)) return failed('diverged', `the reported accuracy is ${jsNumber(final.accuracy)}`);
    const extra = Object.fromEntries(Object.entries(final.extra).filter(([, v]) => Number.isFinite(v)));
    return { ...base, status: 'ok', accuracy: final.accuracy, extra };
  }
  if (record.code !== 0 && OUT_OF_MEMORY.test([...record.stderrTail, ...record.stdoutTail].join('\n'))) {
    return failed('too_large', withTail(`trainer ${trainer} ran out of memory and ${exitText(record)}`, record));
  }
  if (record.code === 0) {
    const why =
      record.hello === null
        ? 'without connecting to blockqnn: a trainer must call blockqnn_trial.current(), train, and call trial.report_final(accuracy)'
        : 'without reporting a final accuracy: call trial.report_final(accuracy) when training ends';
    return failed('failed', withTail(`trainer ${trainer} exited ${why}`, record));
  }
  return failed('failed', withTail(`trainer ${trainer} ${exitText(record)} before reporting a final accuracy`, record));
}
