/**
 * The epoch and batch loop the tfjs classifiers share, plain training
 * (train.ts) and WINN (introspective.ts): per epoch the learning rate from the
 * recipe's schedule, the seeded order, batches filled with seeded augmentation,
 * one optimiser step per batch (the caller's), a stop as `diverged` at a
 * non-finite objective, accuracy on the evaluation split (validation, or test
 * for a final training) after every epoch, and progress. The abort signal is
 * checked every batch, and the loop yields to the event loop after each, so
 * cancellation, time limits, lock renewal and heartbeats take effect within one step.
 */
import type { LayersModel } from '@tensorflow/tfjs';
import type { Dataset } from '../../datasets/index.js';
import { mulberry32 } from '../../datasets/prng.js';
import type { CheckedIr } from '../../search-space/index.js';
import { type ClassificationTask, learningRateAt } from '../../task/task.js';
import { epochOrder, fillBatch } from '../batches.js';
import { type EpochProgress, type EpochRecord, type TrainOutcome, TrainingAborted } from '../engine.js';
import { prunedOutcome, stopsAfter } from '../pruning.js';
import type { CompiledIr } from './compile.js';
import { accuracyOn, robustnessOutcome } from './fgsm.js';
import type { Tfjs } from './tfjs-types.js';

export interface TfjsTrainOptions {
  tf: Tfjs;
  checked: CheckedIr;
  task: ClassificationTask;
  data: Dataset;
  seed: number;
  signal: AbortSignal;
  onProgress: (progress: EpochProgress) => void;
  /** Split measured after every epoch; default validation. */
  evaluateOn?: 'validation' | 'test' | undefined;
  /** Called with the trained model and its step count when training ends ok; its bytes become the outcome's checkpoint. */
  checkpoint?: ((compiled: CompiledIr, steps: number) => Uint8Array | Promise<Uint8Array>) | undefined;
  /** The request's epoch-end decision (TrainRequest.shouldContinue): false stops the training as `pruned`. */
  shouldContinue?: ((record: EpochRecord) => Promise<boolean>) | undefined;
}

/** What one optimiser step on a batch reports. */
export interface StepResult {
  /** The optimised objective: a non-finite one stops training as diverged. */
  objective: number;
  /** The batch's mean cross-entropy, the loss the curve reports. */
  crossEntropy: number;
  /** Correctly classified images of the batch. */
  hits: number;
}

export interface EpochLoopHooks {
  /** One optimiser step on a batch of `labels.length` images (NHWC floats in `images`). */
  step(images: Float32Array, labels: Int32Array): StepResult;
  /** After an epoch's batches, before its evaluation (counted in the epoch's time): WINN's synthesis round. */
  afterBatches?(epoch: number, last: boolean): Promise<void>;
}

export interface EpochLoopResult {
  curve: EpochRecord[];
  trainSeconds: number;
  evalSeconds: number;
  /** Images trained on, over all epochs. */
  images: number;
  /** Optimiser steps taken. */
  steps: number;
  /** The outcome when training diverged; absent when every epoch ran. */
  diverged?: TrainOutcome;
  /** The outcome when the epoch-end decision stopped training (a pruner); absent when every epoch ran. */
  pruned?: TrainOutcome;
}

const yieldToEventLoop = () => new Promise((resolve) => setImmediate(resolve));

export async function runEpochs(
  o: TfjsTrainOptions,
  model: LayersModel,
  setLearningRate: (rate: number) => void,
  hooks: EpochLoopHooks,
): Promise<EpochLoopResult> {
  const { task, data, signal } = o;
  const recipe = task.recipe;
  const [h, w, c] = data.shape;
  const split = o.evaluateOn ?? 'validation';
  const augment = mulberry32(o.seed >>> 0);
  const result: EpochLoopResult = { curve: [], trainSeconds: 0, evalSeconds: 0, images: 0, steps: 0 };
  for (let epoch = 0; epoch < recipe.epochs; epoch++) {
    const learningRate = learningRateAt(recipe, epoch);
    setLearningRate(learningRate);
    const order = epochOrder(data.train.count, o.seed, epoch);
    const started = performance.now();
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    for (let start = 0; start < order.length; start += recipe.batchSize) {
      if (signal.aborted) throw new TrainingAborted(signal.reason);
      const indices = order.subarray(start, Math.min(start + recipe.batchSize, order.length));
      const n = indices.length;
      const buffer = new Float32Array(n * h * w * c);
      fillBatch(data.train, data.shape, indices, recipe.augmentation, augment, buffer);
      const labels = Int32Array.from(indices, (i) => data.train.labels[i]!);
      const step = hooks.step(buffer, labels);
      if (!Number.isFinite(step.objective)) {
        result.curve.push({
          epoch: epoch + 1,
          loss: step.objective,
          trainAccuracy: seen ? correct / seen : 0,
          valAccuracy: Number.NaN,
          learningRate,
          seconds: (performance.now() - started) / 1000,
        });
        result.diverged = {
          status: 'diverged',
          accuracy: null,
          curve: result.curve,
          trainSeconds: result.trainSeconds,
          evalSeconds: result.evalSeconds,
          imagesPerSecond: null,
          error: `loss became ${step.objective} in epoch ${epoch + 1}`,
        };
        return result;
      }
      result.steps++;
      lossSum += step.crossEntropy * n;
      correct += step.hits;
      seen += n;
      await yieldToEventLoop();
    }
    await hooks.afterBatches?.(epoch, epoch + 1 === recipe.epochs);
    result.images += seen;
    const epochSeconds = (performance.now() - started) / 1000;
    result.trainSeconds += epochSeconds;
    const evalStarted = performance.now();
    const valAccuracy = accuracyOn(o.tf, model, data, split, Math.max(recipe.batchSize, 256));
    result.evalSeconds += (performance.now() - evalStarted) / 1000;
    const record: EpochRecord = {
      epoch: epoch + 1,
      loss: lossSum / Math.max(seen, 1),
      trainAccuracy: correct / Math.max(seen, 1),
      valAccuracy,
      learningRate,
      seconds: epochSeconds,
    };
    result.curve.push(record);
    o.onProgress({ ...record, epochs: recipe.epochs, imagesPerSecond: seen / Math.max(epochSeconds, 1e-9) });
    if (await stopsAfter(o.shouldContinue, record, recipe.epochs)) {
      result.pruned = prunedOutcome(result.curve, result.trainSeconds, result.evalSeconds, result.images);
      return result;
    }
  }
  return result;
}

/** The `ok` outcome of a finished loop: last accuracy, FGSM robustness when the recipe asks, the checkpoint when the request does. */
export async function finishedOutcome(
  o: TfjsTrainOptions,
  compiled: CompiledIr,
  loop: EpochLoopResult,
  extra: Record<string, number> = {},
): Promise<TrainOutcome> {
  const last = loop.curve.at(-1);
  const checkpoint = o.checkpoint ? await o.checkpoint(compiled, loop.steps) : undefined;
  return {
    status: 'ok',
    accuracy: last ? last.valAccuracy : null,
    curve: loop.curve,
    trainSeconds: loop.trainSeconds,
    evalSeconds: loop.evalSeconds,
    imagesPerSecond: loop.images / Math.max(loop.trainSeconds, 1e-9),
    ...robustnessOutcome(o.tf, compiled.model, o.data, o.evaluateOn ?? 'validation', o.task.recipe, extra),
    ...(checkpoint ? { checkpoint } : {}),
  };
}
