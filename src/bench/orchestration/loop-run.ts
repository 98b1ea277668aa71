/** One run of the real search loop (strategy, store commits with the snapshot, queue) on NAS-Bench-201 with the table engine. */
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import type { SearchConfigInput } from '../../orchestrator/config.js';
import type { SearchProgress } from '../../orchestrator/loop/index.js';
import { createRun, prepareConfig, runController } from '../../orchestrator/session.js';
import type { RedisSettings } from '../../queue/redis.js';
import type { Store } from '../../store/index.js';
import { parseTask, taskKey } from '../../task/task.js';

export interface LoopRun {
  candidates: number;
  seconds: number;
  perSecond: number;
  /** Throughput between 10% and 90% of the candidates (no start-up or drain). */
  steadyPerSecond: number;
}

export function lookupConfig(o: {
  table: string;
  fitness: string;
  strategy: string;
  candidates: number;
  maxInFlight: number;
  delayMs: number;
  seed: number;
}): SearchConfigInput {
  const task = parseTask({ kind: 'lookup', table: o.table, fitness: o.fitness, delayMs: o.delayMs });
  return {
    name: `bench-orchestration-${o.delayMs}ms`,
    space: 'nasbench201',
    strategy: o.strategy,
    engine: 'table',
    task,
    taskKey: taskKey(task, 'table'),
    network: { inputShape: [32, 32, 3], classes: 10 },
    budget: { candidates: o.candidates },
    maxInFlight: o.maxInFlight,
    seed: o.seed,
    reward: { mu: 0, rho: 0 },
    reuseResults: false,
  };
}

export async function runLoop(
  store: Store,
  redis: RedisSettings,
  config: SearchConfigInput,
  log: (line: string) => void,
): Promise<LoopRun> {
  const run = await createRun(store, prepareConfig(config));
  const marks: { t: number; done: number }[] = [];
  const started = performance.now();
  const outcome = await runController(run.id, {
    store,
    redis,
    log,
    controllerId: `bench:${process.pid}`,
    onProgress: (p: SearchProgress) => marks.push({ t: performance.now(), done: p.done }),
  });
  const seconds = (performance.now() - started) / 1000;
  if (outcome !== 'finished') throw new BlockqnnError(ErrorCode.INTERNAL, `bench run ${run.id} ended ${outcome}`);
  const done = (await store.getRun(run.id)).resultCount;
  const at = (share: number) => marks.find((m) => m.done >= share * done) ?? marks[marks.length - 1]!;
  const a = at(0.1);
  const b = at(0.9);
  const steady = b.t > a.t ? ((b.done - a.done) * 1000) / (b.t - a.t) : done / seconds;
  return { candidates: done, seconds, perSecond: done / seconds, steadyPerSecond: steady };
}
