/**
 * `--slots-per-gpu auto`'s decision (packing.ts), a pure function of measured
 * numbers, and the AutoPacker that turns slots' job reports into probes.
 */
import { describe, expect, it } from 'vitest';
import { AutoPacker, type PackingProbe, type SlotJobReport, decideSlotsPerGpu } from '../../src/worker/packing.js';

const GiB = 2 ** 30;
const probe = (slots: number, imagesPerSecond: number, peakBytesPerSlot = 1 * GiB): PackingProbe => ({
  slots,
  imagesPerSecond,
  peakBytesPerSlot,
});

describe('decideSlotsPerGpu', () => {
  it('starts with one slot and doubles while throughput grows by at least 10 %', () => {
    expect(decideSlotsPerGpu({ freeBytes: 80 * GiB, probes: [] })).toMatchObject({ action: 'probe', slots: 1 });
    expect(decideSlotsPerGpu({ freeBytes: 80 * GiB, probes: [probe(1, 1000)] })).toMatchObject({ action: 'probe', slots: 2 });
    expect(decideSlotsPerGpu({ freeBytes: 80 * GiB, probes: [probe(1, 1000), probe(2, 1900)] })).toMatchObject({
      action: 'probe',
      slots: 4,
    });
    expect(decideSlotsPerGpu({ freeBytes: 80 * GiB, probes: [probe(1, 1000), probe(2, 1900), probe(4, 3500)] })).toMatchObject({
      action: 'probe',
      slots: 8,
    });
  });

  it('stops at the most slots per GPU, and at the best probe when a doubling gains less than 10 %', () => {
    const all = [probe(1, 1000), probe(2, 1900), probe(4, 3500), probe(8, 5000)];
    expect(decideSlotsPerGpu({ freeBytes: 80 * GiB, probes: all })).toEqual({
      action: 'settle',
      slots: 8,
      reason: expect.stringMatching(/the most slots per GPU \(8\) allows no more/),
    });
    // 4 → 8 gained 5 %: settle on the best measured (8 is best, barely).
    expect(decideSlotsPerGpu({ freeBytes: 80 * GiB, probes: [...all.slice(0, 3), probe(8, 3675)] })).toMatchObject({
      action: 'settle',
      slots: 8,
    });
    // 2 → 4 lost throughput: settle back on 2.
    expect(decideSlotsPerGpu({ freeBytes: 80 * GiB, probes: [probe(1, 1000), probe(2, 1900), probe(4, 1800)] })).toEqual({
      action: 'settle',
      slots: 2,
      reason: '1800 images/s at 4 is less than 10 % above 1900 images/s at 2; 1024 MiB per slot fit 72 in 90 % of 81920 MiB free',
    });
    // Equal throughput: the fewer slots.
    expect(decideSlotsPerGpu({ freeBytes: 80 * GiB, probes: [probe(1, 1000), probe(2, 1000)] })).toMatchObject({
      action: 'settle',
      slots: 1,
    });
    expect(decideSlotsPerGpu({ freeBytes: 80 * GiB, probes: [probe(1, 1000)], maxSlots: 1 })).toMatchObject({ action: 'settle', slots: 1 });
  });

  it('never plans more slots than 90 % of the free memory holds at the largest per-slot peak measured', () => {
    // 10 GiB free, 3 GiB per slot: ⌊9 / 3⌋ = 3.
    expect(decideSlotsPerGpu({ freeBytes: 10 * GiB, probes: [probe(1, 1000, 3 * GiB), probe(2, 1900, 3 * GiB)] })).toMatchObject({
      action: 'probe',
      slots: 3,
    });
    expect(
      decideSlotsPerGpu({ freeBytes: 10 * GiB, probes: [probe(1, 1000, 3 * GiB), probe(2, 1900, 3 * GiB), probe(3, 2500, 3 * GiB)] }),
    ).toMatchObject({ action: 'settle', slots: 3, reason: expect.stringMatching(/memory allows no more/) });
    // A later probe measured more per slot: the cap falls below what runs, and the settle respects it.
    expect(decideSlotsPerGpu({ freeBytes: 10 * GiB, probes: [probe(1, 1000, 1 * GiB), probe(4, 3000, 4 * GiB)] })).toMatchObject({
      action: 'settle',
      slots: 2,
    });
    // A slot that needs more than the memory free still gets one slot.
    expect(decideSlotsPerGpu({ freeBytes: 1 * GiB, probes: [probe(1, 1000, 2 * GiB)] })).toMatchObject({ action: 'settle', slots: 1 });
  });
});

describe('AutoPacker', () => {
  it('measures a probe once each running slot finished its jobs started after the last resize, then resizes or settles', () => {
    const steps: string[] = [];
    const packer = new AutoPacker({
      gpu: 0,
      freeBytes: 16 * GiB,
      baselineUsedBytes: 1 * GiB,
      jobsPerProbe: 2,
      resize: (slots) => steps.push(`resize ${slots}`),
      settle: (slots) => steps.push(`settle ${slots}`),
    });
    const t0 = Date.now();
    const job = (slot: string, imagesPerSecond: number | null, startedAt = t0 + 1): SlotJobReport => ({
      slot,
      startedAt,
      finishedAt: startedAt + 1000,
      imagesPerSecond,
      peakGpuMemoryBytes: 0.5 * GiB,
    });
    packer.onJob(job('gpu0-0', 900, t0 - 10_000), ['gpu0-0']); // started before the packer: not measured
    packer.onJob(job('gpu0-0', null), ['gpu0-0']); // a failed job has no rate
    packer.onJob(job('gpu0-0', 1000), ['gpu0-0']);
    expect(steps).toEqual([]);
    packer.sampleUsedBytes(2.5 * GiB); // one slot took 1.5 GiB beyond the baseline, more than the trainer's 0.5 GiB peak
    packer.onJob(job('gpu0-0', 1000), ['gpu0-0']);
    expect(steps).toEqual(['resize 2']);
    expect(packer.measured).toEqual([{ slots: 1, imagesPerSecond: 1000, peakBytesPerSlot: 1.5 * GiB }]);
    const later = Date.now() + 5;
    for (const slot of ['gpu0-0', 'gpu0-1', 'gpu0-0']) packer.onJob(job(slot, 800, later), ['gpu0-0', 'gpu0-1']);
    expect(steps).toEqual(['resize 2']);
    packer.onJob(job('gpu0-1', 700, later), ['gpu0-0', 'gpu0-1']);
    // Two slots: each slot's mean, summed: 800 + (800 + 700) / 2 = 1550 images/s, up 55 %; 0.5 GiB per slot measured now,
    // 1.5 GiB the most seen: ⌊0.9 × 16 / 1.5⌋ = 9 ≥ 4.
    expect(packer.measured.at(-1)).toEqual({ slots: 2, imagesPerSecond: 1550, peakBytesPerSlot: 0.5 * GiB });
    expect(steps).toEqual(['resize 2', 'resize 4']);
    const third = Date.now() + 10;
    const four = ['gpu0-0', 'gpu0-1', 'gpu0-2', 'gpu0-3'];
    // Four slots: 1560 images/s, less than 10 % above 1550: settle on the best, 4.
    for (const slot of [...four, ...four]) packer.onJob(job(slot, 390, third), four);
    expect(steps).toEqual(['resize 2', 'resize 4', 'settle 4']);
    expect(packer.done).toBe(true);
    packer.onJob(job('gpu0-0', 5000, third + 1), four);
    expect(steps).toHaveLength(3);
  });
});
