/**
 * Packed GPU slots as real processes (the built CLI and supervisor; run
 * `npm run build` first): `blockqnn worker --gpus 0,1 --slots-per-gpu 2` starts
 * four slot processes, two pinned to each GPU, which start on a host without a
 * GPU too; bad counts fail before anything starts; a GPU's slots grow and shrink
 * while the worker runs, and each slot reports its finished jobs to the supervisor.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { JOB_CONTRACT } from '../../src/queue/contract.js';
import { EvaluationQueue } from '../../src/queue/evaluation-queue.js';
import { listWorkers } from '../../src/queue/worker-registry.js';
import { parseTask } from '../../src/task/task.js';
import type { SlotJobReport } from '../../src/worker/packing.js';
import type * as SupervisorModule from '../../src/worker/supervisor.js';
import { REDIS, cli, startCli } from '../e2e/harness.js';
import { deletePrefix, eventually } from '../helpers/redis.js';

const prefix = `bqtest-slots-${process.pid}`;
const client = new Redis(REDIS);
afterAll(async () => {
  await deletePrefix({ url: REDIS, prefix });
  client.disconnect();
});

const environOf = (pid: number): Record<string, string> =>
  Object.fromEntries(
    readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );

/** The registered slots of `prefix` by name, once `count` are there. */
async function slotsUp(count: number, p = prefix): Promise<Map<string, number>> {
  return eventually(
    async () => {
      const workers = await listWorkers(client, p);
      return workers.length === count ? new Map(workers.map((w) => [w.slot, w.pid])) : undefined;
    },
    120_000,
    `${count} slots registered`,
  );
}

describe('packed GPU slots', () => {
  it('--gpus 0,1 --slots-per-gpu 2: four slot processes, each pinned to its GPU alone, started without a GPU too', async () => {
    const worker = startCli('worker', [
      'worker',
      '--gpus',
      '0,1',
      '--slots-per-gpu',
      '2',
      '--engine',
      'table',
      '--redis',
      REDIS,
      '--prefix',
      prefix,
      '--grace-seconds',
      '1',
    ]);
    const slots = await slotsUp(4);
    expect([...slots.keys()].sort()).toEqual(['gpu0-0', 'gpu0-1', 'gpu1-0', 'gpu1-1']);
    for (const [name, pid] of slots) {
      const env = environOf(pid);
      expect([name, env.CUDA_VISIBLE_DEVICES, env.BLOCKQNN_TORCH_SLOTS_PER_GPU]).toEqual([name, name.slice(3, 4), '2']);
    }
    expect(new Set(slots.values()).size).toBe(4);
    expect(worker.output).toMatch(/worker: 4 slot\(s\) \[gpu0-0, gpu0-1, gpu1-0, gpu1-1\]/);
  }, 180_000);

  it('refuses K < 1 and --slots-per-gpu without GPUs, naming the flag, before any slot starts', async () => {
    const zero = await cli(['worker', '--gpus', '0', '--slots-per-gpu', '0', '--engine', 'table', '--redis', REDIS, '--prefix', prefix]);
    expect(zero.code).not.toBe(0);
    expect(zero.stderr).toContain('--slots-per-gpu must be a whole number from 1 to 64, or auto; got "0"');
    const noGpu = await cli(['worker', '--slots-per-gpu', '2', '--engine', 'table', '--redis', REDIS, '--prefix', prefix]);
    expect(noGpu.code).not.toBe(0);
    expect(noGpu.stderr).toContain('--slots-per-gpu needs GPUs: it packs trainer slots onto each GPU of --gpus');
    expect(noGpu.stderr).toContain('add --gpus all');
  }, 60_000);

  it("resizes a GPU's slots while running, and every slot reports its finished jobs over IPC", async () => {
    const { Supervisor } = (await import('../../dist/worker/supervisor.js' as string)) as typeof SupervisorModule;
    const p = `${prefix}-resize`;
    const reports: SlotJobReport[] = [];
    const logs: string[] = [];
    const supervisor = new Supervisor({
      redisUrl: REDIS,
      prefix: p,
      engine: 'table',
      slots: [{ name: 'gpu0-0', gpu: 0 }],
      graceMs: 1000,
      log: (l) => logs.push(l),
      slotsPerGpu: 8,
      onJobReport: (r) => reports.push(r),
    });
    supervisor.start();
    try {
      await slotsUp(1, p);
      supervisor.resizeGpu(0, 3);
      const three = await slotsUp(3, p);
      expect([...three.keys()].sort()).toEqual(['gpu0-0', 'gpu0-1', 'gpu0-2']);
      expect(supervisor.slotsOn(0)).toEqual(['gpu0-0', 'gpu0-1', 'gpu0-2']);
      for (const pid of three.values()) expect(environOf(pid).CUDA_VISIBLE_DEVICES).toBe('0');
      supervisor.resizeGpu(0, 1);
      expect(supervisor.slotsOn(0)).toEqual(['gpu0-0']);
      await eventually(() => (supervisor.running === 1 ? true : undefined), 30_000, 'two slots retired');
      expect((await slotsUp(1, p)).get('gpu0-0')).toBe(three.get('gpu0-0'));
      // A lookup job: the remaining slot trains it and reports it to the supervisor.
      const folder = mkdtempSync(join(tmpdir(), 'bq-slots-'));
      writeFileSync(join(folder, 'table.csv'), 'arch,acc\na,0.5\n');
      const queue = new EvaluationQueue({ url: REDIS, prefix: p }, 'table');
      await queue.enqueue({
        contract: JOB_CONTRACT,
        runId: 'r1',
        candidateHash: '0'.repeat(16),
        candidateKey: 'a',
        task: parseTask({ kind: 'lookup', table: join(folder, 'table.csv'), fitness: 'acc' }),
        engine: 'table',
        seed: 1,
        timeLimitSeconds: 60,
      });
      const report = await eventually(() => reports[0], 30_000, 'a job report');
      expect(report).toMatchObject({ slot: 'gpu0-0', imagesPerSecond: null, peakGpuMemoryBytes: null });
      expect(report.finishedAt).toBeGreaterThanOrEqual(report.startedAt);
      await queue.close();
    } catch (error) {
      throw new Error(
        `${(error as Error).message}\nsupervisor log:\n${logs.join('\n')}\nregistry: ${JSON.stringify((await listWorkers(client, p)).map((w) => [w.slot, w.pid, w.health]))}`,
      );
    } finally {
      await supervisor.stop();
      await deletePrefix({ url: REDIS, prefix: p });
    }
  }, 300_000);
});
