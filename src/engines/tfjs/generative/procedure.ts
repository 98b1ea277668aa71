/**
 * What one generative procedure (pix2pix, SeGAN, StarGAN, PairedCycleGAN, VUNet, WINN
 * synthesis) is to the training loop (loop.ts): the roles it trains with the channels it
 * feeds them, and, once they are compiled, a step per training batch, an optional
 * end-of-epoch round, and the outputs on the eval split.
 */
import type { Tensor } from '@tensorflow/tfjs';
import { TrainingAborted } from '../../engine.js';
import type { ExampleSet, Image2ImageTask } from '../../generative.js';
import type { Tfjs } from '../backend.js';
import { SplitReader } from './data.js';
import type { RoleRequirement, Roles } from './roles.js';

export interface ProcedureContext {
  tf: Tfjs;
  task: Image2ImageTask;
  examples: ExampleSet;
  roles: Roles;
  train: SplitReader;
  eval: SplitReader;
  /** The procedure's own seeded uint32 stream (noise seeds, mixing weights, latent draws). */
  random: () => number;
}

export interface ProcedureRun {
  /** One training step on the train examples `batch`; returns its loss terms (named `<role>.<term>`). */
  step(batch: Uint32Array, stepIndex: number): Record<string, number>;
  /** After each epoch's steps (WINN refreshes its pseudo-negatives); its numbers join the epoch's losses. */
  afterEpoch?(epoch: number, signal: AbortSignal): Promise<Record<string, number>>;
  /** The outputs on the eval split (PROBLEM_OUTPUTS names), inference mode. */
  outputs(signal: AbortSignal): Promise<Record<string, Float32Array>>;
  dispose?(): void;
}

export interface ProcedureDefinition {
  readonly name: Image2ImageTask['procedure'];
  /** Role → what the procedure feeds it, for this task and example set. */
  requirements(task: Image2ImageTask, examples: ExampleSet): Record<string, RoleRequirement>;
  start(ctx: ProcedureContext): ProcedureRun;
}

/** Runs `forward` over the eval split in batches and gathers each named output into one Float32Array. */
export async function collectOutputs(
  ctx: ProcedureContext,
  batchSize: number,
  forward: (indices: Uint32Array) => Record<string, Tensor>,
  signal: AbortSignal,
): Promise<Record<string, Float32Array>> {
  const { tf } = ctx;
  const parts: Record<string, Float32Array[]> = {};
  for (let start = 0; start < ctx.eval.count; start += batchSize) {
    if (signal.aborted) throw new TrainingAborted(signal.reason);
    const indices = Uint32Array.from({ length: Math.min(batchSize, ctx.eval.count - start) }, (_, i) => start + i);
    const values = tf.tidy(() => {
      const out = forward(indices);
      return Object.fromEntries(Object.entries(out).map(([name, t]) => [name, t.dataSync() as Float32Array]));
    });
    for (const [name, data] of Object.entries(values)) (parts[name] ??= []).push(data);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return Object.fromEntries(Object.entries(parts).map(([name, chunks]) => [name, concatFloat(chunks)]));
}

export function concatFloat(chunks: Float32Array[]): Float32Array {
  const out = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** Uniform [0, 1) weights per example from a uint32 stream (WGAN-GP's interpolation). */
export function uniforms(random: () => number, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => random() / 4294967296);
}
