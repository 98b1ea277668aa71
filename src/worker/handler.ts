/**
 * Turns an engine into a queue handler: job → engine.train → outcome. Errors
 * that retrying cannot fix (an invalid architecture) become a `failed` outcome;
 * running out of memory becomes `too_large` so the controller learns from it;
 * anything else is thrown so the queue retries the job with backoff.
 */
import { InvalidArchitectureError, toBlockqnnError } from '../common/errors.js';
import type { Engine } from '../engines/engine.js';
import type { EvaluationHandler, EvaluationOutcome } from '../queue/evaluation-worker.js';

const OUT_OF_MEMORY = /out of memory|OOM|Cannot allocate|allocation failed|CUDA error: out of memory|std::bad_alloc/i;

export function isOutOfMemory(error: unknown): boolean {
  return error instanceof Error && (OUT_OF_MEMORY.test(error.message) || error instanceof RangeError);
}

const failure = (status: 'failed' | 'too_large', error: string): EvaluationOutcome => ({
  status, accuracy: null, curve: [], trainSeconds: 0, evalSeconds: 0, imagesPerSecond: null, error: error.slice(0, 4000),
});

export function engineHandler(engine: Engine): EvaluationHandler {
  return async (job, context) => {
    try {
      const request = { ir: job.ir, networks: job.networks, task: job.task, seed: job.seed, candidateKey: job.candidateKey, evaluateOn: job.evaluateOn, checkpoint: job.checkpoint !== undefined, timeLimitSeconds: job.timeLimitSeconds };
      const outcome = await engine.train(request, context.signal, (p) =>
        context.reportProgress({ epoch: p.epoch, epochs: p.epochs, loss: p.loss, valAccuracy: p.valAccuracy, imagesPerSecond: p.imagesPerSecond }),
      );
      return { ...outcome, curve: outcome.curve.map((r) => ({ ...r, loss: finiteOrNull(r.loss), trainAccuracy: finiteOrNull(r.trainAccuracy), valAccuracy: finiteOrNull(r.valAccuracy) })) };
    } catch (error) {
      if (context.signal.aborted) throw error;
      if (error instanceof InvalidArchitectureError) return failure('failed', error.message);
      if (isOutOfMemory(error)) return failure('too_large', (error as Error).message);
      throw toBlockqnnError(error);
    }
  };
}

function finiteOrNull(x: number | null): number | null {
  return x !== null && Number.isFinite(x) ? x : null;
}
