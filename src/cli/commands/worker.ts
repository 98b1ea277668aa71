/** `blockqnn worker`: worker slots on this host, one process per GPU or CPU slot, fed by Redis. */
import { resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { createEngine } from '../../engines/registry.js';
import { TRAINER_ENV, prepareTrainer } from '../../engines/script/index.js';
import { assertRedisReachable, redactUrl } from '../../queue/redis.js';
import { AutoSlots } from '../../worker/auto-slots.js';
import { Supervisor } from '../../worker/supervisor.js';
import { parseSlotsPerGpu, planSlots } from '../../worker/slots.js';
import { type ConnectionFlags, log, redisFrom, withRedis } from '../context.js';
import { engineFor, engineOption } from '../engine-choice.js';

interface WorkerFlags extends ConnectionFlags {
  gpus?: string;
  slotsPerGpu?: number | 'auto';
  cpuSlots?: number;
  engine?: string;
  trainer?: string;
  graceSeconds: number;
  lockSeconds?: number;
  dataDir?: string;
}

export function registerWorker(program: Command): void {
  const command = program
    .command('worker')
    .description('run worker slots on this host: one process per GPU slot (CUDA_VISIBLE_DEVICES pinned) or CPU slot')
    .option('--gpus <list>', '"all" or GPU indices, e.g. 0,1')
    .option(
      '--slots-per-gpu <K>',
      'trainer slots per GPU (default 1), or "auto": from free memory and the measured throughput of the first jobs',
      (v) => {
        try {
          return parseSlotsPerGpu(v);
        } catch (error) {
          throw new InvalidArgumentError((error as Error).message);
        }
      },
    )
    .option('--cpu-slots <N>', 'CPU slots (default 1 when no GPU is given)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new Error(`--cpu-slots must be a non-negative integer, got "${v}"`);
      return n;
    })
    .option('--engine <name>', engineOption())
    .option('--trainer <path>', 'engine script: your own Python training script; jobs run only if their run named the same file (sha-256)')
    .option(
      '--data-dir <dir>',
      'where this host keeps dataset packs (user sources), fetched from Redis by sha-256 when missing (default: $BLOCKQNN_DATA_DIR, else <cache dir>/packs)',
    )
    .option('--grace-seconds <S>', 'on SIGTERM, wait this long for running jobs before handing them back', (v) => Number(v), 30)
    .option(
      '--lock-seconds <S>',
      'job lock and stalled-job check period: a job whose slot died is retried elsewhere after about 2×S (default 30)',
      (v) => {
        const n = Number(v);
        if (!Number.isFinite(n) || n < 0.1) throw new InvalidArgumentError(`--lock-seconds must be a number of seconds >= 0.1, got "${v}"`);
        return n;
      },
    );
  withRedis(command).action(async (flags: WorkerFlags) => {
    // Through the environment, so every slot process keeps packs in the same place.
    if (flags.dataDir) process.env.BLOCKQNN_DATA_DIR = resolve(flags.dataDir);
    const slots = planSlots({ gpus: flags.gpus, slotsPerGpu: flags.slotsPerGpu, cpuSlots: flags.cpuSlots });
    const gpus = [...new Set(slots.flatMap((s) => (s.gpu === null ? [] : [s.gpu])))];
    // Before any slot starts: the free memory auto packs into is the memory nobody else holds.
    const auto = flags.slotsPerGpu === 'auto' ? new AutoSlots(gpus, log) : undefined;
    // A worker serves whatever its engine's queue holds: no task to check; `auto` picks among the engines that train networks.
    const engine = await engineFor(flags.engine);
    const trainer = await prepareTrainer(engine, flags.trainer);
    if (trainer) {
      process.env[TRAINER_ENV] = trainer.path;
      log(`trainer: ${trainer.path} (sha256 ${trainer.sha256})`);
    }
    // Fail here, once, with the install command, rather than in every slot.
    const probe = await createEngine(engine);
    await probe.close?.();
    const settings = redisFrom(flags);
    await assertRedisReachable(settings);
    const supervisor = new Supervisor({
      redisUrl: settings.url,
      prefix: settings.prefix,
      engine,
      slots,
      graceMs: flags.graceSeconds * 1000,
      log,
      ...(flags.lockSeconds ? { lockDurationMs: Math.round(flags.lockSeconds * 1000) } : {}),
      slotsPerGpu: auto ? auto.maxSlots : typeof flags.slotsPerGpu === 'number' ? flags.slotsPerGpu : 1,
      ...(auto ? { onJobReport: auto.onJob } : {}),
    });
    auto?.attach(supervisor);
    supervisor.start();
    if (flags.dataDir) log(`dataset packs: ${process.env.BLOCKQNN_DATA_DIR}`);
    log(
      `worker: ${slots.length} slot(s) [${slots.map((s) => s.name).join(', ')}] on ${redactUrl(settings.url)} (prefix ${settings.prefix}), engine ${engine}`,
    );
    const shutdown = () => {
      auto?.stop();
      log('worker: stopping (running jobs finish or are handed back)');
      void supervisor.stop();
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
    await supervisor.done;
  });
}
