/**
 * One run of a user's training script for one job: spawn it in a process group of
 * its own, read its trial messages from the channel descriptor, answer each epoch,
 * keep the tail of its stderr, and make sure nothing it started outlives the job.
 *
 * Every way a script can end is recorded, never thrown: the engine turns the record
 * into a status (engine.ts), so a crash, garbage on the channel or a hang costs one
 * job and the worker slot goes on with the next.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import {
  ANSWER_FD,
  type Answer,
  CHANNEL_FD,
  type EpochMessage,
  type FinalMessage,
  TRIAL_PROTOCOL,
  type TrialMessage,
  encodeAnswer,
  parseTrialLine,
} from './protocol.js';

export interface TrialProcessOptions {
  python: string;
  trainer: string;
  /** The job folder: the script's working directory. */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** After a cancel, how long the script may take to stop before its process group is killed. */
  cancelGraceMs: number;
  /** Each line the script writes on stdout or stderr (BLOCKQNN_TRIAL_ECHO). */
  echo?: ((line: string) => void) | undefined;
}

export interface TrialRecord {
  hello: Extract<TrialMessage, { type: 'hello' }> | null;
  epochs: EpochMessage[];
  final: FinalMessage | null;
  failure: Extract<TrialMessage, { type: 'failure' }> | null;
  /** Why the engine told the script to stop (a non-finite number, the job's pruner), if it did. */
  stopped: EpochStop | null;
  /** What broke the channel (a line that is not the protocol), if anything did. */
  broken: string | null;
  /** The script could not be started at all. */
  spawnError: string | null;
  aborted: boolean;
  code: number | null;
  signal: NodeJS.Signals | null;
  stderrTail: string[];
  stdoutTail: string[];
  /** From spawn to the final report (or to the exit without one). */
  seconds: number;
}

/** A stop the engine answered an epoch with: `diverged` (a non-finite number) or `pruned` (the job's pruner). */
export interface EpochStop {
  status: 'diverged' | 'pruned';
  reason: string;
}

/**
 * Decides after each epoch: null to continue, or the stop. It may wait (a pruner reads the run's pruning
 * board): the script waits for the answer before its next epoch, as it does for every answer.
 */
export type EpochDecision = (epoch: EpochMessage) => EpochStop | null | Promise<EpochStop | null>;

const TAIL_LINES = 40;
/** When the script has exited but something it left holds the pipes open. */
const CLOSE_WAIT_MS = 5_000;

function pushTail(tail: string[], line: string): void {
  tail.push(line.length > 500 ? `${line.slice(0, 500)}…` : line);
  if (tail.length > TAIL_LINES) tail.shift();
}

/** SIGKILL to the whole group (the script, its DataLoader workers, anything it spawned); a group already gone is fine. */
export function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: nothing left in the group.
  }
}

export function runTrialProcess(
  options: TrialProcessOptions,
  signal: AbortSignal,
  decide: EpochDecision,
  onEpoch: (epoch: EpochMessage) => void,
): Promise<TrialRecord> {
  const record: TrialRecord = {
    hello: null,
    epochs: [],
    final: null,
    failure: null,
    stopped: null,
    broken: null,
    spawnError: null,
    aborted: false,
    code: null,
    signal: null,
    stderrTail: [],
    stdoutTail: [],
    seconds: 0,
  };
  const started = performance.now();
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn(options.python, ['-B', '-u', options.trainer], {
        cwd: options.cwd,
        env: options.env,
        // A new session: the script leads a process group that is killed as one.
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
      });
    } catch (error) {
      record.spawnError = (error as Error).message;
      resolve(record);
      return;
    }
    const answers = child.stdio[ANSWER_FD] as Writable;
    answers.on('error', () => {});
    const answer = (a: Answer) => {
      if (answers.writable) answers.write(encodeAnswer(a));
    };
    let killTimer: NodeJS.Timeout | undefined;
    let closeTimer: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(killTimer);
      clearTimeout(closeTimer);
      signal.removeEventListener('abort', onAbort);
      if (record.seconds === 0) record.seconds = (performance.now() - started) / 1000;
      answers.destroy();
      resolve(record);
    };
    const onAbort = () => {
      record.aborted = true;
      answer({ type: 'cancel', reason: String(signal.reason ?? 'cancelled') });
      killTimer = setTimeout(() => killGroup(child.pid), options.cancelGraceMs);
    };
    const breakChannel = (problem: string) => {
      record.broken ??= problem;
      killGroup(child.pid);
    };

    createInterface({ input: child.stdio[CHANNEL_FD] as Readable }).on('line', (line) => {
      if (record.broken !== null || line.trim() === '') return;
      const parsed = parseTrialLine(line);
      if ('problem' in parsed) return breakChannel(parsed.problem);
      const message = parsed.message;
      switch (message.type) {
        case 'hello':
          if (record.hello !== null) return breakChannel('a second "hello"');
          if (message.protocol !== TRIAL_PROTOCOL)
            return breakChannel(
              `its blockqnn_trial speaks protocol ${message.protocol}, this worker ${TRIAL_PROTOCOL} (import the helper the worker puts on PYTHONPATH, not a copy)`,
            );
          record.hello = message;
          return;
        case 'epoch': {
          const last = record.epochs.at(-1)?.epoch ?? 0;
          if (message.epoch <= last) return breakChannel(`epoch ${message.epoch} reported after epoch ${last}`);
          record.epochs.push(message);
          onEpoch(message);
          const answerWith = (stop: EpochStop | null) => {
            // A script that ended (or broke the channel) while its answer was being decided gets none.
            if (settled || record.broken !== null) return;
            if (stop !== null) {
              record.stopped ??= stop;
              answer({ type: 'stop', epoch: message.epoch, reason: record.stopped.reason });
            } else {
              answer({ type: 'continue', epoch: message.epoch });
            }
          };
          if (record.stopped !== null) return answerWith(record.stopped);
          // A decision that throws is the engine's fault, not the script's: continue, as a board that does not answer.
          void Promise.resolve()
            .then(() => decide(message))
            .then(answerWith, () => answerWith(null));
          return;
        }
        case 'final':
          if (record.final !== null) return breakChannel('a second "final"');
          record.final = message;
          record.seconds = (performance.now() - started) / 1000;
          return;
        case 'failure':
          record.failure ??= message;
          return;
      }
    });
    createInterface({ input: child.stderr! }).on('line', (line) => {
      pushTail(record.stderrTail, line);
      options.echo?.(line);
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      pushTail(record.stdoutTail, line);
      options.echo?.(line);
    });
    child.on('error', (error) => {
      record.spawnError ??= error.message;
      finish();
    });
    child.on('exit', (code, killedBy) => {
      record.code = code;
      record.signal = killedBy;
      // Whatever the script left behind (workers, a stray subprocess) goes with it; their pipes then close.
      killGroup(child.pid);
      closeTimer = setTimeout(finish, CLOSE_WAIT_MS);
    });
    child.on('close', finish);
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
  });
}
