/** Shared set-up for the export tests: a small found architecture with (optionally) trained-looking weights, and Python probes. */
import { execFile } from 'node:child_process';
import type { Tensor } from '@tensorflow/tfjs';
import { type Checkpoint, checkpointMetadata, readCheckpoint, writeCheckpoint } from '../../src/engines/checkpoint.js';
import { compileIr } from '../../src/engines/tfjs/index.js';
import { tfjsToTorchState } from '../../src/engines/tfjs/torch-weights.js';
import type { ExportSubject } from '../../src/export/index.js';
import { type NetworkOptions, assembleNetwork, blockHash, density, networkCost, parseNsc } from '../../src/search-space/index.js';
import { prng, tfjs } from '../engines/tfjs/helpers.js';
import { torchPython } from '../engines/torch/helpers.js';

/** A block with every NSC layer type: convs 1/3/5, both pools, identity, add and concat. */
export const BLOCK = '(1,1,3,0,0) (2,2,3,1,0) (3,3,3,0,0) (4,1,5,3,0) (5,5,0,2,4) (6,4,0,1,0) (7,6,0,5,6) (8,1,1,0,0) (9,7,0,0,0)';
export const NETWORK: NetworkOptions = { inputShape: [8, 8, 1], classes: 4, baseFilters: 4, blocksPerStage: 1, stages: 2 };
export const RECIPE = { epochs: 2, batchSize: 32, optimizer: 'adam', learningRate: 0.001, lrDecay: { factor: 0.2, every: 5 } };

export function subjectFor(code = BLOCK, network: NetworkOptions = NETWORK): ExportSubject {
  const block = parseNsc(code);
  const checked = assembleNetwork(block, network);
  const cost = networkCost(checked);
  return {
    run: {
      id: 'run1',
      name: 'test run',
      seed: 7,
      engine: 'tfjs',
      strategy: 'q-learning',
      taskKey: 'mnist:8',
      config: { space: 'nsc', network, maxIndex: 23, task: { dataset: { name: 'mnist' }, recipe: RECIPE } },
    },
    candidate: {
      id: 3,
      hash: blockHash(block),
      sequence: 3,
      nsc: code,
      status: 'ok',
      accuracy: 0.875,
      reward: 0.81,
      flops: cost.macs,
      params: cost.params,
      density: density(block),
      metrics: null,
      baseline: null,
    },
    checked,
    training: null,
    weights: null,
  };
}

/** Random weights set in the tfjs engine's model, as a checkpoint; returns the engine's outputs on `input` (NHWC) too. */
export async function withRandomWeights(
  subject: ExportSubject,
  seed: number,
  input: number[],
  batch: number,
): Promise<{ subject: ExportSubject; checkpoint: Checkpoint; engineOutput: Float32Array }> {
  const tf = await tfjs();
  const compiled = compileIr(tf, subject.checked);
  const random = prng(seed);
  for (const layer of compiled.model.layers) {
    for (const v of layer.weights) {
      const kind = v.originalName.split('/').at(-1)!;
      if (!layer.trainable && (kind === 'gamma' || kind === 'beta')) continue;
      const n = v.shape.reduce<number>((a, b) => a * (b ?? 1), 1);
      v.write(
        tf.tensor(
          Float32Array.from({ length: n }, () => (kind === 'moving_variance' ? 0.5 + random() : (random() * 2 - 1) * 0.5)),
          v.shape as number[],
        ),
      );
    }
  }
  const checkpoint = readCheckpoint(
    writeCheckpoint(
      tfjsToTorchState(subject.checked, compiled),
      checkpointMetadata({ engine: 'tfjs', params: subject.candidate.params, ir: subject.checked.ir }),
    ),
  );
  const engineOutput = (
    compiled.model.predict(tf.tensor(input, [batch, ...subject.checked.ir.input.shape])) as Tensor
  ).dataSync() as Float32Array;
  compiled.model.dispose();
  return { subject: { ...subject, weights: { checkpoint, source: 'test weights' } }, checkpoint, engineOutput };
}

export function randomInput(seed: number, batch: number, shape: readonly number[]): number[] {
  const random = prng(seed);
  return Array.from({ length: batch * shape.reduce((a, b) => a * b, 1) }, () => random());
}

/** NHWC → NCHW for one batch. */
export function toNchw(data: readonly number[], batch: number, [h, w, c]: readonly number[]): number[] {
  const out = new Array<number>(data.length);
  for (let n = 0; n < batch; n++)
    for (let y = 0; y < h!; y++)
      for (let x = 0; x < w!; x++)
        for (let k = 0; k < c!; k++) out[((n * c! + k) * h! + y) * w! + x] = data[((n * h! + y) * w! + x) * c! + k]!;
  return out;
}

export function maxDifference(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
  return worst;
}

/** Runs a Python script (source) with arguments; resolves with its last stdout line as JSON. */
export async function python<T>(source: string, args: string[]): Promise<T> {
  const executable = (await torchPython()).executable;
  return new Promise((resolve, reject) =>
    execFile(executable, ['-B', '-c', source, ...args], { timeout: 120_000, maxBuffer: 64 << 20 }, (e, out, err) =>
      e ? reject(new Error(`${e.message}\n${err}`)) : resolve(JSON.parse(out.trim().split('\n').at(-1)!) as T),
    ),
  );
}
