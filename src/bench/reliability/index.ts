/**
 * `blockqnn bench reliability`: every fault scenario run against real processes
 * (built CLI, redis-servers, SQLite, a private PostgreSQL cluster, tmpfs, faketime),
 * each counted — results lost, results duplicated, jobs retrained, time to
 * recover — plus the load figure. Needs root for the tmpfs mount and the
 * PostgreSQL cluster (run as the postgres user), and `npm run build` (the
 * scenarios start bin/blockqnn.js).
 */
import { existsSync } from 'node:fs';
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import { type ScenarioOutcome, formatSummary, summarise } from './outcome.js';
import { BIN, Lab } from './lab.js';
import { type LoadReport, formatLoad, runLoad } from './load.js';
import type { ScenarioOptions, ScenarioReport } from './run-helpers.js';
import { controllerKillCommit, diskFull, postgresRestart, redisDown, redisRestartEmpty } from './scenarios-infra.js';
import { clockSkew, lateDuplicate, versionMismatch, workerKill, workersGone } from './scenarios-workers.js';

export type { ScenarioOptions, ScenarioReport } from './run-helpers.js';
export { Lab } from './lab.js';
export { runLoad, type LoadReport } from './load.js';

/** Every scenario by the name `--scenarios` takes, in the order the bench runs them. */
export const SCENARIOS: Record<string, (lab: Lab, o: ScenarioOptions) => Promise<ScenarioReport>> = {
  'worker-kill': workerKill,
  'workers-gone': workersGone,
  'controller-kill-commit': controllerKillCommit,
  'redis-restart-empty': redisRestartEmpty,
  'redis-down': redisDown,
  'postgres-restart': postgresRestart,
  'disk-full': diskFull,
  'version-mismatch': versionMismatch,
  'late-duplicate': lateDuplicate,
  'clock-skew': clockSkew,
};

/** Runs one scenario in a lab of its own, cleaned up whatever happens. */
export async function runScenario(name: string, o: ScenarioOptions): Promise<ScenarioReport> {
  const scenario = SCENARIOS[name];
  if (!scenario)
    throw new BlockqnnError(ErrorCode.UNKNOWN_NAME, `unknown scenario "${name}"`, {
      hint: `valid scenarios: ${Object.keys(SCENARIOS).join(', ')}`,
    });
  const lab = new Lab();
  try {
    return await scenario(lab, o);
  } finally {
    await lab.close();
  }
}

export interface ReliabilityReport {
  scenarios: ReturnType<typeof summarise>;
  runs: ScenarioOutcome[];
  load?: LoadReport;
}

export interface ReliabilityBenchOptions extends ScenarioOptions {
  /** Scenario names, in order (default all; empty: only the load). */
  scenarios?: string[] | undefined;
  /** Runs of each scenario. */
  runs: number;
  /** Candidates of the load figure; 0 skips it. */
  loadCandidates: number;
}

/** Every scenario `runs` times, then the load figure: the report `blockqnn bench reliability` prints. */
export async function runReliabilityBench(o: ReliabilityBenchOptions): Promise<ReliabilityReport> {
  if (!existsSync(BIN.replace(/bin\/blockqnn\.js$/, 'dist/cli/main.js'))) {
    throw new BlockqnnError(ErrorCode.ENGINE_UNAVAILABLE, 'the scenarios start the built CLI, and dist/ is missing', {
      hint: 'run npm run build first',
    });
  }
  const names = o.scenarios ?? Object.keys(SCENARIOS);
  for (const n of names)
    if (!SCENARIOS[n])
      throw new BlockqnnError(ErrorCode.UNKNOWN_NAME, `unknown scenario "${n}"`, {
        hint: `valid scenarios: ${Object.keys(SCENARIOS).join(', ')}`,
      });
  const { log } = o;
  const runs: ScenarioOutcome[] = [];
  for (const name of names) {
    for (let i = 0; i < o.runs; i++) {
      log(`${name} (run ${i + 1}/${o.runs})`);
      const { rows: _rows, facts: _facts, runId: _runId, db: _db, ...outcome } = await runScenario(name, o);
      log(
        `  lost ${outcome.lost}, duplicated ${outcome.duplicated}, retrained ${outcome.retrained ?? '-'}, recovered in ${outcome.recoverySeconds?.toFixed(1) ?? '-'} s, ${outcome.status}${outcome.sameAsUninterrupted === null ? '' : outcome.sameAsUninterrupted ? ', same as uninterrupted' : ', DIFFERS from uninterrupted'}`,
      );
      runs.push(outcome);
    }
  }
  let load: LoadReport | undefined;
  if (o.loadCandidates > 0) {
    log(`load: ${o.loadCandidates} candidates, 64 simulated workers, dashboard under 16 clients`);
    const lab = new Lab();
    try {
      load = await runLoad(lab, o, {
        candidates: o.loadCandidates,
        workers: 64,
        delayMs: 50,
        connections: 16,
        maxSeconds: 900,
        steadySeconds: o.quick ? 5 : 60,
      });
    } finally {
      await lab.close();
    }
  }
  return { scenarios: summarise(runs), runs, ...(load ? { load } : {}) };
}

/** The report as text: the scenarios' summary, then the load figure. */
export function formatReliabilityBench(report: ReliabilityReport): string {
  return `${report.runs.length ? `${formatSummary(report.scenarios)}\n` : ''}${report.load ? `${formatLoad(report.load)}\n` : ''}`;
}
