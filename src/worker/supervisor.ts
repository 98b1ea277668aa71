/**
 * `blockqnn worker`: one child process per slot, GPUs pinned through
 * CUDA_VISIBLE_DEVICES (CPU slots see no GPU; several slots may share a GPU).
 * A child that crashes is restarted with backoff; SIGTERM/SIGINT are passed on
 * and the supervisor exits when every child has finished or handed back its
 * job. Slots report each finished job over IPC (the auto packer measures them),
 * and a GPU's slot count can change while it runs (`resizeGpu`).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { REDIS_PASSWORD_ENV } from '../queue/redis.js';
import type { SlotJobReport } from './packing.js';
import type { SlotConfig } from './slot-process.js';
import { type SlotSpec, gpuSlotName } from './slots.js';

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
  /** Slots that may share one GPU (the most `--slots-per-gpu` allows it): each trainer keeps its dataset on the GPU only within its share. */
  slotsPerGpu?: number;
  /** The slots' own stdout and stderr, line by line (the CLI's display); absent, they write to this process's terminal directly. */
  output?: (line: string) => void;
  /** Each job a slot finished (its training images/s and peak GPU memory), as the slot reported it. */
  onJobReport?: (report: SlotJobReport) => void;
}

const SLOT_ENTRY = fileURLToPath(new URL('./slot-main.js', import.meta.url));

export class Supervisor {
  private readonly children = new Map<string, ChildProcess>();
  private readonly specs = new Map<string, SlotSpec>();
  /** Slots stopped on purpose (a GPU's slot count went down): not restarted when they exit. */
  private readonly retired = new Set<string>();
  private readonly restarts = new Map<string, number[]>();
  private stopping = false;
  private exited!: () => void;
  readonly done = new Promise<void>((resolve) => (this.exited = resolve));

  constructor(private readonly options: SupervisorOptions) {}

  start(): void {
    for (const slot of this.options.slots) this.spawn(slot);
  }

  /** Names of the slots running on `gpu`, in slot order. */
  slotsOn(gpu: number): string[] {
    return [...this.specs.values()]
      .filter((s) => s.gpu === gpu && !this.retired.has(s.name))
      .map((s) => s.name)
      .sort(bySlotIndex);
  }

  /**
   * Runs `count` packed slots on `gpu` (names gpu<g>-<i>): starts the missing ones, and asks the highest-numbered
   * extra ones to finish or hand back their job and exit.
   */
  resizeGpu(gpu: number, count: number): void {
    if (this.stopping) return;
    const running = this.slotsOn(gpu);
    for (const name of running.slice(count)) {
      this.retired.add(name);
      this.children.get(name)?.kill('SIGTERM');
    }
    for (let i = 0; this.slotsOn(gpu).length < count; i++) {
      const name = gpuSlotName(gpu, i, true);
      if (this.specs.has(name) && !this.retired.has(name)) continue;
      this.retired.delete(name);
      if (!this.children.has(name)) this.spawn({ name, gpu });
      else this.specs.set(name, { name, gpu }); // a retiring slot still exiting: the exit handler starts it again
    }
  }

  private spawn(slot: SlotSpec): void {
    this.specs.set(slot.name, slot);
    // The config travels as an argument, which every local user can read in `ps`: the Redis password goes through the environment instead.
    const { url: redisUrl, password } = splitPassword(this.options.redisUrl);
    const config: SlotConfig = {
      redisUrl,
      prefix: this.options.prefix,
      engine: this.options.engine,
      slot: slot.name,
      gpu: slot.gpu,
      graceMs: this.options.graceMs,
      ...(this.options.lockDurationMs
        ? { lockDurationMs: this.options.lockDurationMs, stalledIntervalMs: this.options.lockDurationMs }
        : {}),
    };
    const child = fork(SLOT_ENTRY, [JSON.stringify(config)], {
      env: {
        ...process.env,
        ...slotEnv(slot, this.options.slotsPerGpu ?? 1),
        ...this.threadsFor(slot),
        ...(password ? { [REDIS_PASSWORD_ENV]: password } : {}),
      },
      stdio: this.options.output ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const output = this.options.output;
    for (const stream of output ? [child.stdout, child.stderr] : []) {
      if (stream) createInterface({ input: stream, crlfDelay: Infinity }).on('line', output!);
    }
    this.children.set(slot.name, child);
    child.on('message', (message: unknown) => {
      const m = message as { type?: unknown; report?: SlotJobReport } | null;
      if (m?.type === 'job' && m.report) this.options.onJobReport?.(m.report);
    });
    child.on('exit', (code, signal) => {
      this.children.delete(slot.name);
      if (this.stopping) {
        if (this.children.size === 0) this.exited();
        return;
      }
      if (this.retired.has(slot.name)) {
        this.specs.delete(slot.name);
        this.retired.delete(slot.name);
        this.options.log(`slot ${slot.name} stopped (its GPU runs fewer slots now)`);
        return;
      }
      if (this.specs.get(slot.name) !== slot && this.specs.has(slot.name)) {
        this.spawn(this.specs.get(slot.name)!); // asked back while it was retiring
        return;
      }
      const now = Date.now();
      const recent = (this.restarts.get(slot.name) ?? []).filter((t) => now - t < 60_000);
      if (code === 3 || recent.length >= (this.options.maxRestartsPerMinute ?? 5)) {
        this.options.log(
          `slot ${slot.name} exited (${signal ?? code}); not restarting${code === 3 ? ': it could not start' : ': it keeps crashing'}`,
        );
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

/**
 * A slot's environment: its GPU alone (CUDA_VISIBLE_DEVICES; empty for a CPU slot, which then sees none) and,
 * when slots share a GPU, how many may (BLOCKQNN_TORCH_SLOTS_PER_GPU: the trainer keeps its dataset on the GPU
 * only when it takes under 1/(8·K) of the free memory, so K slots loading at once cannot fill the GPU with data).
 */
export function slotEnv(slot: SlotSpec, slotsPerGpu: number): Record<string, string> {
  return {
    CUDA_VISIBLE_DEVICES: slot.gpu === null ? '' : String(slot.gpu),
    ...(slot.gpu !== null && slotsPerGpu > 1 ? { BLOCKQNN_TORCH_SLOTS_PER_GPU: String(slotsPerGpu) } : {}),
  };
}

const bySlotIndex = (a: string, b: string): number => Number(a.split('-')[1] ?? 0) - Number(b.split('-')[1] ?? 0);

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
