/**
 * The one engine resolution every entry point uses (search, resume's workers,
 * train, worker, baseline, the dashboard's runs): a named engine must be
 * registered and train the task; `auto` probes the registered engines that
 * train it and takes the lowest {@link AutoRank} among those available — today
 * native tfjs (libtensorflow, with CUDA or without), then PyTorch, then the
 * pure-JS tfjs backend, which trains about 600 times slower than PyTorch but
 * needs nothing — and says why.
 */
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import { type EngineFactory, type TaskKind, engineFactories } from './registry.js';

export const AUTO_ENGINE = 'auto';

/** The family `auto` serves when no task is known (a worker, which trains whatever its queue holds): networks. */
export const DEFAULT_TASK_KIND: TaskKind = 'classification';

export interface EngineChoice {
  engine: string;
  /** Why `auto` chose it (with the probe's findings); null for an engine named outright. */
  reason: string | null;
}

const trains = (factory: EngineFactory, task: TaskKind) => factory.tasks.includes(task);

/** The registered engines that train `task`, by name. */
export function enginesFor(task: TaskKind): string[] {
  return engineFactories.list().filter((name) => trains(engineFactories.get(name), task));
}

/** `--engine auto`: the best-ranked available engine that trains `task`. */
export async function chooseEngine(task: TaskKind): Promise<EngineChoice> {
  const found: { name: string; rank: number; reason: string }[] = [];
  const passed: string[] = [];
  for (const name of engineFactories.list()) {
    const factory = engineFactories.get(name);
    if (!factory.auto || !trains(factory, task)) continue;
    const probe = await factory.probe();
    const rank = probe.native ? factory.auto.native : factory.auto.portable;
    if (probe.available && rank !== undefined) found.push({ name, rank, reason: probe.reason });
    else passed.push(`${name}: ${probe.available ? `not ranked for ${probe.native ? 'native' : 'portable'} use` : probe.reason}`);
  }
  found.sort((a, b) => a.rank - b.rank || a.name.localeCompare(b.name));
  const best = found[0];
  if (!best) {
    throw new BlockqnnError(
      ErrorCode.ENGINE_UNAVAILABLE,
      `no engine that trains ${task} tasks is available here${passed.length ? ` (${passed.join('; ')})` : ''}`,
      {
        hint: `name one with --engine (${enginesFor(task).join(', ') || 'none registered'}) after installing what it needs`,
      },
    );
  }
  const others = found.slice(1).map((f) => `${f.name}: ${f.reason}`);
  return { engine: best.name, reason: [best.reason, ...others.map((o) => `also ${o}`), ...passed.map((p) => `not ${p}`)].join('; ') };
}

/**
 * The engine a run, training or worker uses: `requested` (`auto` or absent: {@link chooseEngine})
 * for the task family `task` (absent for a worker, which serves whatever its queue holds: any
 * registered engine by name, and `auto` among those of {@link DEFAULT_TASK_KIND}).
 * Throws UNKNOWN_NAME for an unregistered name and INVALID_CONFIG for an engine that does not train the task.
 */
export async function resolveEngine(requested: string | undefined, task?: TaskKind): Promise<EngineChoice> {
  if (requested === undefined || requested === AUTO_ENGINE) return chooseEngine(task ?? DEFAULT_TASK_KIND);
  const factory = engineFactories.get(requested);
  if (task !== undefined && !trains(factory, task)) {
    throw new BlockqnnError(
      ErrorCode.INVALID_CONFIG,
      `the ${requested} engine does not train ${task} tasks (it trains ${factory.tasks.join(', ')})`,
      {
        hint: `use --engine ${[AUTO_ENGINE, ...enginesFor(task)].join(' | ')}`,
      },
    );
  }
  return { engine: requested, reason: null };
}
