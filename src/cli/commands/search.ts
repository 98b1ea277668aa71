/** `blockqnn search` and `blockqnn resume`: run a controller, with local worker slots unless told otherwise. */
import type { Command } from 'commander';
import { TRAINER_ENV, prepareRunTrainer, prepareTrainer } from '../../engines/script/index.js';
import type { TrainingTask } from '../../task/task.js';
import { assertResumable, createRun, prepareConfig, runController } from '../../orchestrator/session.js';
import { type LocalRedis, ensureRedis } from '../../queue/local-redis.js';
import { existsSync } from 'node:fs';
import { checkDatasetFiles, packPath, resolvePackDir } from '../../datasets/index.js';
import { publishPack } from '../../queue/dataset-transfer.js';
import { type RedisSettings, assertRedisReachable } from '../../queue/redis.js';
import type { Store } from '../../store/index.js';
import { Supervisor, type SupervisorOptions } from '../../worker/supervisor.js';
import type { SearchProgress } from '../../orchestrator/loop/index.js';
import { type ConnectionFlags, controllerId, log, openStoreFrom, redisFrom, withDatabase, withRedis } from '../context.js';
import { type ProgressFlags, activeDisplay, searchReports, withDisplay, withProgressOptions } from '../progress/index.js';
import { watchWorkers, workerCommand } from '../worker-watch.js';
import { type SourceFlags, packIfSource, withSourceOptions } from '../dataset-source.js';
import { startDashboard } from './dashboard.js';
import { engineFor, engineOption } from '../engine-choice.js';
import { type ConfigObject, buildSearchConfig, configFileOf, requestedEngine, type SearchFlags, taskKindOf } from '../search-config.js';
import { nonNegativeInt, positiveInt, positiveNumber } from './options.js';
import { printRunSummary } from './runs.js';
import { choicesHelp, datasetOption, prunerOption, strategyOption } from '../registry-help.js';
import { searchSpaces } from '../../search-space/index.js';
import { IMAGE2IMAGE_PROBLEMS } from '../../task/image2image/schema.js';

export interface RunFlags extends ConnectionFlags, ProgressFlags {
  workers: number;
  json?: boolean;
  dashboard?: boolean;
  port?: number;
}

/** Exit status of a run paused because its results kept failing for one environmental cause (orchestrator/loop/systemic.ts). */
export const PAUSED_EXIT = 3;

/** Exit status of a run stopped by SIGINT (Ctrl-C) or SIGTERM. */
const SIGNAL_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };

/** Starts Redis if needed, local worker slots if asked, runs the controller, and cleans up on every path. */
export async function drive(
  runIdOrCreate: (store: Store) => Promise<string>,
  engineOf: (store: Store, runId: string) => Promise<string>,
  flags: RunFlags,
  summary: (store: Store, runId: string, json: boolean) => Promise<void> = printRunSummary,
  /** Runs once Redis is up, before the run starts: publishes the run's dataset pack for workers on other hosts. */
  beforeRun: (redis: RedisSettings, store: Store, runId: string) => Promise<void> = publishRunPack,
): Promise<void> {
  const store = await openStoreFrom(flags);
  let redis: LocalRedis | undefined;
  let supervisor: Supervisor | undefined;
  let stopWatching: (() => void) | undefined;
  let dashboard: Awaited<ReturnType<typeof startDashboard>> | undefined;
  const stop = new AbortController();
  let signalled: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    signalled = signal;
    log('stopping: finishing the commit in progress and cancelling queued jobs (Ctrl-C again to force)');
    stop.abort();
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const settings = redisFrom(flags);
    if (flags.redis) await assertRedisReachable(settings);
    else redis = await ensureRedis(settings, log);
    const redisSettings = { ...settings, url: redis?.url ?? settings.url };
    if (flags.dashboard) dashboard = await startDashboard({ store, redis: redisSettings, port: flags.port ?? 8080 });
    const runId = await runIdOrCreate(store);
    const engine = await engineOf(store, runId);
    await beforeRun?.(redisSettings, store, runId);
    if (flags.workers > 0) {
      supervisor = new Supervisor({ ...localSlots(redisSettings, engine, flags.workers), graceMs: 2000, log });
      supervisor.start();
      log(`started ${flags.workers} local worker slot(s) with engine ${engine}`);
    } else {
      log(`no local workers (--workers 0): start them on any host that reaches this Redis with: ${workerCommand(engine, redisSettings)}`);
      stopWatching = watchWorkers(redisSettings, engine, log);
    }
    const display = activeDisplay();
    const report = searchReports();
    const onProgress = (p: SearchProgress) => display.update(report(p));
    const controller = { store, redis: redisSettings, log, onProgress, stopSignal: stop.signal, controllerId: controllerId() };
    const outcome = await runController(runId, controller);
    // The last report and the end of the status line before the summary, which shares the terminal.
    display.finish();
    await summary(store, runId, Boolean(flags.json));
    if (outcome === 'stopped') log(`resume with: blockqnn resume ${runId}`);
    // Paused by results failing for the host's fault (the summary above names the reason): its own status for scripts.
    if (outcome === 'paused') process.exitCode = PAUSED_EXIT;
    // Stopped by a signal: the shell's convention (128 + the signal's number), so a script can tell it from a finished run.
    if (outcome === 'stopped' && signalled) process.exitCode = SIGNAL_EXIT[signalled] ?? 130;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    stopWatching?.();
    await supervisor?.stop();
    await dashboard?.close();
    await redis?.close();
    await store.close();
  }
}

/**
 * Local CPU worker slots; their own output joins the command's display (above the status line, as JSON log events,
 * or dropped with --quiet) unless the display prints plain lines, where they write to the terminal themselves.
 */
export function localSlots(
  redis: RedisSettings,
  engine: string,
  count: number,
): Pick<SupervisorOptions, 'redisUrl' | 'prefix' | 'engine' | 'slots' | 'output'> {
  const slots = Array.from({ length: count }, (_, i) => ({ name: `cpu${i}`, gpu: null }));
  return { redisUrl: redis.url, prefix: redis.prefix, engine, slots, ...(activeDisplay().mode === 'lines' ? {} : { output: log }) };
}

/**
 * The engine a new run uses and its configuration: the engine the user typed,
 * else the configuration's, else `auto` (the fastest available that trains the task).
 */
export async function engineAndConfig(flags: SearchFlags): Promise<{ engine: string; file: ConfigObject | undefined }> {
  const file = configFileOf(flags);
  const engine = await engineFor(requestedEngine(flags, file), taskKindOf(flags, file));
  return { engine, file };
}

/**
 * Puts the run's dataset pack (a user source) on Redis, where workers on other
 * hosts fetch it; a pack this host lacks is left to the workers that hold it.
 */
async function publishRunPack(redis: RedisSettings, store: Store, runId: string): Promise<void> {
  const task = ((await store.getRun(runId)).config as { task?: TrainingTask }).task;
  const sha256 = task?.kind === 'classification' || task?.kind === 'image2image' ? task.dataset.pack : undefined;
  if (sha256 === undefined) return;
  const path = packPath(resolvePackDir(), sha256);
  if (!existsSync(path)) {
    log(`dataset pack ${sha256.slice(0, 12)} is not on this host (${path}): workers that lack it fetch it only if it was published before`);
    return;
  }
  if (await publishPack(redis, sha256, path)) log(`dataset pack ${sha256.slice(0, 12)} published on Redis for workers on other hosts`);
}

export function registerSearch(program: Command): void {
  const search = program
    .command('search')
    .description('start a search run; with no flags, a short real search on the bundled MNIST with local workers')
    .option('--config <file>', 'JSON configuration (flags you type override it)')
    .option('--name <name>', 'run name')
    .option(
      '--space <space>',
      `search space: ${choicesHelp(searchSpaces.list().map((name) => ({ name, description: searchSpaces.get(name).description })))} (default nsc, nasbench201 with --table)`,
    )
    .option('--strategy <name>', strategyOption())
    .option('--engine <name>', engineOption())
    .option(
      '--trainer <path>',
      'engine script: your own Python training script (it imports blockqnn_trial; see README "Your own training code")',
    )
    .option('--dataset <name>', datasetOption())
    .option('--table <file>', 'lookup table (CSV) for --engine table')
    .option('--fitness <column>', 'table column the search optimises')
    .option('--report <column>', 'table column recorded beside it')
    .option('--key-column <column>', 'table column of candidate keys (default: arch_str)')
    .option('--delay-ms <ms>', 'table engine: simulated training time per candidate', nonNegativeInt('--delay-ms'))
    .option('--budget <N>', 'candidates to evaluate', positiveInt('--budget'))
    .option('--time-budget <seconds>', 'stop proposing after this many seconds', positiveInt('--time-budget'))
    .option('--max-in-flight <N>', 'candidates queued at once', positiveInt('--max-in-flight'))
    .option('--seed <S>', 'seed of the strategy', nonNegativeInt('--seed'))
    .option('--pruner <name>', prunerOption())
    .option('--epochs <E>', 'early-stop epochs', positiveInt('--epochs'))
    .option('--batch-size <B>', 'training batch size', positiveInt('--batch-size'))
    .option('--subset <N>', 'train on N images (cheap proxy)', positiveInt('--subset'))
    .option('--validation-size <N>', 'validation images held out', positiveInt('--validation-size'))
    .option('--image-size <S>', 'resize images to SxS (cheap proxy)', positiveInt('--image-size'))
    .option('--blocks <N>', 'NSC: blocks per stage', positiveInt('--blocks'))
    .option('--base-filters <F>', 'NSC: width of the first stage', positiveInt('--base-filters'))
    .option('--stages <S>', 'NSC: number of stages', positiveInt('--stages'))
    .option('--max-index <M>', 'NSC: maximum layer index', positiveInt('--max-index'))
    .option(
      '--nsc-types <list>',
      "NSC: optional layer types to search besides the paper's, comma-separated: se (8), dpp (9); default none",
      (v: string) =>
        v
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean),
    )
    .option(
      '--downsample <name>',
      'NSC: layer between stages: maxpool (default) | avgpool | dpp-lite-sym | dpp-lite-s3-sym | dpp-full-asym ...',
    )
    .option('--baselines <names>', 'evaluate hand-designed baselines beside the search: all | NAME,NAME (see `blockqnn baseline --list`)')
    .option(
      '--baseline-width <W>',
      "multiply the layer widths of whole-network baselines by W (proxy; default 1 = the papers' widths)",
      positiveNumber('--baseline-width'),
    )
    .option('--task <problem>', `search generator blocks for an image-to-image problem: ${IMAGE2IMAGE_PROBLEMS.join(' | ')}`)
    .option('--procedure <name>', 'image-to-image: training procedure (pix2pix for a search)')
    .option(
      '--second-dataset <name>',
      "domain-translation: a second dataset with its own label set, for StarGAN's mask vector (baseline stargan-jnt), e.g. fashion-mnist",
    )
    .option('--train-examples <N>', 'image-to-image: training examples', positiveInt('--train-examples'))
    .option('--eval-examples <N>', 'image-to-image: evaluation examples', positiveInt('--eval-examples'))
    .option('--workers <N>', 'local worker slots to start (0: use external workers)', nonNegativeInt('--workers'), 2)
    .option('--dashboard', 'serve the web dashboard on 127.0.0.1 while the search runs (token: BLOCKQNN_TOKEN)')
    .option('--port <port>', 'port of --dashboard', nonNegativeInt('--port'), 8080)
    .option('--json', 'print the final summary as JSON');
  withSourceOptions(search);
  const searching = withProgressOptions(withRedis(withDatabase(search)));
  searching.action((flags: SearchFlags & SourceFlags & RunFlags) =>
    withDisplay(flags, async () => {
      const { engine, file } = await engineAndConfig(flags);
      // A user source is decoded (or found packed) before anything is queued: a bad one stops here.
      const sourceName =
        flags.dataset ?? ((file?.task as { dataset?: { name?: unknown } } | undefined)?.dataset?.name as string | undefined);
      const pack = await packIfSource(sourceName, flags, log);
      if (pack) Object.assign(flags, { dataset: sourceName, datasetPack: pack.sha256 });
      const trainer = await prepareTrainer(engine, flags.trainer);
      // The local worker slots run the same file; the jobs name it by sha-256 only.
      if (trainer) process.env[TRAINER_ENV] = trainer.path;
      const config = prepareConfig(buildSearchConfig({ ...flags, ...(trainer ? { trainer: trainer.path } : {}) }, engine, file));
      // Local slots read the dataset on this host: a missing one is refused here, before the run exists. External
      // workers may hold it where this host does not; a run whose workers lack it pauses after a few failures.
      if (flags.workers > 0 && config.task.kind !== 'lookup') await checkDatasetFiles(config.task.dataset);
      await drive(
        async (store) => {
          const run = await createRun(store, config);
          log(
            `run ${run.id} (${config.name}): ${config.space} space, strategy ${config.strategy}, engine ${engine}, budget ${JSON.stringify(config.budget)}; database ${store.url}`,
          );
          return run.id;
        },
        async () => engine,
        flags,
      );
    }),
  );

  const resume = program
    .command('resume')
    .description('continue a stopped or crashed run exactly where it left off')
    .argument('<run>', 'run id')
    .option('--workers <N>', 'local worker slots to start (0: use external workers)', nonNegativeInt('--workers'), 2)
    .option('--trainer <path>', 'engine script: the training script the run was started with (checked by sha-256)')
    .option('--json', 'print the final summary as JSON');
  const resuming = withProgressOptions(withRedis(withDatabase(resume)));
  resuming.action((runId: string, flags: RunFlags & { trainer?: string }) =>
    withDisplay(flags, async () => {
      await drive(
        async () => runId,
        async (store, id) => {
          const run = await store.getRun(id);
          // Before any worker slot starts: the controller would refuse it anyway, after the slots had started for nothing.
          assertResumable(run);
          const task = (run.config as { task: TrainingTask }).task;
          // A run paused because the dataset was missing resumes only once it is there (local slots read this host's).
          if (flags.workers > 0 && task.kind !== 'lookup') await checkDatasetFiles(task.dataset);
          if (flags.workers > 0 || flags.trainer !== undefined) {
            const trainer = await prepareRunTrainer(run.engine, task, flags.trainer);
            if (trainer) process.env[TRAINER_ENV] = trainer.path;
          }
          return run.engine;
        },
        flags,
      );
    }),
  );
}
