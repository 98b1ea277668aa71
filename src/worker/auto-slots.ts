/**
 * `--slots-per-gpu auto` at work: reads each GPU's free memory before any slot
 * starts, then feeds each GPU's AutoPacker (packing.ts) with the jobs its slots
 * report over IPC and with memory.used samples every few seconds, and resizes
 * the GPU's slots as the packer decides. Logs every step with its reason.
 */
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import { AutoPacker, PACKING_DEFAULTS, type SlotJobReport } from './packing.js';
import { gpuMemory } from './slots.js';
import type { Supervisor } from './supervisor.js';

export interface AutoSlotsOptions {
  maxSlots?: number;
  jobsPerProbe?: number;
  sampleMs?: number;
  /** Reads a GPU's memory (nvidia-smi by default). */
  query?: (gpu: number) => { freeBytes: number; usedBytes: number } | null;
}

export class AutoSlots {
  private supervisor: Supervisor | undefined;
  private readonly packers = new Map<number, AutoPacker>();
  private timer: NodeJS.Timeout | undefined;
  private readonly query: NonNullable<AutoSlotsOptions['query']>;

  constructor(
    gpus: readonly number[],
    private readonly log: (line: string) => void,
    private readonly options: AutoSlotsOptions = {},
  ) {
    this.query = options.query ?? gpuMemory;
    for (const gpu of gpus) {
      const memory = this.query(gpu);
      if (memory === null) {
        throw new BlockqnnError(
          ErrorCode.INVALID_CONFIG,
          `--slots-per-gpu auto reads each GPU's free memory with nvidia-smi, which did not answer for GPU ${gpu}`,
          {
            hint: 'check the NVIDIA driver (nvidia-smi), or give the slots per GPU as a number: --slots-per-gpu 4',
          },
        );
      }
      this.packers.set(
        gpu,
        new AutoPacker({
          gpu,
          freeBytes: memory.freeBytes,
          baselineUsedBytes: memory.usedBytes,
          maxSlots: options.maxSlots ?? PACKING_DEFAULTS.maxSlots,
          ...(options.jobsPerProbe ? { jobsPerProbe: options.jobsPerProbe } : {}),
          resize: (slots, reason) => {
            this.log(`GPU ${gpu}: ${slots} slots (--slots-per-gpu auto: ${reason})`);
            this.supervisor?.resizeGpu(gpu, slots);
          },
          settle: (slots, reason) => {
            this.log(`GPU ${gpu}: settled on ${slots} slot(s) (--slots-per-gpu auto: ${reason})`);
            this.supervisor?.resizeGpu(gpu, slots);
          },
        }),
      );
    }
  }

  /** The most slots a GPU may get: what the supervisor tells trainers to share the GPU's memory among. */
  get maxSlots(): number {
    return this.options.maxSlots ?? PACKING_DEFAULTS.maxSlots;
  }

  /** Starts sampling memory and resizing through `supervisor`. */
  attach(supervisor: Supervisor): void {
    this.supervisor = supervisor;
    this.timer = setInterval(() => {
      for (const [gpu, packer] of this.packers) {
        if (packer.done) continue;
        const memory = this.query(gpu);
        if (memory) packer.sampleUsedBytes(memory.usedBytes);
      }
    }, this.options.sampleMs ?? 2000);
    this.timer.unref();
  }

  /** A slot's job report (the supervisor's onJobReport). */
  readonly onJob = (report: SlotJobReport): void => {
    const gpu = /^gpu(\d+)-\d+$/.exec(report.slot)?.[1];
    const packer = gpu === undefined ? undefined : this.packers.get(Number(gpu));
    if (!packer || !this.supervisor) return;
    packer.onJob(report, this.supervisor.slotsOn(Number(gpu)));
  };

  stop(): void {
    clearInterval(this.timer);
  }
}
