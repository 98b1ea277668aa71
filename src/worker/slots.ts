/**
 * Which worker slots a host runs: K per GPU (`--slots-per-gpu K`, default 1, each
 * pinned with CUDA_VISIBLE_DEVICES; `auto` starts with one and lets packing.ts
 * choose K) and/or a number of CPU slots. `--gpus all` asks nvidia-smi.
 */
import { execFileSync } from 'node:child_process';
import { BlockqnnError, ErrorCode } from '../common/errors.js';

export interface SlotSpec {
  /** Stable name within the host: gpu0, gpu1, cpu0, ... */
  name: string;
  gpu: number | null;
}

export interface SlotRequest {
  /** "all", or a comma-separated list of GPU indices. */
  gpus?: string | undefined;
  /** Trainer slots per GPU (default 1), or "auto" (packing.ts). */
  slotsPerGpu?: number | 'auto' | undefined;
  cpuSlots?: number | undefined;
}

/** The most slots one GPU may run: each is a process with its own CUDA context (a few hundred MB). */
export const MAX_SLOTS_PER_GPU = 64;

/** `--slots-per-gpu K|auto` as typed; a clear error for anything else. */
export function parseSlotsPerGpu(value: string): number | 'auto' {
  if (value === 'auto') return 'auto';
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_SLOTS_PER_GPU) {
    throw new BlockqnnError(
      ErrorCode.INVALID_CONFIG,
      `--slots-per-gpu must be a whole number from 1 to ${MAX_SLOTS_PER_GPU}, or auto; got "${value}"`,
      {
        hint: 'write --slots-per-gpu 4, or --slots-per-gpu auto to choose from free memory and measured throughput',
      },
    );
  }
  return n;
}

/** Slot i of GPU g: `gpu<g>` when the GPU has one fixed slot (as before slots were packed), else `gpu<g>-<i>`. */
export function gpuSlotName(gpu: number, index: number, packed: boolean): string {
  return packed ? `gpu${gpu}-${index}` : `gpu${gpu}`;
}

/** Free and used memory of one GPU in bytes, from nvidia-smi; null without a driver. */
export function gpuMemory(gpu: number): { freeBytes: number; usedBytes: number } | null {
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=memory.free,memory.used', '--format=csv,noheader,nounits', '-i', String(gpu)], {
      encoding: 'utf8',
      timeout: 10_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const [free, used] = out
      .trim()
      .split(',')
      .map((v) => Number(v.trim()) * 2 ** 20);
    return Number.isFinite(free) && Number.isFinite(used) ? { freeBytes: free!, usedBytes: used! } : null;
  } catch {
    return null;
  }
}

/** GPU indices nvidia-smi reports; [] when there is no NVIDIA driver. */
export function detectGpus(): number[] {
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=index', '--format=csv,noheader'], {
      encoding: 'utf8',
      timeout: 10_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return out
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .map(Number)
      .filter(Number.isInteger);
  } catch {
    return [];
  }
}

export function planSlots(request: SlotRequest, gpus: () => number[] = detectGpus): SlotSpec[] {
  const slots: SlotSpec[] = [];
  if (request.gpus !== undefined) {
    let indices: number[];
    if (request.gpus === 'all') {
      indices = gpus();
      if (indices.length === 0) {
        throw new BlockqnnError(ErrorCode.INVALID_CONFIG, '--gpus all found no GPU (nvidia-smi is missing or lists none)', {
          hint: 'install the NVIDIA driver, or run CPU slots with --cpu-slots N',
        });
      }
    } else {
      indices = request.gpus
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .map((s) => {
          const n = Number(s);
          if (!Number.isInteger(n) || n < 0)
            throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `--gpus: "${s}" is not a GPU index`, {
              hint: 'write --gpus all or --gpus 0,1,2',
            });
          return n;
        });
      if (new Set(indices).size !== indices.length)
        throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `--gpus lists a GPU twice: ${request.gpus}`);
    }
    const perGpu = request.slotsPerGpu ?? 1;
    if (perGpu !== 'auto' && !(Number.isInteger(perGpu) && perGpu >= 1 && perGpu <= MAX_SLOTS_PER_GPU)) {
      throw new BlockqnnError(
        ErrorCode.INVALID_CONFIG,
        `--slots-per-gpu must be a whole number from 1 to ${MAX_SLOTS_PER_GPU}, or auto; got ${perGpu}`,
      );
    }
    // auto starts each GPU with one slot; the auto packer adds the others.
    const count = perGpu === 'auto' ? 1 : perGpu;
    const packed = perGpu !== 1;
    for (const gpu of indices) for (let i = 0; i < count; i++) slots.push({ name: gpuSlotName(gpu, i, packed), gpu });
  } else if (request.slotsPerGpu !== undefined) {
    throw new BlockqnnError(ErrorCode.INVALID_CONFIG, '--slots-per-gpu needs GPUs: it packs trainer slots onto each GPU of --gpus', {
      hint: 'add --gpus all (or --gpus 0,1); CPU slots are set with --cpu-slots N',
    });
  }
  const cpu = request.cpuSlots ?? (slots.length === 0 ? 1 : 0);
  if (!Number.isInteger(cpu) || cpu < 0)
    throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `--cpu-slots must be a non-negative integer, got ${cpu}`);
  for (let i = 0; i < cpu; i++) slots.push({ name: `cpu${i}`, gpu: null });
  if (slots.length === 0) throw new BlockqnnError(ErrorCode.INVALID_CONFIG, 'no worker slots: give --gpus or --cpu-slots N with N >= 1');
  return slots;
}
