/**
 * Fault scenarios on the worker side: a worker killed mid-job, every worker gone
 * and back, a worker of another contract version, a job delivered twice, and
 * workers whose clocks are an hour off. Real processes throughout (the built
 * CLI, table engine), each run counted by finishReport.
 */
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JOB_CONTRACT, RESULT_CONTRACT } from '../../queue/contract.js';
import { EvaluationQueue } from '../../queue/evaluation-queue.js';
import { createRedis } from '../../queue/redis.js';
import { listWorkers } from '../../queue/worker-registry.js';
import { parseSearchConfig } from '../../orchestrator/config.js';
import { type Lab, ROOT, eventually } from './lab.js';
import {
  type ScenarioOptions,
  type ScenarioReport,
  candidatesOf,
  committedMoreThan,
  descendsFrom,
  finishReport,
  openRead,
  parentOf,
  runIdOf,
  slotStartingJob,
  scenarioPrefix,
  searchArgs,
  sleep,
  startWorker,
  trainingsOf,
} from './run-helpers.js';

/** kill -9 of a worker host while it trains: the job's lock lapses and another worker retrains it. */
export async function workerKill(lab: Lab, o: ScenarioOptions): Promise<ScenarioReport> {
  const db = `file:${join(lab.tempDir('worker-kill'), 'run.db')}`;
  const prefix = scenarioPrefix(lab, o.redisUrl, 'wkill');
  const budget = o.quick ? 6 : 12;
  const [a, b] = await Promise.all([
    startWorker(lab, 'worker A', { redis: o.redisUrl, prefix, lockSeconds: 1 }),
    startWorker(lab, 'worker B', { redis: o.redisUrl, prefix, lockSeconds: 1 }),
  ]);
  const search = lab.cli('search', searchArgs(o, { db, redis: o.redisUrl, prefix, budget, delayMs: 800, maxInFlight: 2 }));
  const runId = await runIdOf(search);
  const store = await openRead(lab, db);
  const busy = await slotStartingJob(o.redisUrl, prefix, runId, a.pid);
  const victim = busy.currentJob!.candidateHash;
  a.killGroup();
  const killedAt = Date.now();
  await a.exited;
  const recovered = await eventually(
    async () =>
      (await candidatesOf(store, runId)).find((r) => r.hash === victim && r.status === 'ok') ? (Date.now() - killedAt) / 1000 : undefined,
    60_000,
    'the killed job recorded',
  );
  const code = await search.done(60_000);
  const rows = await candidatesOf(store, runId);
  return finishReport(store, {
    scenario: 'worker-kill',
    runId,
    db,
    budget,
    trainings: await trainingsOf(o.redisUrl, prefix),
    recoverySeconds: recovered,
    note: 'kill -9 of a worker host mid-job; recover = kill to the killed job recorded',
    facts: { exitCode: code, victim, killedSlot: busy.id, victimWorker: rows.find((r) => r.hash === victim)?.workerId, survivorPid: b.pid },
  });
}

/** Every worker killed, the run left without any for a while, then a new worker: the run carries on. */
export async function workersGone(lab: Lab, o: ScenarioOptions): Promise<ScenarioReport> {
  const db = `file:${join(lab.tempDir('workers-gone'), 'run.db')}`;
  const prefix = scenarioPrefix(lab, o.redisUrl, 'wgone');
  const budget = o.quick ? 8 : 16;
  const first = await startWorker(lab, 'worker (to die)', { redis: o.redisUrl, prefix, slots: 2, lockSeconds: 1 });
  const search = lab.cli('search', searchArgs(o, { db, redis: o.redisUrl, prefix, budget, delayMs: 300, maxInFlight: 2 }));
  const runId = await runIdOf(search);
  const store = await openRead(lab, db);
  await committedMoreThan(store, runId, 2);
  first.killGroup();
  await first.exited;
  const atKill = (await store.getRun(runId)).resultCount;
  await sleep(o.quick ? 2000 : 10_000);
  const during = await store.getRun(runId);
  const back = await startWorker(lab, 'worker (back)', { redis: o.redisUrl, prefix, slots: 2, lockSeconds: 1 });
  const backAt = Date.now();
  const recovery = await eventually(
    async () => ((await store.getRun(runId)).resultCount > during.resultCount ? (Date.now() - backAt) / 1000 : undefined),
    60_000,
    'a result after the workers came back',
  );
  const code = await search.done(60_000);
  return finishReport(store, {
    scenario: 'workers-gone',
    runId,
    db,
    budget,
    trainings: await trainingsOf(o.redisUrl, prefix),
    recoverySeconds: recovery,
    note: 'every worker killed (-9), none for a while, then a new one; recover = new worker ready to next result',
    facts: {
      exitCode: code,
      atKill,
      statusWithoutWorkers: during.status,
      resultsWithoutWorkers: during.resultCount - atKill,
      controllerAlive: search.exit === null || code === 0,
      backPid: back.pid,
    },
  });
}

/**
 * A copy of this build whose queue contract is one version ahead (what a worker
 * host upgraded before the controller runs): the same code with both contract
 * names changed. node_modules is shared through a link.
 */
export function otherVersionBuild(lab: Lab): { bin: string; contract: string } {
  const dir = lab.tempDir('other-version');
  cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
  mkdirSync(join(dir, 'bin'));
  cpSync(join(ROOT, 'bin/blockqnn.js'), join(dir, 'bin/blockqnn.js'));
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  const bump = (name: string) => name.replace(/@(\d+)$/, (_, v: string) => `@${Number(v) + 1}`);
  const contractFile = join(dir, 'dist/queue/contract.js');
  const source = readFileSync(contractFile, 'utf8');
  const changed = source
    .replace(`'${JOB_CONTRACT}'`, `'${bump(JOB_CONTRACT)}'`)
    .replace(`'${RESULT_CONTRACT}'`, `'${bump(RESULT_CONTRACT)}'`);
  if (changed === source) throw new Error(`could not find the contract names in ${contractFile}`);
  writeFileSync(contractFile, changed);
  return { bin: join(dir, 'bin/blockqnn.js'), contract: bump(JOB_CONTRACT) };
}

/** A worker of another contract version beside a current one: it hands every job back, the current one trains them all. */
export async function versionMismatch(lab: Lab, o: ScenarioOptions): Promise<ScenarioReport> {
  const db = `file:${join(lab.tempDir('version'), 'run.db')}`;
  const prefix = scenarioPrefix(lab, o.redisUrl, 'version');
  const budget = o.quick ? 6 : 12;
  const other = otherVersionBuild(lab);
  // The mismatched worker starts first and has two slots, so it sees most jobs first.
  const stranger = await startWorker(lab, `worker (${other.contract})`, { redis: o.redisUrl, prefix, slots: 2, bin: other.bin });
  const current = await startWorker(lab, 'worker (current)', { redis: o.redisUrl, prefix });
  const started = Date.now();
  const search = lab.cli('search', searchArgs(o, { db, redis: o.redisUrl, prefix, budget, delayMs: 100, maxInFlight: 2 }));
  const runId = await runIdOf(search);
  const store = await openRead(lab, db);
  const code = await search.done(90_000);
  const rows = await candidatesOf(store, runId);
  return finishReport(store, {
    scenario: 'version-mismatch',
    runId,
    db,
    budget,
    trainings: await trainingsOf(o.redisUrl, prefix),
    recoverySeconds: null,
    note: `a worker speaking ${other.contract} beside one speaking ${JOB_CONTRACT}`,
    facts: {
      exitCode: code,
      seconds: (Date.now() - started) / 1000,
      handedBack: stranger.count(/handed back/),
      strangerLog: stranger.output.split('\n').find((l) => /handed back/.test(l)) ?? null,
      workerPids: [...new Set(rows.map((r) => Number(r.workerId?.split(':')[1])))].map((pid) => parentOf(pid)),
      currentPid: current.pid,
      strangerPid: stranger.pid,
    },
  });
}

/** A recorded candidate's job delivered again mid-run (a stale producer, a replayed message): trained again, recorded once. */
export async function lateDuplicate(lab: Lab, o: ScenarioOptions): Promise<ScenarioReport> {
  const db = `file:${join(lab.tempDir('late'), 'run.db')}`;
  const prefix = scenarioPrefix(lab, o.redisUrl, 'late');
  const budget = o.quick ? 8 : 16;
  await startWorker(lab, 'worker', { redis: o.redisUrl, prefix });
  const search = lab.cli('search', searchArgs(o, { db, redis: o.redisUrl, prefix, budget, delayMs: 150, maxInFlight: 2 }));
  const runId = await runIdOf(search);
  const store = await openRead(lab, db);
  await committedMoreThan(store, runId, 2);
  const run = await store.getRun(runId);
  const config = parseSearchConfig(run.config, 'the run configuration');
  const [first] = (await candidatesOf(store, runId)).filter((r) => r.status === 'ok');
  const before = { ...first! };
  const queue = new EvaluationQueue({ url: o.redisUrl, prefix }, 'table');
  try {
    await queue.enqueue({
      contract: JOB_CONTRACT,
      runId,
      candidateHash: first!.hash,
      candidateKey: first!.nsc,
      task: config.task,
      engine: 'table',
      seed: 1,
      timeLimitSeconds: config.timeLimitSeconds,
    });
    const code = await search.done(60_000);
    const [left] = await queue.reconcile(runId, [first!.hash]);
    const after = (await candidatesOf(store, runId)).find((r) => r.hash === first!.hash)!;
    return await finishReport(store, {
      scenario: 'late-duplicate',
      runId,
      db,
      budget,
      trainings: await trainingsOf(o.redisUrl, prefix),
      intendedExtraTrainings: 1,
      recoverySeconds: null,
      note: 'the job of a recorded candidate enqueued again mid-run; trained again, recorded once',
      facts: { exitCode: code, hash: first!.hash, before, after, jobLeftInRedis: left?.kind !== 'lost' },
    });
  } finally {
    await queue.close();
  }
}

/** Workers an hour ahead and an hour behind (faketime): registry health, stalled-job retries and the run are unaffected. */
export async function clockSkew(lab: Lab, o: ScenarioOptions): Promise<ScenarioReport> {
  const db = `file:${join(lab.tempDir('skew'), 'run.db')}`;
  const prefix = scenarioPrefix(lab, o.redisUrl, 'skew');
  const budget = o.quick ? 8 : 16;
  const skewed = (offset: string) => ['env', 'FAKETIME_DONT_FAKE_MONOTONIC=1', 'faketime', '-f', offset];
  const [ahead, behind] = await Promise.all([
    startWorker(lab, 'worker +1h', { redis: o.redisUrl, prefix, lockSeconds: 1, wrap: skewed('+1h') }),
    startWorker(lab, 'worker -1h', { redis: o.redisUrl, prefix, lockSeconds: 1, wrap: skewed('-1h') }),
  ]);
  const search = lab.cli('search', searchArgs(o, { db, redis: o.redisUrl, prefix, budget, delayMs: 400, maxInFlight: 2 }));
  const runId = await runIdOf(search);
  const store = await openRead(lab, db);
  await committedMoreThan(store, runId, 1);
  // The dashboard's view: health judged by this host's clock.
  const client = createRedis({ url: o.redisUrl, prefix });
  let seen: { worker: string; health: string; ageSeconds: number }[];
  try {
    seen = (await listWorkers(client, prefix, Date.now())).map((w) => ({
      worker: descendsFrom(w.pid, ahead.pid) ? '+1h' : descendsFrom(w.pid, behind.pid) ? '-1h' : '?',
      health: w.health,
      ageSeconds: (Date.now() - w.heartbeatAt) / 1000,
    }));
  } finally {
    client.disconnect();
  }
  const busy = await slotStartingJob(o.redisUrl, prefix, runId, ahead.pid);
  ahead.killGroup();
  const killedAt = Date.now();
  await ahead.exited;
  const recovered = await eventually(
    async () =>
      (await candidatesOf(store, runId)).find((r) => r.hash === busy.currentJob!.candidateHash && r.status === 'ok')
        ? (Date.now() - killedAt) / 1000
        : undefined,
    60_000,
    'the job of the killed skewed worker recorded',
  );
  const code = await search.done(60_000);
  return finishReport(store, {
    scenario: 'clock-skew',
    runId,
    db,
    budget,
    trainings: await trainingsOf(o.redisUrl, prefix),
    recoverySeconds: recovered,
    note: 'workers at +1 h and -1 h (faketime); the +1 h one killed mid-job; recover = kill to its job recorded',
    facts: { exitCode: code, registry: seen, aheadPid: ahead.pid, behindPid: behind.pid },
  });
}
