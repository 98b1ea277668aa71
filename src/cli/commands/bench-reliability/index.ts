/**
 * `blockqnn bench reliability`: every fault scenario run against real processes
 * (built CLI, redis-servers, SQLite, a private PostgreSQL cluster, tmpfs, faketime),
 * each counted — results lost, results duplicated, jobs retrained, time to
 * recover — plus the load figure. Needs root for the tmpfs mount and the
 * PostgreSQL cluster (run as the postgres user), and `npm run build` (the
 * scenarios start bin/blockqnn.js).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { BlockqnnError, ErrorCode } from '../../../common/errors.js';
import { type ScenarioOutcome, formatSummary, summarise } from '../../../reliability/outcome.js';
import { positiveInt } from '../options.js';
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
  if (!scenario) throw new BlockqnnError(ErrorCode.UNKNOWN_NAME, `unknown scenario "${name}"`, { hint: `valid scenarios: ${Object.keys(SCENARIOS).join(', ')}` });
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

interface Flags {
  json?: boolean;
  scenarios?: string;
  runs: number;
  quick?: boolean;
  load: boolean;
  redis?: string;
  table: string;
  redisDownSeconds?: number;
  loadCandidates?: number;
}

const DEFAULT_TABLE = fileURLToPath(new URL('../../../../../shared/data/nasbench201/cifar10.csv', import.meta.url));

export function registerBenchReliability(bench: Command): void {
  bench
    .command('reliability')
    .description('fault scenarios on real processes (results lost, duplicated, retrained, time to recover) and the load figure')
    .option('--scenarios <list>', `comma-separated subset: ${Object.keys(SCENARIOS).join(', ')} (default all; none: only the load)`)
    .option('--runs <N>', 'runs of each scenario', positiveInt('--runs'), 1)
    .option('--quick', 'small budgets, a 15 s Redis outage and a 500-candidate load (the tests\' scale)')
    .option('--no-load', 'skip the load figure')
    .option('--load-candidates <N>', 'candidates of the load run (default 10,000; --quick 500)', positiveInt('--load-candidates'))
    .option('--redis-down-seconds <S>', 'how long redis-down keeps Redis unreachable (default 60; --quick 15)', positiveInt('--redis-down-seconds'))
    .option('--redis <url>', 'Redis for the scenarios without a private one (default: REDIS_URL, else redis://127.0.0.1:6379)')
    .option('--table <file>', 'NAS-Bench-201 CSV', DEFAULT_TABLE)
    .option('--json', 'print the report as JSON')
    .action(async (flags: Flags) => {
      if (!existsSync(BIN.replace(/bin\/blockqnn\.js$/, 'dist/cli/main.js'))) {
        throw new BlockqnnError(ErrorCode.ENGINE_UNAVAILABLE, 'the scenarios start the built CLI, and dist/ is missing', { hint: 'run npm run build first' });
      }
      const names = flags.scenarios === 'none' ? [] : flags.scenarios ? flags.scenarios.split(',').map((s) => s.trim()).filter(Boolean) : Object.keys(SCENARIOS);
      for (const n of names) if (!SCENARIOS[n]) throw new BlockqnnError(ErrorCode.UNKNOWN_NAME, `unknown scenario "${n}"`, { hint: `valid scenarios: ${Object.keys(SCENARIOS).join(', ')}` });
      const log = flags.json ? () => {} : (line: string) => process.stderr.write(`${line}\n`);
      const options: ScenarioOptions = {
        table: flags.table, redisUrl: flags.redis ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', quick: Boolean(flags.quick),
        redisDownSeconds: flags.redisDownSeconds ?? (flags.quick ? 15 : 60), log,
      };
      const runs: ScenarioOutcome[] = [];
      for (const name of names) {
        for (let i = 0; i < flags.runs; i++) {
          log(`${name} (run ${i + 1}/${flags.runs})`);
          const { rows: _rows, facts: _facts, runId: _runId, db: _db, ...outcome } = await runScenario(name, options);
          log(`  lost ${outcome.lost}, duplicated ${outcome.duplicated}, retrained ${outcome.retrained ?? '-'}, recovered in ${outcome.recoverySeconds?.toFixed(1) ?? '-'} s, ${outcome.status}${outcome.sameAsUninterrupted === null ? '' : outcome.sameAsUninterrupted ? ', same as uninterrupted' : ', DIFFERS from uninterrupted'}`);
          runs.push(outcome);
        }
      }
      let load: LoadReport | undefined;
      if (flags.load) {
        const candidates = flags.loadCandidates ?? (flags.quick ? 500 : 10_000);
        log(`load: ${candidates} candidates, 64 simulated workers, dashboard under 16 clients`);
        const lab = new Lab();
        try {
          load = await runLoad(lab, options, { candidates, workers: 64, delayMs: 50, connections: 16, maxSeconds: 900, steadySeconds: flags.quick ? 5 : 60 });
        } finally {
          await lab.close();
        }
      }
      const report: ReliabilityReport = { scenarios: summarise(runs), runs, ...(load ? { load } : {}) };
      process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${runs.length ? `${formatSummary(report.scenarios)}\n` : ''}${load ? `${formatLoad(load)}\n` : ''}`);
    });
}
