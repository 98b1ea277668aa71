/**
 * The JSON-lines protocol between the torch engine and its Python trainer
 * (trainer.py; README.md beside it describes it for other clients). One JSON
 * object per line, UTF-8; requests on the trainer's stdin, responses on its
 * stdout. Every response line is validated here: anything else on stdout is a
 * broken trainer, and the engine replaces it.
 */
import { CANCELLED, EVALUATION_STATUSES } from '../../common/statuses.js';
import { z } from 'zod';
import type { Recipe } from '../../task/task.js';

export const PROTOCOL_VERSION = 1;

/** Request: train one network. `module` is generated source or a path to it. */
export interface TrainMessage {
  type: 'train';
  id: string;
  module: { source: string } | { path: string };
  className: string;
  /** The IR's parameter count: the trainer refuses a module that disagrees. */
  expectedParams: number;
  seed: number;
  recipe: Recipe;
  /** The decoded-dataset cache file (src/datasets/README.md) and its key. */
  dataset: { path: string; key: string };
  /** Split the accuracy is measured on after every epoch (default validation; a final training uses test). */
  evaluateOn?: 'validation' | 'test';
  /** Write the trained weights here (safetensors, checkpoint_file.py) with this metadata when training ends ok. */
  checkpoint?: { path: string; metadata: Record<string, string> };
  /** The job has a pruner: after every epoch but the last the trainer waits for a `decision` (continue or stop). */
  decisions?: boolean;
}

/** Request: the answer to a job's progress line of `epoch` (only for a train request with `decisions`). */
export interface DecisionMessage {
  type: 'decision';
  id: string;
  epoch: number;
  /** False stops the training after that epoch: the result's status is then `pruned`. */
  continue: boolean;
}

export interface CancelMessage {
  type: 'cancel';
  id: string;
}

export interface ShutdownMessage {
  type: 'shutdown';
}

export type Request = TrainMessage | DecisionMessage | CancelMessage | ShutdownMessage;

/** JSON carries non-finite numbers as null: a diverged loss, the missing validation accuracy. */
const num = z
  .number()
  .nullable()
  .transform((x) => x ?? Number.NaN);

const epochRecord = {
  epoch: z.number().int(),
  loss: num,
  trainAccuracy: num,
  valAccuracy: num,
  learningRate: z.number(),
  seconds: z.number(),
};

const ready = z.object({
  type: z.literal('ready'),
  protocol: z.number().int(),
  pid: z.number().int(),
  python: z.string(),
  executable: z.string(),
  torch: z.string(),
  numpy: z.string(),
  device: z.enum(['cpu', 'cuda']),
  deviceDescription: z.string(),
  threads: z.number().int(),
  bf16: z.boolean(),
});

const progress = z.object({
  type: z.literal('progress'),
  id: z.string(),
  ...epochRecord,
  epochs: z.number().int(),
  imagesPerSecond: z.number(),
});

const result = z.object({
  type: z.literal('result'),
  id: z.string(),
  // The trainer reports errors as error lines, never as a `failed` result.
  status: z.enum([...EVALUATION_STATUSES, CANCELLED]).exclude(['failed']),
  accuracy: z.number().nullable(),
  curve: z.array(z.object(epochRecord)),
  trainSeconds: z.number(),
  evalSeconds: z.number(),
  imagesPerSecond: z.number().nullable(),
  params: z.number().int().optional(),
  peakMemoryBytes: z.number().nullable().optional(),
  /** Introspective training's metrics (WINN_METRICS in src/task/introspective.ts); null for a non-finite one. */
  extra: z.record(z.string(), z.number().nullable()).optional(),
  /** FGSM accuracies in the order of recipe.robustness.fgsmEpsilons (the engine names them). */
  fgsmAccuracies: z.array(z.number()).optional(),
  /** Size of the checkpoint file written, when the request asked for one and training ended ok. */
  checkpointBytes: z.number().int().optional(),
  error: z.string().optional(),
});

/** `job`: the job failed in Python; `protocol`: the trainer did not understand a request; `startup`: it cannot run. */
const error = z.object({
  type: z.literal('error'),
  id: z.string().nullable(),
  kind: z.enum(['job', 'protocol', 'startup']),
  message: z.string(),
  traceback: z.string().optional(),
});

export const responseSchema = z.discriminatedUnion('type', [ready, progress, result, error]);

export type Response = z.infer<typeof responseSchema>;
export type ReadyMessage = z.infer<typeof ready>;
export type ProgressMessage = z.infer<typeof progress>;
export type ResultMessage = z.infer<typeof result>;
export type ErrorMessage = z.infer<typeof error>;

/** Parses one stdout line; null when it is not a protocol response. */
export function parseResponse(line: string): Response | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  const parsed = responseSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

export function encodeRequest(request: Request): string {
  return `${JSON.stringify(request)}\n`;
}
