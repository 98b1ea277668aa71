/**
 * A job's pruner at work in its slot: the engine's epoch-end question
 * (TrainRequest.shouldContinue) answered from the run's pruning board. At an
 * epoch where the pruner can decide, one atomic round trip records the
 * candidate's validation accuracy and reads the frozen view the decision needs;
 * the pure pruner decides locally. Elsewhere nothing leaves the process. A board
 * that does not answer within `timeoutMs` (Redis down or slow) means continue:
 * a candidate is never pruned on missing information. A candidate that trained
 * the whole recipe records its curve, so later candidates compare with it.
 */
import type { EpochRecord, TrainOutcome } from '../engines/engine.js';
import { createPruner } from '../controller/pruners/index.js';
import type { EvaluateJob } from '../queue/contract.js';
import { type PruningBoard, boardCurve } from '../queue/pruning-board.js';

export const BOARD_TIMEOUT_MS = 10_000;

export interface PruningHooks {
  shouldContinue(record: EpochRecord): Promise<boolean>;
  /** After the training: a candidate that completed the recipe records its curve on the board. */
  finished(outcome: Pick<TrainOutcome, 'status' | 'curve'>): Promise<void>;
}

export interface PruningHookOptions {
  timeoutMs?: number;
  log?: (line: string) => void;
}

/** The hooks of a job with a pruner; undefined for a job without one. */
export function pruningHooks(job: EvaluateJob, board: PruningBoard, options: PruningHookOptions = {}): PruningHooks | undefined {
  if (job.pruner === undefined || job.task.kind !== 'classification') return undefined;
  const pruner = createPruner(job.pruner, job.task.recipe.epochs);
  const timeoutMs = options.timeoutMs ?? BOARD_TIMEOUT_MS;
  const values: number[] = [];
  const complain = (what: string, error: unknown) =>
    options.log?.(
      `candidate ${job.candidateHash} of run ${job.runId}: the pruning board ${what} (${(error as Error).message}); training continues`,
    );
  return {
    async shouldContinue(record) {
      values[record.epoch - 1] = record.valAccuracy;
      const needs = pruner.needs(record.epoch);
      if (needs === null) return true;
      const curve = Array.from({ length: record.epoch }, (_, i) => values[i] ?? Number.NaN);
      try {
        const view = await withTimeout(
          board.report(job.runId, job.candidateHash, record.epoch, curve[record.epoch - 1]!, needs),
          timeoutMs,
        );
        return pruner.decide(curve, view) === 'continue';
      } catch (error) {
        complain(`did not answer at epoch ${record.epoch}`, error);
        return true;
      }
    },
    async finished(outcome) {
      if (outcome.status !== 'ok') return;
      try {
        await withTimeout(board.record(job.runId, boardCurve(job.candidateHash, outcome.status, outcome.curve)), timeoutMs);
      } catch (error) {
        complain('did not record the completed curve', error);
      }
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
