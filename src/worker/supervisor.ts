/**
 * `blockqnn worker`: one child process per slot, GPUs pinned through
 * CUDA_VISIBLE_DEVICES (CPU slots see no GPU). A child that crashes is
 * restarted with backoff; SIGTERM/SIGINT are passed on and the supervisor
 * exits when every child has finished or handed back its job.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { REDIS_PASSWORD_ENV } from '../queue/redis.js';
import type { SlotConfig } from './slot-process.js';
import type { SlotSpec } from './slots.js';

export interface SupervisorOptions {
  redisUrl: string;
  prefix: string;
  engine: string;
  slots: SlotSpec[];
  graceMs: number;
  log: (line: string) => void;
  /** Restarts allowed per slot within a minute before the slot is given up. */
  maxRestartsPerMinute?: number;
  /** Job lock and stalled-check period: a slot that dies loses its job to another worker within about twice this. */
  lockDurationMs?: number;
}

const SLOT_ENTRY = fileURLToPath(new URL('./slot-main.js', import.meta.url));

export class Supervisor {
  private readonly children = new Map<string, ChildProcess>();
  private readonly restarts = new Map<string, number[]>();
  private stopping = false;
  private exited!: () => void;
  readonly done = new Promise<void>((resolve) => (this.exited = resolve));

  constructor(private readonly options: SupervisorOptions) {}

  start(): void {
    for (const slot of this.options.slots) this.spawn(slot);
  }

  private spawn(slot: SlotSpec): void {
    // The config travels as an argument, which every local user can read in `ps`: the Redis password goes through the environment instead.
    const { url: redisUrl, password } = splitPassword(this.options.redisUrl);
    const config: SlotConfig = {
      redisUrl,
      prefix: this.options.prefix,
      engine: this.options.engine,
      slot: slot.name,
      gpu: slot.gpu,
      graceMs: this.options.graceMs,
      ...(this.options.lockDurationMs ? { lockDurationMs: this.options.lockDurationMs, stalledIntervalMs: this.options.lockDurationMs } : {}),
    };
    const child = fork(SLOT_ENTRY, [JSON.stringify(config)], {
      env: { ...process.env, CUDA_VISIBLE_DEVICES: slot.gpu === null ? '' : String(slot.gpu), ...this.threadsFor(slot), ...(password ? { [REDIS_PASSWORD_ENV]: password } : {}) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.children.set(slot.name, child);
    child.on('exit', (code, signal) => {
      this.children.delete(slot.name);
      if (this.stopping) {
        if (this.children.size === 0) this.exited();
        return;
      }
      const now = Date.now();
      const recent = (this.restarts.get(slot.name) ?? []).filter((t) => now - t < 60_000);
      if (code === 3 || recent.length >= (this.options.maxRestartsPerMinute ?? 5)) {
        this.options.log(`slot ${slot.name} exited (${signal ?? code}); not restarting${code === 3 ? ': it could not start' : ': it keeps crashing'}`);
        if (this.children.size === 0) this.exited();
        return;
      }
      recent.push(now);
      this.restarts.set(slot.name, recent);
      const delay = Math.min(30_000, 500 * 2 ** (recent.length - 1));
      this.options.log(`slot ${slot.name} exited (${signal ?? code}); restarting in ${delay} ms`);
      setTimeout(() => !this.stopping && this.spawn(slot), delay);
    });
  }

  /** CPU slots share the host's cores: each trainer gets its share unless the user set BLOCKQNN_TORCH_THREADS. */
  private threadsFor(slot: SlotSpec): Record<string, string> {
    if (slot.gpu !== null || process.env.BLOCKQNN_TORCH_THREADS) return {};
    const cpuSlots = this.options.slots.filter((s) => s.gpu === null).length;
    return { BLOCKQNN_TORCH_THREADS: String(Math.max(1, Math.floor(availableParallelism() / cpuSlots))) };
  }

  /** Asks every slot to finish or hand back its job, then resolves when all have exited. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.children.size === 0) this.exited();
    for (const child of this.children.values()) child.kill('SIGTERM');
    await this.done;
  }

  get running(): number {
    return this.children.size;
  }
}

/** The Redis URL without its password, and the password (the slot reads it from REDIS_PASSWORD). */
export function splitPassword(redisUrl: string): { url: string; password: string | undefined } {
  let parsed: URL;
  try {
    parsed = new URL(redisUrl);
  } catch {
    return { url: redisUrl, password: undefined };
  }
  if (!parsed.password) return { url: redisUrl, password: undefined };
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  return { url: parsed.toString(), password };
}
