/** Which slots `blockqnn worker` runs: K per GPU, each pinned to its GPU; bad counts are refused naming the flag. */
import { describe, expect, it } from 'vitest';
import { parseSlotsPerGpu, planSlots } from '../../src/worker/slots.js';
import { slotEnv } from '../../src/worker/supervisor.js';

describe('planSlots with --slots-per-gpu', () => {
  it('runs K slots per GPU, named gpu<g>-<i>; one slot per GPU keeps the name gpu<g>', () => {
    expect(planSlots({ gpus: '0,1', slotsPerGpu: 2 })).toEqual([
      { name: 'gpu0-0', gpu: 0 },
      { name: 'gpu0-1', gpu: 0 },
      { name: 'gpu1-0', gpu: 1 },
      { name: 'gpu1-1', gpu: 1 },
    ]);
    expect(planSlots({ gpus: '3' })).toEqual([{ name: 'gpu3', gpu: 3 }]);
    expect(planSlots({ gpus: 'all', slotsPerGpu: 'auto' }, () => [0, 1])).toEqual([
      { name: 'gpu0-0', gpu: 0 },
      { name: 'gpu1-0', gpu: 1 },
    ]);
    expect(planSlots({ gpus: '0', slotsPerGpu: 3, cpuSlots: 1 }).map((s) => s.name)).toEqual(['gpu0-0', 'gpu0-1', 'gpu0-2', 'cpu0']);
  });

  it('pins each slot to its GPU alone and tells packed trainers how many share it', () => {
    expect(slotEnv({ name: 'gpu1-0', gpu: 1 }, 4)).toEqual({ CUDA_VISIBLE_DEVICES: '1', BLOCKQNN_TORCH_SLOTS_PER_GPU: '4' });
    expect(slotEnv({ name: 'gpu1', gpu: 1 }, 1)).toEqual({ CUDA_VISIBLE_DEVICES: '1' });
    expect(slotEnv({ name: 'cpu0', gpu: null }, 4)).toEqual({ CUDA_VISIBLE_DEVICES: '' });
  });

  it('refuses K < 1, fractions and words other than auto, and --slots-per-gpu without GPUs', () => {
    expect(() => parseSlotsPerGpu('0')).toThrow('--slots-per-gpu must be a whole number from 1 to 64, or auto; got "0"');
    expect(() => parseSlotsPerGpu('1.5')).toThrow(/got "1.5"/);
    expect(() => parseSlotsPerGpu('many')).toThrow(/got "many"/);
    expect(parseSlotsPerGpu('auto')).toBe('auto');
    expect(parseSlotsPerGpu('8')).toBe(8);
    expect(() => planSlots({ gpus: '0', slotsPerGpu: 0 })).toThrow(/--slots-per-gpu must be a whole number from 1 to 64/);
    expect(() => planSlots({ slotsPerGpu: 2, cpuSlots: 1 })).toThrow(
      '--slots-per-gpu needs GPUs: it packs trainer slots onto each GPU of --gpus',
    );
    expect(() => planSlots({ slotsPerGpu: 'auto' })).toThrow(/--slots-per-gpu needs GPUs/);
  });
});
