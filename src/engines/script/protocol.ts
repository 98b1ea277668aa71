/**
 * The trial protocol between the script engine and a user's training script
 * (through the Python helper python/blockqnn_trial.py; README.md beside this file
 * describes it for other languages). JSON lines on two file descriptors of their
 * own: the script writes on `fd`, the worker answers on `answerFd`. stdout and
 * stderr stay the script's, so user code prints freely; anything on `fd` that is
 * not a message below breaks the job.
 */
import { z } from 'zod';
import type { Recipe } from '../../task/task.js';

export const TRIAL_PROTOCOL = 1;

/** The descriptors of the child's stdio array the channel uses (0-2 are stdin, stdout, stderr). */
export const CHANNEL_FD = 3;
export const ANSWER_FD = 4;

/** The job file the worker writes for each job; BLOCKQNN_TRIAL_JOB names it. */
export interface TrialJobFile {
  protocol: typeof TRIAL_PROTOCOL;
  job: string;
  seed: number;
  /** BLOCKQNN_TORCH_DEVICE's meaning: auto | cpu | cuda (the environment variable wins). */
  device: string;
  timeLimitSeconds: number | null;
  /** When the engine took the job (ms since the epoch): the time limit counts from about here, not from the script's start. */
  startedAtMs: number;
  evaluateOn: 'validation' | 'test';
  recipe: Recipe;
  network: { module: string; className: string; params: number };
  dataset: { path: string; key: string; name: string; classes: readonly string[]; shape: readonly number[] };
  channel: { fd: number; answerFd: number };
}

/** JSON has no NaN or Infinity: the helper sends them as strings. */
const wireNumber = z.union([
  z.number(),
  z.enum(['NaN', 'Infinity', '-Infinity']).transform((s) => (s === 'NaN' ? Number.NaN : s === 'Infinity' ? Infinity : -Infinity)),
]);

const fraction = wireNumber.refine((x) => !Number.isFinite(x) || (x >= 0 && x <= 1), 'accuracies are fractions in [0, 1]');

/** Extra metric names: they become keys of Candidate.metrics beside the engines' own. */
const metricName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_.@-]{0,63}$/, 'metric names start with a letter and use letters, digits, _ . @ - (at most 64)');

const hello = z.strictObject({
  type: z.literal('hello'),
  protocol: z.number().int(),
  pid: z.number().int(),
  python: z.string().max(100),
});

const epoch = z.strictObject({
  type: z.literal('epoch'),
  epoch: z.number().int().positive(),
  loss: wireNumber,
  trainAccuracy: fraction.optional(),
  valAccuracy: fraction.optional(),
  learningRate: wireNumber.optional(),
  seconds: z.number().nonnegative(),
  images: z.number().int().nonnegative(),
});

const final = z.strictObject({
  type: z.literal('final'),
  accuracy: fraction,
  extra: z.record(metricName, wireNumber).refine((r) => Object.keys(r).length <= 100, 'at most 100 extra metrics'),
});

const failure = z.strictObject({
  type: z.literal('failure'),
  error: z.string().max(4000),
  traceback: z.string().max(20_000),
  outOfMemory: z.boolean(),
});

export const trialMessageSchema = z.discriminatedUnion('type', [hello, epoch, final, failure]);

export type TrialMessage = z.infer<typeof trialMessageSchema>;
export type EpochMessage = z.infer<typeof epoch>;
export type FinalMessage = z.infer<typeof final>;

/** What the worker says after an epoch, or at any time (cancel). */
export type Answer =
  { type: 'continue'; epoch: number } | { type: 'stop'; epoch: number; reason: string } | { type: 'cancel'; reason: string };

/** Lines longer than this are not the protocol (a final with 100 metrics is under 8 kB). */
export const MAX_LINE = 64 * 1024;

/** One line of the channel; the reason it is not a message otherwise. */
export function parseTrialLine(line: string): { message: TrialMessage } | { problem: string } {
  if (line.length > MAX_LINE) return { problem: `a line of ${line.length} characters (the protocol's are under ${MAX_LINE})` };
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { problem: `not JSON: ${JSON.stringify(line.length > 200 ? `${line.slice(0, 200)}…` : line)}` };
  }
  const parsed = trialMessageSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return {
      problem: `${issue.path.join('.') || 'the message'}: ${issue.message} in ${JSON.stringify(line.length > 200 ? `${line.slice(0, 200)}…` : line)}`,
    };
  }
  return { message: parsed.data };
}

export function encodeAnswer(answer: Answer): string {
  return `${JSON.stringify(answer)}\n`;
}
