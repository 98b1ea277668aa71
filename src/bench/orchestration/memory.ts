/**
 * Memory figures: a worker slot's resident memory across `workerJobs` jobs (the
 * slot of a real `blockqnn worker` process), and the controller's after
 * `memoryCandidates` candidates in a process that runs only the controller.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import { type RedisSettings, createRedis } from '../../queue/redis.js';
import { listWorkers } from '../../queue/worker-registry.js';
import type { Store } from '../../store/index.js';
import { type ControllerSpec, runControllerChild } from './controller-child.js';
import { lookupConfig, runLoop } from './loop-run.js';
import type { OrchestrationBenchOptions, OrchestrationBenchReport } from './report.js';
import { deadline, deletePrefix, forkArgs, mb, rssOf, wait } from './util.js';

/** Node arguments of a `blockqnn` process built from the same code as this bench (see src/cli/entry.ts). */
function cliArgs(args: string[]): string[] {
  const { path, execArgv } = forkArgs(
    new URL(import.meta.url.endsWith('.ts') ? '../../cli/entry.ts' : '../../cli/entry.js', import.meta.url).href,
  );
  return [...execArgv, path, ...args];
}

/** A real `blockqnn worker --engine table` process with `slots` slots, started once its slots are registered. */
async function spawnWorkerProcess(
  redis: RedisSettings,
  slots: number,
): Promise<{ slotPids: () => Promise<number[]>; jobsDone: (pid: number) => Promise<number | undefined>; stop: () => Promise<void> }> {
  const child = spawn(
    process.execPath,
    cliArgs([
      'worker',
      '--engine',
      'table',
      '--cpu-slots',
      String(slots),
      '--redis',
      redis.url,
      '--prefix',
      redis.prefix,
      '--grace-seconds',
      '1',
    ]),
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const client = createRedis(redis);
  const stop = async () => {
    client.disconnect();
    await stopProcess(child);
  };
  const slotPids = async () => (await listWorkers(client, redis.prefix)).map((w) => w.pid);
  const giveUpAt = Date.now() + 30_000;
  while ((await slotPids()).length < slots) {
    if (child.exitCode !== null || Date.now() > giveUpAt) {
      await stop();
      throw new BlockqnnError(ErrorCode.INTERNAL, `bench worker process did not start its ${slots} slot(s): ${stderr.trim()}`);
    }
    await wait(100);
  }
  return { slotPids, jobsDone: async (pid) => (await listWorkers(client, redis.prefix)).find((w) => w.pid === pid)?.jobsDone, stop };
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, deadline(10_000)]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

export async function measureMemory(
  store: Store,
  dbUrl: string,
  redis: RedisSettings,
  o: OrchestrationBenchOptions,
): Promise<NonNullable<OrchestrationBenchReport['memory']>> {
  // A worker slot's RSS across `workerJobs` jobs: one slot, ten runs of a tenth each, sampled after each.
  const workerRedis = { ...redis, prefix: `${redis.prefix}-w` };
  const single = await spawnWorkerProcess(workerRedis, 1);
  const samples: { jobs: number; rssMb: number }[] = [];
  try {
    const [slotPid] = await single.slotPids();
    // The jobs go in ten consecutive runs and the RSS is read after each, once the slot has counted the run's jobs:
    // sampling on a timer missed steps whenever the slot finished jobs faster than the timer fired.
    const step = Math.max(1, Math.round(o.workerJobs / 10));
    samples.push({ jobs: (await single.jobsDone(slotPid!)) ?? 0, rssMb: mb(rssOf(slotPid!)) });
    for (let sent = 0, chunk = 1; sent < o.workerJobs; chunk++) {
      const candidates = Math.min(step, o.workerJobs - sent);
      await runLoop(store, workerRedis, lookupConfig({ ...o, candidates, maxInFlight: 16, delayMs: 0, seed: 100 + chunk }), () => {});
      sent += candidates;
      // The slot rewrites its registry entry (job count included) after each job.
      const giveUpAt = Date.now() + 10_000;
      let done = (await single.jobsDone(slotPid!)) ?? 0;
      while (done < sent && Date.now() < giveUpAt) {
        await wait(20);
        done = (await single.jobsDone(slotPid!)) ?? 0;
      }
      samples.push({ jobs: done, rssMb: mb(rssOf(slotPid!)) });
    }
  } finally {
    await single.stop();
    await deletePrefix(workerRedis);
  }
  o.log(`worker slot RSS over ${o.workerJobs} jobs: ${samples.map((s) => `${s.jobs}:${s.rssMb}`).join(' ')} MB`);

  // The controller's RSS after `memoryCandidates`, in a fresh process that runs only the controller (two worker slots run
  // in a `blockqnn worker` process). NAS-Bench-201 has 15,625 cells, so the candidates come in runs of at most 10,000.
  const controllerRedis = { ...redis, prefix: `${redis.prefix}-m` };
  const workers = await spawnWorkerProcess(controllerRedis, 2);
  const byRun: number[] = [];
  let total = 0;
  let peak = 0;
  const started = performance.now();
  try {
    const spec: ControllerSpec = {
      redis: controllerRedis,
      db: dbUrl,
      table: o.table,
      fitness: o.fitness,
      strategy: o.strategy,
      candidates: o.memoryCandidates,
      perRun: 10_000,
    };
    await runControllerChild(spec, (m) => {
      if (m.kind !== 'run') return;
      total = m.total;
      peak = Math.max(peak, m.peakRssMb);
      byRun.push(m.rssMb);
      o.log(`controller: ${m.total} candidates, RSS ${m.rssMb} MB (run ${byRun.length}: ${m.perSecond.toFixed(0)} candidates/s)`);
    });
  } finally {
    await workers.stop();
    await deletePrefix(controllerRedis);
  }
  return {
    controllerRssMbAfter100k: byRun[byRun.length - 1]!,
    controllerCandidates: total,
    controllerRuns: byRun.length,
    controllerRssMbByRun: byRun,
    controllerPeakRssMb: peak,
    controllerSeconds: (performance.now() - started) / 1000,
    workerRssMbStart: samples[0]!.rssMb,
    workerRssMbEnd: samples[samples.length - 1]!.rssMb,
    workerRssMbSamples: samples,
  };
}
