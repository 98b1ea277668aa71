/**
 * Engines by name. Factories load their backend lazily (dynamic import), so a
 * table worker never loads TensorFlow and a missing optional backend fails only
 * when it is asked for — with the command that installs it.
 */
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import { Registry } from '../common/registry.js';
import type { Engine } from './engine.js';

export interface EngineAvailability {
  available: boolean;
  /** Why it is (not) available, e.g. "python3 has torch 1.13.0". */
  reason: string;
  /** Command that makes it available, when it is not. */
  install?: string;
}

export interface EngineFactory {
  readonly name: string;
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
