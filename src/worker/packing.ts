/**
 * How many trainer slots share one GPU under `--slots-per-gpu auto`: small
 * proxy networks leave a large GPU mostly idle, and several trainer processes
 * fill it until memory or throughput says stop. The decision is a pure function
 * of measurements (free memory before the slots started, and per probe the
 * slots' summed training images/s and the memory one slot took); AutoPacker
 * below collects those measurements from the slots' job reports.
 *
 * The rule, exactly:
 * 1. Start with one slot (no probe yet).
 * 2. Memory cap: perSlot = the largest memory one slot was measured to take in any probe;
 *    cap = max(1, ⌊headroom × freeBytes / perSlot⌋) (headroom 0.9; no cap before a measurement).
 * 3. After the probe at K slots, if there was an earlier probe at K' slots and throughput(K) <
 *    (1 + minGain) × throughput(K') (minGain 0.1): settle on the probe with the highest throughput
 *    (the fewer slots on a tie), at most cap.
 * 4. Else the next probe is min(2K, cap, maxSlots) slots (maxSlots 8); when that is not above K,
 *    settle on min(K, cap).
 * So K doubles 1 → 2 → 4 → 8 while each doubling adds at least 10 % images/s and the slots fit in
 * 90 % of the memory that was free, and stops at the best K measured.
 */
import { BlockqnnError, ErrorCode } from '../common/errors.js';

export interface PackingProbe {
  /** Slots that ran on the GPU while measured. */
  slots: number;
  /** Their training throughput together: the sum over the slots of each slot's mean images/s over its measured jobs. */
  imagesPerSecond: number;
  /** GPU memory one slot took (bytes): the largest of the GPU's memory rise per slot and the trainers' reported peaks. */
  peakBytesPerSlot: number;
}

export interface PackingInput {
  /** nvidia-smi's memory.free of the GPU before any slot started (bytes). */
  freeBytes: number;
  /** The probes measured so far, in order. */
  probes: readonly PackingProbe[];
  maxSlots?: number;
  minGain?: number;
  headroom?: number;
}

export type PackingDecision = { action: 'probe' | 'settle'; slots: number; reason: string };

export const PACKING_DEFAULTS = { maxSlots: 8, minGain: 0.1, headroom: 0.9 } as const;

export function decideSlotsPerGpu(input: PackingInput): PackingDecision {
  const maxSlots = input.maxSlots ?? PACKING_DEFAULTS.maxSlots;
  const minGain = input.minGain ?? PACKING_DEFAULTS.minGain;
  const headroom = input.headroom ?? PACKING_DEFAULTS.headroom;
  const { probes } = input;
  if (probes.length === 0) return { action: 'probe', slots: 1, reason: 'start with one slot' };
  const perSlot = Math.max(...probes.map((p) => p.peakBytesPerSlot));
  const cap = perSlot > 0 ? Math.max(1, Math.floor((headroom * input.freeBytes) / perSlot)) : Number.POSITIVE_INFINITY;
  const mib = (b: number) => `${Math.round(b / 2 ** 20)} MiB`;
  const capNote = Number.isFinite(cap)
    ? `; ${mib(perSlot)} per slot fit ${cap} in ${Math.round(headroom * 100)} % of ${mib(input.freeBytes)} free`
    : '';
  const best = probes.reduce((a, b) =>
    b.imagesPerSecond > a.imagesPerSecond || (b.imagesPerSecond === a.imagesPerSecond && b.slots < a.slots) ? b : a,
  );
  const last = probes.at(-1)!;
  const previous = probes.at(-2);
  const rate = (p: PackingProbe) => `${p.imagesPerSecond.toFixed(0)} images/s at ${p.slots}`;
  if (previous && last.imagesPerSecond < (1 + minGain) * previous.imagesPerSecond) {
    return {
      action: 'settle',
      slots: Math.min(best.slots, cap),
      reason: `${rate(last)} is less than ${Math.round(minGain * 100)} % above ${rate(previous)}${capNote}`,
    };
  }
  const next = Math.min(2 * last.slots, cap, maxSlots);
  if (next <= last.slots) {
    const limit = next === maxSlots ? `the most slots per GPU (${maxSlots})` : 'memory';
    return { action: 'settle', slots: Math.min(last.slots, cap), reason: `${rate(last)}; ${limit} allows no more${capNote}` };
  }
  return { action: 'probe', slots: next, reason: `${rate(last)}${previous ? ` (${rate(previous)})` : ''}: try ${next}${capNote}` };
}

/** One finished job as a slot process reports it to its supervisor. */
export interface SlotJobReport {
  slot: string;
  startedAt: number;
  finishedAt: number;
  imagesPerSecond: number | null;
  peakGpuMemoryBytes: number | null;
}

export interface AutoPackerOptions {
  gpu: number;
  freeBytes: number;
  /** Memory used on the GPU before any slot started (bytes), to turn a sample of memory.used into what the slots take. */
  baselineUsedBytes: number;
  /** Measured jobs each slot must finish, started after the last resize, before a probe is complete. */
  jobsPerProbe?: number;
  maxSlots?: number;
  minGain?: number;
  headroom?: number;
  /** Runs the GPU's slots at `slots` (starting or stopping slot processes). */
  resize(slots: number, reason: string): void;
  settle(slots: number, reason: string): void;
}

/**
 * Collects one GPU's probes: after each resize, every slot's jobs that started after it, and the largest
 * memory.used sampled meanwhile; when each running slot has `jobsPerProbe` of them, the probe is complete and
 * decideSlotsPerGpu says what comes next.
 */
export class AutoPacker {
  private readonly probes: PackingProbe[] = [];
  private slots = 1;
  private since = Date.now();
  private jobs = new Map<string, SlotJobReport[]>();
  private peakUsedBytes = 0;
  private settled = false;

  constructor(private readonly options: AutoPackerOptions) {
    if (!(options.freeBytes > 0))
      throw new BlockqnnError(ErrorCode.INVALID_INPUT, `GPU ${options.gpu}: no free memory reading (${options.freeBytes})`);
  }

  get done(): boolean {
    return this.settled;
  }

  get measured(): readonly PackingProbe[] {
    return this.probes;
  }

  /** A sample of the GPU's memory.used while the current probe runs. */
  sampleUsedBytes(used: number): void {
    this.peakUsedBytes = Math.max(this.peakUsedBytes, used);
  }

  /** A job finished on one of this GPU's slots; `running` lists the slots that run now. */
  onJob(report: SlotJobReport, running: readonly string[]): void {
    if (this.settled || report.startedAt < this.since || report.imagesPerSecond === null) return;
    this.jobs.set(report.slot, [...(this.jobs.get(report.slot) ?? []), report]);
    const need = this.options.jobsPerProbe ?? 2;
    if (running.length < this.slots || !running.every((s) => (this.jobs.get(s)?.length ?? 0) >= need)) return;
    const mean = (r: SlotJobReport[]) => r.reduce((sum, j) => sum + j.imagesPerSecond!, 0) / r.length;
    const reported = Math.max(0, ...[...this.jobs.values()].flat().map((j) => j.peakGpuMemoryBytes ?? 0));
    const rise = this.peakUsedBytes > 0 ? (this.peakUsedBytes - this.options.baselineUsedBytes) / this.slots : 0;
    this.probes.push({
      slots: this.slots,
      imagesPerSecond: running.reduce((sum, s) => sum + mean(this.jobs.get(s)!), 0),
      peakBytesPerSlot: Math.max(reported, rise),
    });
    const decision = decideSlotsPerGpu({ freeBytes: this.options.freeBytes, probes: this.probes, ...pick(this.options) });
    this.jobs = new Map();
    this.peakUsedBytes = 0;
    this.since = Date.now();
    if (decision.action === 'settle') {
      this.settled = true;
      this.options.settle(decision.slots, decision.reason);
    } else {
      this.slots = decision.slots;
      this.options.resize(decision.slots, decision.reason);
    }
  }
}

function pick(o: AutoPackerOptions): Partial<PackingInput> {
  return {
    ...(o.maxSlots ? { maxSlots: o.maxSlots } : {}),
    ...(o.minGain !== undefined ? { minGain: o.minGain } : {}),
    ...(o.headroom ? { headroom: o.headroom } : {}),
  };
}
