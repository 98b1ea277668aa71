/**
 * Runs plain_loop.py, the hand-written PyTorch training loop that benchmarks
 * hold the torch engine against, over the same generated module and dataset
 * cache, in its own Python process (as the engine's trainer is).
 */
import { execFile } from 'node:child_process';
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import { PLAIN_LOOP_SCRIPT } from './paths.js';

export interface PlainLoopOptions {
  python: string;
  /** Path of the generated module (class Network). */
  modulePath: string;
  /** Decoded-dataset cache file. */
  datasetPath: string;
  epochs: number;
  batchSize: number;
  learningRate?: number;
  seed?: number;
  device?: 'auto' | 'cpu' | 'cuda';
  env?: NodeJS.ProcessEnv;
}

export interface PlainLoopResult {
  /** Over the epochs after the first when there are several (the first pays warm-up). */
  imagesPerSecond: number;
  epochs: { seconds: number; images: number; loss: number }[];
  device: string;
  bf16: boolean;
  threads: number;
  torch: string;
  peakMemoryBytes: number | null;
}

export function runPlainLoop(o: PlainLoopOptions): Promise<PlainLoopResult> {
  const args = [
    '-B',
    PLAIN_LOOP_SCRIPT,
    '--module',
    o.modulePath,
    '--dataset',
    o.datasetPath,
    '--epochs',
    String(o.epochs),
    '--batch-size',
    String(o.batchSize),
    '--learning-rate',
    String(o.learningRate ?? 1e-3),
    '--seed',
    String(o.seed ?? 1),
    '--device',
    o.device ?? 'auto',
  ];
  return new Promise((resolve, reject) => {
    execFile(o.python, args, { env: o.env ?? process.env, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) {
        reject(
          new BlockqnnError(ErrorCode.INTERNAL, `the plain PyTorch loop failed: ${stderr.trim().split('\n').at(-1) ?? error.message}`, {
            details: { stderr: stderr.slice(-4000) },
          }),
        );
        return;
      }
      try {
        resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as PlainLoopResult);
      } catch {
        reject(new BlockqnnError(ErrorCode.INTERNAL, `the plain PyTorch loop printed no result: ${stdout.slice(-500)}`));
      }
    });
  });
}

/** Images per second over the epochs after the first (all, when there is one): the rate the plain loop reports too. */
export function steadyImagesPerSecond(curve: readonly { seconds: number }[], imagesPerEpoch: number): number {
  const steady = curve.length > 1 ? curve.slice(1) : curve;
  return (
    (imagesPerEpoch * steady.length) /
    Math.max(
      steady.reduce((sum, r) => sum + r.seconds, 0),
      1e-9,
    )
  );
}
