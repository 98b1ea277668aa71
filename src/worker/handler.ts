/**
 * Turns an engine into a queue handler: job → engine.train → outcome, with the
 * job's pruner answering the engine's epoch-end question (pruning.ts). The
 * built-in engines answer every candidate with an outcome (engines/failure.ts);
 * for an engine that throws anyway, errors that retrying cannot fix (an
 * invalid architecture) become a `failed` outcome, running out of memory
 * becomes `too_large` so the controller learns from it, an error of the host
 * (engines/failure.ts `environmentCause`) a `failed` outcome with its cause, and anything else is
 * thrown so the queue retries the job with backoff.
 */
import { InvalidArchitectureError, toBlockqnnError } from '../common/errors.js';
import type { Engine } from '../engines/engine.js';
import { describeEngineError, environmentCause, isOutOfMemory } from '../engines/failure.js';
import type { EnvironmentCause } from '../common/failure-causes.js';
import type { EvaluationHandler, EvaluationOutcome } from '../queue/evaluation-worker.js';
import { pruningHooks } from './pruning.js';

const failure = (status: 'failed' | 'too_large', error: string, cause?: EnvironmentCause): EvaluationOutcome => ({
  status,
  accuracy: null,
  curve: [],
  trainSeconds: 0,
  evalSeconds: 0,
  imagesPerSecond: null,
  error: error.slice(0, 4000),
  ...(cause ? { cause } : {}),
});

export function engineHandler(engine: Engine): EvaluationHandler {
  return async (job, context) => {
    try {
      const pruning = pruningHooks(job, context.pruningBoard, { log: context.log });
      const request = {
        ir: job.ir,
        networks: job.networks,
        task: job.task,
        seed: job.seed,
        candidateKey: job.candidateKey,
        evaluateOn: job.evaluateOn,
        checkpoint: job.checkpoint !== undefined,
        timeLimitSeconds: job.timeLimitSeconds,
        shouldContinue: pruning?.shouldContinue,
      };
      const outcome = await engine.train(request, context.signal, (p) =>
        context.reportProgress({
          epoch: p.epoch,
          epochs: p.epochs,
          loss: p.loss,
          valAccuracy: p.valAccuracy,
          imagesPerSecond: p.imagesPerSecond,
        }),
      );
      await pruning?.finished(outcome);
      return {
        ...outcome,
        curve: outcome.curve.map((r) => ({
          ...r,
          loss: finiteOrNull(r.loss),
          trainAccuracy: finiteOrNull(r.trainAccuracy),
          valAccuracy: finiteOrNull(r.valAccuracy),
        })),
      };
    } catch (error) {
      if (context.signal.aborted) throw error;
      if (error instanceof InvalidArchitectureError) return failure('failed', error.message);
      if (isOutOfMemory(error)) return failure('too_large', (error as Error).message);
      // Retrying on this host fails the same way: the controller hears it as a typed result and pauses the run after a few.
      const cause = environmentCause(error);
      if (cause) return failure('failed', describeEngineError(error), cause);
      throw toBlockqnnError(error);
    }
  };
}

function finiteOrNull(x: number | null): number | null {
  return x !== null && Number.isFinite(x) ? x : null;
}
