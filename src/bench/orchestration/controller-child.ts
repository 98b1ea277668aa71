/**
 * The controller process of the memory figure: runs only the controller, run
 * after run, and reports its RSS after each. NAS-Bench-201 has 15,625 cells, so
 * the candidates come in runs of at most `perRun`.
 */
import { fork } from 'node:child_process';
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import type { RedisSettings } from '../../queue/redis.js';
import { openStore } from '../../store/index.js';
import { lookupConfig, runLoop } from './loop-run.js';
import { forkArgs, mb } from './util.js';

const CONTROLLER_FLAG = '--blockqnn-bench-controller';

export interface ControllerSpec {
  redis: RedisSettings;
  db: string;
  table: string;
  fitness: string;
  strategy: string;
  candidates: number;
  perRun: number;
}

export type ControllerMessage =
  | { kind: 'run'; total: number; rssMb: number; peakRssMb: number; perSecond: number }
  | { kind: 'done' }
  | { kind: 'error'; message: string };

/** Runs the controller child; resolves at its 'done' message, rejects on 'error' or an early exit. */
export function runControllerChild(spec: ControllerSpec, onMessage: (m: ControllerMessage) => void): Promise<void> {
  const { path, execArgv } = forkArgs(import.meta.url);
  const child = fork(path, [CONTROLLER_FLAG, JSON.stringify(spec)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv });
  return new Promise((resolve, reject) => {
    child.on('message', (m: ControllerMessage) => {
      if (m.kind === 'done') resolve();
      else if (m.kind === 'error') reject(new BlockqnnError(ErrorCode.INTERNAL, `bench child: ${m.message}`));
      else onMessage(m);
    });
    child.once('exit', (code) => reject(new BlockqnnError(ErrorCode.INTERNAL, `bench child exited (${code}) before it was done`)));
  });
}

async function serveController(spec: ControllerSpec): Promise<void> {
  const send = (m: ControllerMessage) => process.send?.(m);
  const store = await openStore(spec.db);
  try {
    let total = 0;
    for (let r = 0; total < spec.candidates; r++) {
      const n = Math.min(spec.perRun, spec.candidates - total);
      const run = await runLoop(
        store,
        spec.redis,
        lookupConfig({ ...spec, candidates: n, maxInFlight: 64, delayMs: 0, seed: 1000 + r }),
        () => {},
      );
      total += run.candidates;
      send({
        kind: 'run',
        total,
        rssMb: mb(process.memoryUsage.rss()),
        peakRssMb: mb(process.resourceUsage().maxRSS * 1024),
        perSecond: run.perSecond,
      });
    }
  } finally {
    await store.close();
  }
  send({ kind: 'done' });
}

if (process.argv[2] === CONTROLLER_FLAG) {
  serveController(JSON.parse(process.argv[3]!) as ControllerSpec).then(
    () => process.exit(0),
    (error: unknown) => {
      process.send?.({ kind: 'error', message: error instanceof Error ? error.message : String(error) } satisfies ControllerMessage);
      process.exit(1);
    },
  );
}
