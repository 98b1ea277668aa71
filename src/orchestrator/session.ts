/**
 * Wiring of one controller: a run's stored configuration becomes a space, a
 * strategy, a candidate factory and a queue, driven by the SearchLoop. Used by
 * `blockqnn search` and `blockqnn resume`, and by the tests.
 */
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import {
  type AnySpace,
  NO_PRUNER,
  type Strategy,
  decisionSpaces,
  normalizePrunerSpec,
  restoreStrategy,
  strategies,
} from '../controller/index.js';
import { EvaluationQueue } from '../queue/evaluation-queue.js';
import { type RedisSettings, redactUrl } from '../queue/redis.js';
import type { Run, Store } from '../store/index.js';
import { checkScriptRun } from '../engines/script/prepare.js';
import { checkLookupTask } from '../engines/table/index.js';
import { materializeBaselines, resolveBaselineNames } from './baselines.js';
import { STALE_CONTROLLER_MS, controllerState } from './controller-state.js';
import { type ExtraLayerType, type SpaceSettings, searchSpaces } from '../search-space/index.js';
import { type CandidateFactory, spaceCandidates } from './candidates.js';
import { GENERATOR_BASE_FILTERS, assertSearchable, searchedGeneratorCandidates } from './generative.js';
import { type SearchConfig, type SearchConfigInput, parseSearchConfig } from './config.js';
import { type SearchOutcome, type SearchProgress, SearchLoop } from './loop/index.js';
import { checkRewardGivenOnce, strategyOptionsOf } from './run-reward.js';

export interface ControllerOptions {
  store: Store;
  redis: RedisSettings;
  log: (line: string) => void;
  onProgress?: (progress: SearchProgress) => void;
  /** Resolves when the caller wants the run stopped (SIGINT). */
  stopSignal?: AbortSignal;
  /** Identifies this controller in the run row (host:pid). */
  controllerId: string;
  /** How often in-flight jobs are checked against Redis (default 10 s). */
  reconcileEveryMs?: number;
  /** How long the controller waits for an unreachable database before it pauses the run (default {@link RIDE_OUT_MS}; 0: pause at once). */
  rideOutMs?: number;
}

/** A database restart or failover usually takes seconds; a controller waits this long before pausing the run. */
export const RIDE_OUT_MS = 60_000;

/** The run's settings of its space (search-space/spaces/types.ts). */
export function spaceSettingsOf(config: SearchConfig): SpaceSettings {
  return { maxIndex: config.maxIndex, extraTypes: config.nscTypes as ExtraLayerType[] };
}

export function spaceFor(config: SearchConfig): AnySpace {
  return decisionSpaces.get(config.space)(searchSpaces.get(config.space).decisionSettings(spaceSettingsOf(config)));
}

export function candidatesFor(config: SearchConfig): CandidateFactory {
  if (config.task.kind === 'image2image' && config.space === 'nsc') {
    // The U-Net's first level has baseFilters filters, as the classifier's first stage does.
    const { blocksPerStage, baseFilters } = config.network;
    return searchedGeneratorCandidates(
      config.task,
      { blocksPerStage, width: baseFilters / GENERATOR_BASE_FILTERS },
      config.maxIndex,
      config.nscTypes as ExtraLayerType[],
    );
  }
  // A lookup task reads the key: where rows keep no IR either, its candidates are costed without building networks.
  const withIr = config.task.kind === 'classification' || searchSpaces.get(config.space).storesIr;
  return spaceCandidates(config.space, spaceSettingsOf(config), config.network, withIr);
}

/** A fresh strategy for the run, created with the run's reward (run-reward.ts): what it learns is what the store records. */
export function strategyFor(config: SearchConfig, space: AnySpace = spaceFor(config)): Strategy {
  return strategies.get(config.strategy).create(space, strategyOptionsOf(config, space));
}

/** Validates a configuration completely (names, schedule, network) before a run row exists. */
export function prepareConfig(input: SearchConfigInput): SearchConfig {
  const parsed = parseSearchConfig(input);
  checkScriptRun(parsed.engine, parsed.task);
  // `all` is expanded once, here, so a resumed run evaluates the baselines it started with.
  const config = {
    ...parsed,
    baselines: { ...parsed.baselines, names: resolveBaselineNames(parsed.baselines.names, parsed.task) },
    pruner: prunerOf(parsed),
  };
  checkRewardGivenOnce(config);
  const space = spaceFor(config);
  // Creating the strategy checks its name and options now, not after the run is stored.
  strategyFor(config, space);
  if (config.budget.candidates === 0 && config.baselines.names.length === 0 && config.budget.seconds === undefined) {
    throw new BlockqnnError(ErrorCode.INVALID_CONFIG, 'a candidate budget of 0 evaluates nothing: it is for runs of baselines only', {
      hint: 'give a positive budget, or baselines to evaluate',
    });
  }
  // So does building every baseline: a name or a configuration that makes no network fails before anything is queued.
  materializeBaselines(config);
  // An image-to-image search trains its generators with pix2pix; a run of baselines alone may name any procedure.
  if (config.task.kind === 'image2image' && config.budget.candidates !== 0) assertSearchable(config.task);
  return config;
}

/**
 * The run's pruner with every option filled in, checked against the recipe's epochs: an unknown name, an
 * option out of range or a pruner that could never decide in this recipe is refused here, before the run
 * row exists and anything is queued. Only classification candidates train in epochs a pruner can cut.
 */
function prunerOf(config: SearchConfig): SearchConfig['pruner'] {
  if (config.task.kind !== 'classification') {
    if (config.pruner.name === NO_PRUNER) return { name: NO_PRUNER, options: {} };
    throw new BlockqnnError(
      ErrorCode.INVALID_CONFIG,
      `pruner ${config.pruner.name}: only classification searches are pruned (this run's task is ${config.task.kind})`,
      { hint: 'use --pruner none' },
    );
  }
  return normalizePrunerSpec(config.pruner, config.task.recipe.epochs);
}

export async function createRun(store: Store, config: SearchConfig): Promise<Run> {
  // A table the controller can read is checked before the run exists: a missing file or column
  // would otherwise fail every candidate of the budget on the workers.
  if (config.task.kind === 'lookup') await checkLookupTask(config.task);
  return store.createRun({
    name: config.name,
    strategy: config.strategy,
    engine: config.engine,
    taskKey: config.taskKey,
    seed: config.seed,
    config: config as unknown as Record<string, unknown>,
    budget: {
      ...(config.budget.candidates ? { candidates: config.budget.candidates } : {}),
      ...(config.budget.seconds ? { seconds: config.budget.seconds } : {}),
    },
    status: 'pending',
  });
}

/** Statuses a controller may take a run over from; `running` and `stopping` only when its controller is dead (controller-state.ts). */
const RESUMABLE = ['pending', 'stopped', 'paused', 'failed'] as const;

/**
 * Refuses to resume a run that has finished, or whose controller is alive
 * (controller-state.ts): checked before anything starts, worker slots included.
 */
export function assertResumable(run: Run): void {
  if (run.status === 'finished') {
    throw new BlockqnnError(ErrorCode.INVALID_INPUT, `run ${run.id} has finished; nothing to resume`, {
      hint: 'start a new run with blockqnn search',
    });
  }
  if (controllerState(run) === 'alive') {
    throw new BlockqnnError(
      ErrorCode.INVALID_INPUT,
      `run ${run.id} is ${run.status} under controller ${run.controllerId ?? '?'} (heartbeat ${run.heartbeatAt?.toISOString()})`,
      {
        hint:
          run.status === 'stopping'
            ? 'it stops at its next turn; resume it once it has stopped'
            : `stop it first (blockqnn stop ${run.id}); a controller that died is taken over at once on its host, elsewhere ${STALE_CONTROLLER_MS / 1000} s after its last heartbeat`,
      },
    );
  }
}
/** How often a controller stamps its run's heartbeat, whatever its loop is waiting on (well within STALE_CONTROLLER_MS). */
const HEARTBEAT_MS = 5_000;

/** Errors of the database or the disk under it: the run pauses, and resume continues once they are fixed. */
const PAUSING_ERRORS: readonly string[] = [ErrorCode.IO_ERROR, ErrorCode.UNREACHABLE];

/** Runs (or resumes) the controller of a run until it finishes or is stopped. */
export async function runController(runId: string, o: ControllerOptions): Promise<SearchOutcome> {
  const run = await o.store.getRun(runId);
  const config = parseSearchConfig(run.config, `stored configuration of run ${runId}`);
  assertResumable(run);
  // A dead controller's run is taken over only in the status it died in: a second resume racing this one loses.
  const dead = controllerState(run) === 'dead';
  await o.store.updateRun(
    runId,
    {
      status: 'running',
      controllerId: o.controllerId,
      heartbeatAt: new Date(),
      ...(run.startedAt ? {} : { startedAt: new Date() }),
      error: null,
    },
    { ifStatus: dead ? [run.status] : [...RESUMABLE] },
  );
  await o.store.appendEvent(runId, run.startedAt ? 'resumed' : 'started', { controller: o.controllerId });
  const space = spaceFor(config);
  const queue = new EvaluationQueue(o.redis, config.engine);
  const newLoop = () =>
    new SearchLoop(runId, config, {
      store: o.store,
      queue,
      space,
      candidates: candidatesFor(config),
      baselines: () => materializeBaselines(config),
      createStrategy: () => strategyFor(config, space),
      restoreStrategy: (snapshot) => restoreStrategy(space, snapshot),
      log: o.log,
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      ...(o.reconcileEveryMs ? { reconcileEveryMs: o.reconcileEveryMs } : {}),
    });
  let loop = newLoop();
  const onStop = () => loop.requestStop();
  o.stopSignal?.addEventListener('abort', onStop);
  // The loop beats too, but it waits on Redis when Redis is away: this beat says the controller lives all the same,
  // so no resume elsewhere takes the run over from a controller that is only waiting.
  const beat = setInterval(() => void o.store.updateRun(runId, { heartbeatAt: new Date() }).catch(() => undefined), HEARTBEAT_MS);
  const unwatch = queue.watchConnection((state) => {
    o.log(
      state === 'down'
        ? `run ${runId}: Redis at ${redactUrl(o.redis.url)} is unreachable; waiting for it (the run resumes by itself when it is back)`
        : `run ${runId}: Redis is back`,
    );
    void o.store
      .appendEvent(runId, state === 'down' ? 'redis-unreachable' : 'redis-back', { url: redactUrl(o.redis.url) })
      .catch(() => undefined);
  });
  try {
    for (;;) {
      try {
        return await loop.run();
      } catch (error) {
        // The database went away (a restart, a failover): wait for it, then carry on from the last commit
        // exactly as resume would, in this process. Anything else, or an outage longer than the wait, ends here.
        const rideOut = o.rideOutMs ?? RIDE_OUT_MS;
        if (!(error instanceof BlockqnnError && error.code === ErrorCode.UNREACHABLE) || rideOut <= 0 || o.stopSignal?.aborted) throw error;
        o.log(`run ${runId}: ${error.message}; waiting up to ${Math.round(rideOut / 1000)} s for it, then continuing from the last commit`);
        if (!(await reachableWithin(o.store, runId, rideOut))) throw error;
        await o.store.updateRun(runId, { status: 'running', controllerId: o.controllerId, heartbeatAt: new Date() });
        await o.store.appendEvent(runId, 'recovered', { controller: o.controllerId, error: error.message.slice(0, 500) });
        o.log(`run ${runId}: the database is back; continuing from the last commit`);
        loop = newLoop();
        if (o.stopSignal?.aborted) loop.requestStop();
      }
    }
  } catch (error) {
    const pause = error instanceof BlockqnnError && PAUSING_ERRORS.includes(error.code);
    // Best effort: with the disk full or the database gone this write fails too, and the row
    // stays 'running' under a dead controller, which resume takes over at once on this host.
    await o.store
      .updateRun(runId, {
        status: pause ? 'paused' : 'failed',
        error: error instanceof Error ? error.message : String(error),
        controllerId: null,
      })
      .catch(() => undefined);
    if (pause)
      o.log(
        `run ${runId} paused: ${(error as BlockqnnError).describe()}\nnothing committed is lost; once that is fixed, \`blockqnn resume ${runId}\` continues exactly here`,
      );
    throw error;
  } finally {
    clearInterval(beat);
    unwatch();
    o.stopSignal?.removeEventListener('abort', onStop);
    await queue.close();
  }
}

/** Whether the run's row can be read again within `ms` (polled twice a second; the timers keep the process alive). */
async function reachableWithin(store: Store, runId: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    try {
      await store.getRun(runId);
      return true;
    } catch {
      // still away
    }
  }
  return false;
}
