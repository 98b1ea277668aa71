/**
 * Which worker slots a host runs: one per GPU (pinned with CUDA_VISIBLE_DEVICES)
 * and/or a number of CPU slots. `--gpus all` asks nvidia-smi.
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
  cpuSlots?: number | undefined;
}

/** GPU indices nvidia-smi reports; [] when there is no NVIDIA driver. */
export function detectGpus(): number[] {
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=index', '--format=csv,noheader'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] });
    return out.split('\n').map((l) => l.trim()).filter(Boolean).map(Number).filter(Number.isInteger);
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
      indices = request.gpus.split(',').map((s) => s.trim()).filter(Boolean).map((s) => {
        const n = Number(s);
        if (!Number.isInteger(n) || n < 0) throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `--gpus: "${s}" is not a GPU index`, { hint: 'write --gpus all or --gpus 0,1,2' });
        return n;
      });
      if (new Set(indices).size !== indices.length) throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `--gpus lists a GPU twice: ${request.gpus}`);
    }
    slots.push(...indices.map((gpu) => ({ name: `gpu${gpu}`, gpu })));
  }
  const cpu = request.cpuSlots ?? (slots.length === 0 ? 1 : 0);
  if (!Number.isInteger(cpu) || cpu < 0) throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `--cpu-slots must be a non-negative integer, got ${cpu}`);
  for (let i = 0; i < cpu; i++) slots.push({ name: `cpu${i}`, gpu: null });
  if (slots.length === 0) throw new BlockqnnError(ErrorCode.INVALID_CONFIG, 'no worker slots: give --gpus or --cpu-slots N with N >= 1');
  return slots;
}
