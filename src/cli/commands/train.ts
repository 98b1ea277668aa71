/**
 * `blockqnn train` (a found architecture trained to convergence, the paper's
 * last step) and `blockqnn trainings` (list them, collecting finished ones;
 * cancel one). The training goes through the engine's queue like any
 * evaluation, so a GPU worker anywhere can take it; with local worker slots
 * (the default) this host trains it.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { noCheckpointDirectory } from '../../common/checkpoint-dir.js';
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import { resolveCheckpointFile } from '../../engines/checkpoint.js';
import { enginesFor } from '../../engines/resolve.js';
import { type TrainingFlags, type TrainingSelector, planTraining } from '../../orchestrator/training-plan.js';
import { cancelTraining, collectOpenTrainings, submitTraining, watchTraining } from '../../orchestrator/training.js';
import { EvaluationQueue } from '../../queue/evaluation-queue.js';
import { type LocalRedis, ensureRedis } from '../../queue/local-redis.js';
import { assertRedisReachable } from '../../queue/redis.js';
import type { Store, Training } from '../../store/index.js';
import { Supervisor } from '../../worker/supervisor.js';
import { type ConnectionFlags, log, openStoreFrom, redisFrom, withDatabase, withRedis } from '../context.js';
import { oneOf, positiveInt } from './options.js';
import { type ProgressFlags, activeDisplay, trainingReports, withDisplay, withProgressOptions } from '../progress/index.js';
import { localSlots } from './search.js';
import { engineFor, engineOption } from '../engine-choice.js';
import { type LayoutOptionValues, addLayoutOptions, layoutFlagsOf } from '../layout-flags.js';

/** `--engine run`: the engine of the run the architecture comes from. */
const RUN_ENGINE = 'run';

interface TrainFlags extends ConnectionFlags, LayoutOptionValues, ProgressFlags {
  run?: string;
  best?: boolean;
  candidate?: string;
  baseline?: string;
  epochs?: number;
  filters?: number;
  optimizer?: 'sgd' | 'adam';
  lr?: number;
  momentum?: number;
  weightDecay?: number;
  schedule?: 'cosine' | 'step';
  augmentation?: 'none' | 'crop' | 'crop-flip';
  batchSize?: number;
  dataset?: string;
  subset?: number;
  engine?: string;
  seed?: number;
  timeLimit?: number;
  checkpointMaxMb?: number;
  workers: number;
  detach?: boolean;
  watch?: number;
  json?: boolean;
}

const number = (flag: string, check: (n: number) => boolean, rule: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || !check(n)) throw new InvalidArgumentError(`${flag} must be ${rule}, got "${value}"`);
  return n;
};

/** Exactly one way of naming the architecture. */
export function selectorFrom(
  candidateId: string | undefined,
  flags: Pick<TrainFlags, 'run' | 'best' | 'candidate' | 'baseline'>,
): TrainingSelector {
  const usage =
    'name one architecture: `blockqnn train <candidate-id>`, `--run RUN --best`, `--run RUN --candidate ID` or `--baseline NAME`';
  if (flags.baseline !== undefined) {
    if (candidateId !== undefined || flags.best || flags.candidate !== undefined)
      throw new BlockqnnError(ErrorCode.INVALID_INPUT, '--baseline trains a hand-designed network: it takes no candidate', { hint: usage });
    return { kind: 'baseline', name: flags.baseline, runId: flags.run };
  }
  if (candidateId !== undefined) {
    if (flags.run !== undefined || flags.best || flags.candidate !== undefined)
      throw new BlockqnnError(
        ErrorCode.INVALID_INPUT,
        'a candidate id names the architecture by itself: leave out --run, --best and --candidate',
        { hint: usage },
      );
    if (!/^[1-9]\d*$/.test(candidateId))
      throw new BlockqnnError(ErrorCode.INVALID_INPUT, `candidate ids are positive integers, got "${candidateId}"`, {
        hint: 'for a candidate hash use --run RUN --candidate HASH',
      });
    return { kind: 'candidate', candidateId: Number(candidateId) };
  }
  if (flags.run === undefined) throw new BlockqnnError(ErrorCode.INVALID_INPUT, 'which architecture?', { hint: usage });
  if (flags.best && flags.candidate !== undefined)
    throw new BlockqnnError(ErrorCode.INVALID_INPUT, 'give --best or --candidate, not both', { hint: usage });
  if (flags.best) return { kind: 'best', runId: flags.run };
  if (flags.candidate !== undefined) return { kind: 'run-candidate', runId: flags.run, candidate: flags.candidate };
  throw new BlockqnnError(ErrorCode.INVALID_INPUT, `--run ${flags.run} needs --best or --candidate ID`, { hint: usage });
}

function trainingFlags(flags: TrainFlags): TrainingFlags {
  return {
    epochs: flags.epochs,
    filters: flags.filters,
    optimizer: flags.optimizer,
    learningRate: flags.lr,
    momentum: flags.momentum,
    weightDecay: flags.weightDecay,
    schedule: flags.schedule,
    augmentation: flags.augmentation,
    batchSize: flags.batchSize,
    dataset: flags.dataset,
    subset: flags.subset,
    seed: flags.seed,
    timeLimitSeconds: flags.timeLimit,
    checkpointMaxBytes: flags.checkpointMaxMb === undefined ? undefined : Math.round(flags.checkpointMaxMb * 1024 * 1024),
    layout: layoutFlagsOf(flags),
  };
}

/** `run` (the default): the run's engine, or `auto` when it has none that trains (a lookup run, a baseline alone); else as named. */
async function trainingEngine(name: string | undefined, store: Store, selector: TrainingSelector): Promise<string> {
  let requested = name;
  if (requested === undefined || requested === RUN_ENGINE) {
    let runId = selector.kind === 'candidate' ? undefined : selector.runId;
    if (selector.kind === 'candidate') runId = (await store.trainings.findCandidate(selector.candidateId))?.runId;
    const runEngine = runId === undefined ? undefined : (await store.getRun(runId)).engine;
    requested = runEngine !== undefined && enginesFor('classification').includes(runEngine) ? runEngine : undefined;
  }
  return engineFor(requested, 'classification');
}

const checkpointFile = (stored: string, checkpointDir: string | null): string => {
  try {
    return resolveCheckpointFile(stored, checkpointDir);
  } catch {
    return stored;
  }
};

/** One line per training; `checkpointDir` (the store's) turns a checkpoint's stored name into the file. */
export function describeTraining(t: Training, checkpointDir: string | null = null): string {
  const acc = t.accuracy === null ? '–' : `${(t.accuracy * 100).toFixed(2)}%`;
  const what = t.baseline ? `baseline ${t.baseline}` : `candidate ${t.candidateId} of run ${t.runId}`;
  const epochs = Array.isArray(t.curve) ? t.curve.length : 0;
  return `training ${t.id}: ${t.status} · ${what} · ${t.engine} · test accuracy ${acc} · ${epochs} epoch(s)${t.checkpointPath ? ` · checkpoint ${checkpointFile(t.checkpointPath, checkpointDir)}` : ''}${t.error ? ` · ${t.error.split('\n')[0]}` : ''}`;
}

async function follow(store: Store, queue: EvaluationQueue, id: number): Promise<Training> {
  const display = activeDisplay();
  const report = trainingReports(id);
  const stop = new AbortController();
  let cancelling = false;
  const onSignal = () => {
    if (cancelling) {
      stop.abort();
      return;
    }
    cancelling = true;
    log(`cancelling training ${id} (Ctrl-C again to stop watching and leave it be)`);
    void cancelTraining(store, queue, id).catch((e: unknown) => log(`cancel failed: ${(e as Error).message}`));
  };
  process.on('SIGINT', onSignal);
  try {
    return await watchTraining(store, queue, id, {
      signal: stop.signal,
      onProgress: (p) => display.update(report(p)),
    });
  } finally {
    process.removeListener('SIGINT', onSignal);
    // The last epoch and the end of the status line before the result, which shares the terminal.
    display.finish();
  }
}

export function registerTrain(program: Command): void {
  const train = program
    .command('train')
    .description(
      'train a found architecture to convergence (final training): more filters, full schedule, test accuracy, checkpoint kept for export',
    )
    .argument('[candidate-id]', 'candidate id (see `blockqnn status RUN`)')
    .option('--run <run>', 'the run the architecture comes from')
    .option('--best', "the run's best candidate (by reward)")
    .option('--candidate <id>', 'a candidate of --run, by id or hash')
    .option('--baseline <name>', 'a hand-designed baseline (see `blockqnn inspect --baseline`); with --run, NSC blocks use its network')
    .option('--epochs <E>', 'epochs (default 300)', positiveInt('--epochs'))
    .option('--filters <F>', "base filters of the rebuilt network (default: the run's)", positiveInt('--filters'))
    .option('--optimizer <name>', 'sgd (Nesterov, default) | adam', oneOf('--optimizer', ['sgd', 'adam'] as const))
    .option(
      '--lr <rate>',
      'learning rate (default 0.1 × batch/128 for sgd, 1e-3 × batch/128 for adam)',
      number('--lr', (n) => n > 0 && n <= 10, 'in (0, 10]'),
    )
    .option(
      '--momentum <m>',
      'SGD momentum (default 0.9)',
      number('--momentum', (n) => n >= 0 && n < 1, 'in [0, 1)'),
    )
    .option(
      '--weight-decay <wd>',
      'L2 weight decay (default 5e-4)',
      number('--weight-decay', (n) => n >= 0 && n <= 1, 'in [0, 1]'),
    )
    .option(
      '--schedule <name>',
      'cosine (default) | step (×0.1 at 1/3 and 2/3 of the epochs)',
      oneOf('--schedule', ['cosine', 'step'] as const),
    )
    .option(
      '--augmentation <mode>',
      'none | crop | crop-flip (default crop-flip on CIFAR, crop on digits and clothing)',
      oneOf('--augmentation', ['none', 'crop', 'crop-flip'] as const),
    )
    .option('--batch-size <B>', 'batch size (default 128)', positiveInt('--batch-size'))
    .option('--dataset <name>', "mnist | fashion-mnist | cifar10 (default: the run's)")
    .option('--subset <N>', 'train on N images only (smoke tests)', positiveInt('--subset'))
    .option(
      '--engine <name>',
      engineOption({
        task: 'classification',
        extra: [{ name: RUN_ENGINE, description: "the run's engine (auto when it cannot train)" }],
        defaultName: RUN_ENGINE,
      }),
    )
    .option(
      '--seed <S>',
      "seed (default: the run's)",
      number('--seed', (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer'),
    )
    .option('--time-limit <seconds>', 'abort the training after this long (default 7 days)', positiveInt('--time-limit'))
    .option(
      '--checkpoint-max-mb <MB>',
      'largest checkpoint the worker hands back through Redis (default 256)',
      number('--checkpoint-max-mb', (n) => n > 0 && n <= 512, 'in (0, 512]'),
    )
    .option(
      '--workers <N>',
      'local worker slots (0: leave it to `blockqnn worker` on GPU hosts)',
      number('--workers', (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer'),
      1,
    )
    .option('--detach', 'enqueue and return (needs workers elsewhere; follow with `blockqnn trainings` or --watch ID)')
    .option('--watch <id>', 'follow an existing training until it ends', positiveInt('--watch'))
    .option('--json', 'print the finished training as JSON');
  // --layout imagenet stacks the found block into the ImageNet network; --stages/--blocks override the search's counts.
  addLayoutOptions(train, true);
  const trainCommand = withProgressOptions(withRedis(withDatabase(train)));
  trainCommand.action((candidateId: string | undefined, flags: TrainFlags) =>
    withDisplay(flags, async () => {
      const store = await openStoreFrom(flags);
      let redis: LocalRedis | undefined;
      let supervisor: Supervisor | undefined;
      let queue: EvaluationQueue | undefined;
      try {
        const settings = redisFrom(flags);
        let id: number;
        let engine: string;
        if (flags.watch !== undefined) {
          if (candidateId !== undefined || flags.run || flags.baseline)
            throw new BlockqnnError(ErrorCode.INVALID_INPUT, '--watch follows an existing training: it takes no architecture');
          id = flags.watch;
          engine = (await store.trainings.get(id)).engine;
        } else {
          const selector = selectorFrom(candidateId, flags);
          // Before any work: the weights need a folder to be kept in (a PostgreSQL store has none unless configured).
          if (store.trainings.checkpointDir === null) throw noCheckpointDirectory();
          engine = await trainingEngine(flags.engine, store, selector);
          const plan = await planTraining(store, selector, trainingFlags(flags), engine);
          if (flags.detach) await assertRedisReachable(settings);
          else if (flags.redis) await assertRedisReachable(settings);
          else redis = await ensureRedis(settings, log);
          queue = new EvaluationQueue({ ...settings, url: redis?.url ?? settings.url }, engine);
          const training = await submitTraining(store, queue, plan);
          id = training.id;
          const r = plan.task.recipe;
          log(
            `training ${id}: ${plan.label} · ${plan.params.toLocaleString('en')} parameters, ${(plan.flops / 1e6).toFixed(1)} M multiply-adds · ${plan.task.dataset.name} · ${r.epochs} epochs ${r.optimizer} lr ${r.learningRate} ${r.lrSchedule} wd ${r.weightDecay} ${r.augmentation} batch ${r.batchSize} · engine ${engine}`,
          );
          if (flags.detach) {
            log(
              `training ${id} queued on ${engine}: workers started with \`blockqnn worker --engine ${engine}\` take it; follow with \`blockqnn train --watch ${id}\``,
            );
            process.stdout.write(`${id}\n`);
            return;
          }
        }
        if (!queue) {
          if (flags.redis) await assertRedisReachable(settings);
          else redis = await ensureRedis(settings, log);
          queue = new EvaluationQueue({ ...settings, url: redis?.url ?? settings.url }, engine);
        }
        if (flags.workers > 0 && flags.watch === undefined) {
          const url = redis?.url ?? settings.url;
          supervisor = new Supervisor({ ...localSlots({ ...settings, url }, engine, flags.workers), graceMs: 2000, log });
          supervisor.start();
        }
        const done = await follow(store, queue, id);
        process.stdout.write(flags.json ? `${JSON.stringify(done)}\n` : `${describeTraining(done, store.trainings.checkpointDir)}\n`);
        if (done.status !== 'ok' && done.status !== 'running' && done.status !== 'queued') process.exitCode = 2;
      } finally {
        await supervisor?.stop();
        await queue?.close();
        await redis?.close();
        await store.close();
      }
    }),
  );

  const list = program
    .command('trainings')
    .description('list final trainings (collecting finished ones and their checkpoints); --cancel ID stops one')
    .option('--cancel <id>', 'cancel a queued or running training', positiveInt('--cancel'))
    .option('--limit <N>', 'newest N', positiveInt('--limit'), 20)
    .option('--json', 'print JSON');
  withRedis(withDatabase(list)).action(async (flags: ConnectionFlags & { cancel?: number; limit: number; json?: boolean }) => {
    const store = await openStoreFrom(flags, { existing: true });
    const settings = redisFrom(flags);
    const queues = new Map<string, EvaluationQueue>();
    const queueFor = (engine: string) => {
      let q = queues.get(engine);
      if (!q) queues.set(engine, (q = new EvaluationQueue(settings, engine)));
      return q;
    };
    try {
      await assertRedisReachable(settings);
      if (flags.cancel !== undefined) {
        const t = await store.trainings.get(flags.cancel);
        log(describeTraining(await cancelTraining(store, queueFor(t.engine), t.id), store.trainings.checkpointDir));
      }
      await collectOpenTrainings(store, queueFor);
      const rows = await store.trainings.list({ limit: flags.limit });
      if (flags.json) process.stdout.write(`${JSON.stringify(rows)}\n`);
      else
        process.stdout.write(
          rows.length
            ? `${rows.map((t) => describeTraining(t, store.trainings.checkpointDir)).join('\n')}\n`
            : 'no trainings yet: start one with `blockqnn train --run RUN --best`\n',
        );
    } finally {
      for (const q of queues.values()) await q.close();
      await store.close();
    }
  });
}
