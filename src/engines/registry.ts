/**
 * Engines by name. An engine folder exports one {@link EngineFactory}; the
 * entry points register the built-in ones explicitly (builtin.ts), and a new
 * engine is one more factory in that list — the CLI's `--engine` help, the
 * server's queue routes and `--engine auto` all read this registry.
 * Factories load their backend lazily (dynamic import), so a table worker
 * never loads TensorFlow and a missing optional backend fails only when it is
 * asked for — with the command that installs it.
 */
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import { Registry } from '../common/registry.js';
import type { TrainingTask } from '../task/task.js';
import type { Engine } from './engine.js';

/** A task family (classification, lookup, image2image): what an engine trains. */
export type TaskKind = TrainingTask['kind'];

export interface EngineAvailability {
  available: boolean;
  /** Why it is (not) available, e.g. "python3 has torch 1.13.0". */
  reason: string;
  /** Command that makes it available, when it is not. */
  install?: string;
  /** Whether what was found runs native code (libtensorflow, PyTorch) rather than a portable fallback (pure JS); `auto` ranks by it. */
  native?: boolean;
}

/**
 * `--engine auto` as data: the engine's rank when its probe finds native code
 * and when it finds only a portable fallback. Among the engines that train the
 * task and are available, the lowest rank wins; an engine without a rank for
 * what its probe found is never picked by `auto` (it must be named).
 */
export interface AutoRank {
  native?: number;
  portable?: number;
}

/**
 * One engine, as the registry holds it.
 *
 * @example
 * export const myEngineFactory: EngineFactory = {
 *   name: 'mine',
 *   description: 'trains with my framework',
 *   tasks: ['classification'],
 *   async probe() { return { available: true, reason: 'my framework 1.0' }; },
 *   async create() { return new MyEngine(); },
 * };
 * // builtin.ts: add myEngineFactory to BUILTIN_ENGINES
 */
export interface EngineFactory {
  /** The name users type (`--engine mine`) and results record. */
  readonly name: string;
  /** One line for `--help` and listings: what it trains with. */
  readonly description: string;
  /** The task families it trains; `auto` considers only these, and a run naming it for another family is refused. */
  readonly tasks: readonly TaskKind[];
  /** Its place in `--engine auto`'s order; absent: never picked automatically. */
  readonly auto?: AutoRank;
  /** Fast, side-effect-free probe. */
  probe(): Promise<EngineAvailability>;
  create(): Promise<Engine>;
}

export const engineFactories = new Registry<EngineFactory>('engine');

/** Creates a named engine, or fails with the reason and the install command. */
export async function createEngine(name: string): Promise<Engine> {
  const factory = engineFactories.get(name);
  const availability = await factory.probe();
  if (!availability.available) {
    throw new BlockqnnError(ErrorCode.ENGINE_UNAVAILABLE, `engine "${name}" is not available: ${availability.reason}`, {
      ...(availability.install ? { hint: availability.install } : {}),
    });
  }
  return factory.create();
}
