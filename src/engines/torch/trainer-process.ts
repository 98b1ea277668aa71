/**
 * One Python trainer child process and the conversation with it: start and
 * wait for `ready`, send a job, stream its progress, cancel it, and turn every
 * way it can break (exit, a signal, a line that is not the protocol, silence
 * after a cancel) into a BlockqnnError that names what happened and shows the
 * trainer's last stderr lines. A process that broke is killed; the engine
 * starts a fresh one for the next job.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import {
  PROTOCOL_VERSION,
  type ProgressMessage,
  type ReadyMessage,
  type Request,
  type ResultMessage,
  type TrainMessage,
  encodeRequest,
  parseResponse,
} from './protocol.js';

export interface TrainerProcessOptions {
  python: string;
  script: string;
  env?: NodeJS.ProcessEnv;
  /** Importing torch and initialising CUDA can take a while on a cold machine. */
  startTimeoutMs?: number;
  /** How long a cancelled job may take to stop before the process is killed. */
  cancelGraceMs?: number;
}

interface PendingJob {
  id: string;
  resolve(result: ResultMessage): void;
  reject(error: Error): void;
  onProgress(progress: ProgressMessage): void;
  decide: ((progress: ProgressMessage) => Promise<boolean>) | undefined;
}

const STDERR_LINES = 30;

export class TrainerProcess {
  private pending: PendingJob | null = null;
  private readonly stderrTail: string[] = [];
  private exitInfo: string | null = null;
  private broken: Error | null = null;
  private readyMessage: ReadyMessage | null = null;
  private readonly readyWaiters: { resolve(m: ReadyMessage): void; reject(e: Error): void }[] = [];

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly options: TrainerProcessOptions,
  ) {
    createInterface({ input: child.stdout }).on('line', (line) => this.onLine(line));
    createInterface({ input: child.stderr }).on('line', (line) => {
      this.stderrTail.push(line.slice(0, 500));
      if (this.stderrTail.length > STDERR_LINES) this.stderrTail.shift();
    });
    // A write to a trainer that just died fails with EPIPE; the exit handler reports it.
    child.stdin.on('error', () => {});
    child.on('error', (error) =>
      this.fail(new BlockqnnError(ErrorCode.ENGINE_UNAVAILABLE, `cannot run ${options.python}: ${error.message}`, { cause: error })),
    );
    // 'close', not 'exit': by then stderr is read to the end, so errors show the trainer's last words.
    child.on('close', (code, signal) => {
      this.exitInfo = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      this.fail(
        this.error(`the torch trainer (pid ${child.pid}) ${this.exitInfo}${this.pending ? ` while training job ${this.pending.id}` : ''}`),
      );
    });
  }

  /** Spawns the trainer and waits for its `ready` line. */
  static async start(options: TrainerProcessOptions): Promise<TrainerProcess> {
    const child = spawn(options.python, ['-B', '-u', options.script], { stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? process.env });
    const trainer = new TrainerProcess(child, options);
    const timeoutMs = options.startTimeoutMs ?? 180_000;
    const timer = setTimeout(() => {
      trainer.fail(trainer.error(`the torch trainer sent no "ready" line within ${timeoutMs / 1000} s`));
      trainer.kill();
    }, timeoutMs);
    try {
      const ready = await new Promise<ReadyMessage>((resolve, reject) => trainer.readyWaiters.push({ resolve, reject }));
      if (ready.protocol !== PROTOCOL_VERSION) {
        trainer.kill();
        throw trainer.error(`the torch trainer speaks protocol ${ready.protocol}, this blockqnn speaks ${PROTOCOL_VERSION}`);
      }
      return trainer;
    } finally {
      clearTimeout(timer);
    }
  }

  get ready(): ReadyMessage {
    return this.readyMessage!;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** False once the process exited or broke the protocol: it takes no more jobs. */
  get usable(): boolean {
    return this.broken === null && this.exitInfo === null;
  }

  /**
   * Runs one job. Resolves with the result message (status ok, diverged,
   * too_large, pruned or cancelled); rejects when the job failed in Python or the
   * trainer broke. Aborting `signal` sends a cancel, and kills the process if
   * it has not answered within the grace period. With `decide` (and
   * `message.decisions`), every progress line but the last epoch's is answered
   * with its decision, which the trainer waits for; a `decide` that throws
   * answers continue.
   */
  run(
    message: TrainMessage,
    signal: AbortSignal,
    onProgress: (progress: ProgressMessage) => void,
    decide?: (progress: ProgressMessage) => Promise<boolean>,
  ): Promise<ResultMessage> {
    if (!this.usable) return Promise.reject(this.broken ?? this.error('the torch trainer is not running'));
    if (this.pending) return Promise.reject(new BlockqnnError(ErrorCode.INTERNAL, `the torch trainer is busy with job ${this.pending.id}`));
    return new Promise<ResultMessage>((resolve, reject) => {
      let killTimer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        this.send({ type: 'cancel', id: message.id });
        const graceMs = this.options.cancelGraceMs ?? 15_000;
        killTimer = setTimeout(() => {
          this.fail(
            this.error(`the torch trainer did not stop job ${message.id} within ${graceMs / 1000} s of the cancel, so it was killed`),
          );
          this.kill();
        }, graceMs);
      };
      const settle = () => {
        signal.removeEventListener('abort', onAbort);
        clearTimeout(killTimer);
        this.pending = null;
      };
      this.pending = {
        id: message.id,
        onProgress,
        decide: message.decisions ? decide : undefined,
        resolve: (result) => (settle(), resolve(result)),
        reject: (error) => (settle(), reject(error)),
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.send(message);
      if (signal.aborted) onAbort();
    });
  }

  /** Asks the trainer to exit; kills it if it has not within `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.exitInfo !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('close', () => resolve()));
    this.send({ type: 'shutdown' });
    this.child.stdin.end();
    const timer = setTimeout(() => this.kill(), graceMs);
    await exited;
    clearTimeout(timer);
  }

  kill(): void {
    if (this.exitInfo === null) this.child.kill('SIGKILL');
  }

  private send(request: Request): void {
    if (this.exitInfo === null && this.child.stdin.writable) this.child.stdin.write(encodeRequest(request));
  }

  private onLine(line: string): void {
    if (line.trim() === '') return;
    const message = parseResponse(line);
    if (message === null) {
      const shown = line.length > 200 ? `${line.slice(0, 200)}…` : line;
      this.fail(this.error(`the torch trainer wrote a line that is not the JSON-lines protocol: ${JSON.stringify(shown)}`));
      this.kill();
      return;
    }
    switch (message.type) {
      case 'ready':
        this.readyMessage = message;
        for (const w of this.readyWaiters.splice(0)) w.resolve(message);
        return;
      case 'progress':
        if (this.pending?.id === message.id) {
          this.pending.onProgress(message);
          if (message.epoch < message.epochs && this.pending.decide) this.answer(this.pending.decide, message);
        }
        return;
      case 'result':
        if (this.pending?.id === message.id) this.pending.resolve(message);
        return;
      case 'error': {
        const error = this.error(
          `the torch trainer failed${message.id ? ` job ${message.id}` : ''}: ${message.message}`,
          message.traceback,
        );
        if (message.kind === 'startup') this.fail(error);
        else if (this.pending && (message.id === this.pending.id || message.kind === 'protocol')) this.pending.reject(error);
        return;
      }
    }
  }

  /** Sends the decision after a progress line; the trainer waits for it, so a failed decision must still answer. */
  private answer(decide: (progress: ProgressMessage) => Promise<boolean>, progress: ProgressMessage): void {
    void decide(progress)
      .catch(() => true)
      .then((go) => {
        if (this.pending?.id === progress.id) this.send({ type: 'decision', id: progress.id, epoch: progress.epoch, continue: go });
      });
  }

  /** Marks the process unusable and rejects whoever waits on it. */
  private fail(error: Error): void {
    this.broken ??= error;
    for (const w of this.readyWaiters.splice(0)) w.reject(error);
    this.pending?.reject(error);
  }

  private error(message: string, traceback?: string): BlockqnnError {
    const tail = (traceback ?? this.stderrTail.join('\n')).trim();
    return new BlockqnnError(ErrorCode.INTERNAL, message, {
      hint: `the engine starts a fresh trainer for the next job${tail ? `; the trainer's last output:\n${tail.split('\n').slice(-12).join('\n')}` : ''}`,
      details: { python: this.options.python, script: this.options.script, pid: this.child.pid, ...(traceback ? { traceback } : {}) },
    });
  }
}
