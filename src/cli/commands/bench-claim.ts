/** `blockqnn bench claim`: its command line (the bench lives in src/bench/claim). */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import { SCALES, SCALE_NAMES, type ScaleName, formatClaimReport, runClaim } from '../../bench/claim/index.js';
import { redisSettings } from '../../queue/redis.js';
import { controllerId, redisPrefix } from '../context.js';
import { engineFor } from '../engine-choice.js';
import { nonNegativeInt, oneOf } from './options.js';

interface ClaimFlags {
  scale: ScaleName;
  db?: string;
  redis?: string;
  prefix?: string;
  engine: string;
  workers?: number;
  emitJobs?: string;
  importResults?: string;
  json?: boolean;
}

/** The bench's own database under the working folder, one per scale, so a rerun resumes it. */
export const defaultClaimDb = (scale: ScaleName): string => `file:${resolve('.blockqnn', `claim-${scale}.db`)}`;

export function registerClaim(bench: Command): void {
  bench
    .command('claim')
    .description(
      "BlockQNN's claim on Fashion-MNIST: a search, its top blocks and the baselines MAC-matched to ResNet-20, all trained alike over seeds; resumable",
    )
    .option(
      '--scale <name>',
      `${SCALE_NAMES.join(' | ')} (tiny: the tests'; cpu: about 70 min on 2 loaded cores; gpu: 60,000 images, ${SCALES.gpu.final.epochs} epochs, needs a GPU)`,
      oneOf('--scale', SCALE_NAMES),
      'cpu',
    )
    .option('--db <url>', "the bench's database, kept between runs: the same command resumes it (default file:./.blockqnn/claim-SCALE.db)")
    .option('--redis <url>', 'Redis URL (default: REDIS_URL, else redis://127.0.0.1:6379, started locally when none answers)')
    .option('--prefix <prefix>', 'key prefix of the queues in Redis (default bench-claim-SCALE)', redisPrefix)
    .option('--engine <name>', 'engine of the search and the trainings', 'torch')
    .option('--workers <n>', "local worker slots (default: the scale's; 0: workers elsewhere)", nonNegativeInt('--workers'))
    .option(
      '--emit-jobs <dir>',
      'run the search here, then write the trainings without a result as job files for bench/gpu/claim.sh (a GPU host without Node) instead of training them',
    )
    .option('--import-results <file>', "read bench/gpu/claim.sh's results file into the database and print the table")
    .option('--json', 'print the report as JSON')
    .action(async (flags: ClaimFlags) => {
      if (flags.emitJobs !== undefined && flags.importResults !== undefined)
        throw new BlockqnnError(
          ErrorCode.INVALID_INPUT,
          '--emit-jobs and --import-results are two ends of one GPU session: give one of them',
          { hint: 'emit, run bench/gpu/claim.sh on the GPU host, then import' },
        );
      const db = flags.db ?? defaultClaimDb(flags.scale);
      if (db.startsWith('file:')) mkdirSync(dirname(resolve(db.slice('file:'.length))), { recursive: true });
      const engine = await engineFor(flags.engine, 'classification');
      const redisUrl = flags.redis ?? process.env.REDIS_URL;
      const stop = new AbortController();
      const onSignal = () => {
        process.stderr.write('stopping: finished trainings are kept; run the same command again to resume (Ctrl-C again to force)\n');
        stop.abort();
        process.once('SIGINT', () => process.exit(130));
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const report = await runClaim({
          scale: flags.scale,
          db,
          engine,
          workers: flags.workers,
          emitJobs: flags.emitJobs === undefined ? undefined : resolve(flags.emitJobs),
          importResults: flags.importResults,
          redis: redisSettings({ ...(redisUrl ? { url: redisUrl } : {}), prefix: flags.prefix ?? `bench-claim-${flags.scale}` }),
          redisGiven: flags.redis !== undefined,
          log: (line) => process.stderr.write(`${line}\n`),
          stopSignal: stop.signal,
          controllerId: controllerId(),
        });
        process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatClaimReport(report)}\n`);
      } finally {
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
      }
    });
}
