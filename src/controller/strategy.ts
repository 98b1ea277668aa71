/**
 * The strategy port: ask for a candidate, tell its result, snapshot the whole
 * state as JSON. The shape is Optuna's ask/tell, which is what a controller fed
 * by a queue needs: many proposals may be out at once and their results may
 * come back in any order; a failed evaluation is told as a status, never as a
 * made-up accuracy.
 *
 * @example
 * const strategy = strategies.get('qlearning').create(new Nb201Space(), { seed: 1, budget: 100 });
 * const a = strategy.ask();
 * const b = strategy.ask();            // two in flight
 * strategy.tell(b.id, { fitness: 84.1 });
 * strategy.tell(a.id, { status: 'diverged' });
 * const saved = JSON.stringify(strategy.snapshot());
 * const resumed = restoreStrategy(new Nb201Space(), JSON.parse(saved)); // asks exactly what `strategy` would
 */
import { FAILURE_STATUSES, type FailureStatus, isFailureStatus } from '../common/statuses.js';
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import type { AnySpace } from './space.js';

/** A candidate to evaluate. */
export interface Proposal {
  /** Unique among this strategy's proposals ("p0", "p1", …): the handle `tell` takes. */
  readonly id: string;
  /** The candidate's identity in the space (canonical NSC code, NAS-Bench-201 arch string). */
  readonly key: string;
}

export type { FailureStatus } from '../common/statuses.js';

export type EvaluationResult =
  | {
      readonly status?: 'ok';
      /** The accuracy the search optimises (early-stop validation accuracy). */
      readonly fitness: number;
      /** Multiply-adds per example, for the reward's FLOPs term. */
      readonly flops?: number | undefined;
      /** Block density, for the reward's density term. */
      readonly density?: number | undefined;
    }
  | { readonly status: FailureStatus; readonly reason?: string | undefined };

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export const SNAPSHOT_FORMAT = 'blockqnn-strategy/1';

/** Everything a strategy needs to continue exactly where it stopped. */
export interface StrategySnapshot {
  readonly format: typeof SNAPSHOT_FORMAT;
  readonly strategy: string;
  readonly space: { readonly name: string; readonly settings: Readonly<Record<string, number | string | boolean>> };
  /** The resolved options the strategy was created with. */
  readonly options: { readonly [key: string]: JsonValue };
  readonly state: { readonly [key: string]: JsonValue };
}

export interface Strategy {
  /** The registered name. */
  readonly name: string;
  readonly space: AnySpace;
  /** The next candidate to evaluate. */
  ask(): Proposal;
  /**
   * The result of a proposal, in any order. Throws (and changes nothing) for an
   * unknown or already-told id and for a non-finite fitness.
   */
  tell(proposalId: string, result: EvaluationResult): void;
  /** Proposals asked and not yet told, oldest first. */
  pending(): Proposal[];
  snapshot(): StrategySnapshot;
}

export interface StrategyOptions {
  /** Seed of the strategy's random stream. */
  seed: number;
  /** Evaluations the search will make, if known; schedules scale to it. */
  budget?: number | undefined;
  /** Strategy-specific settings (see each strategy's options type). */
  [setting: string]: unknown;
}

/** A registry entry: how to create a strategy and how to bring one back from a snapshot. */
export interface StrategyEntry {
  readonly description: string;
  create(space: AnySpace, options: StrategyOptions): Strategy;
  restore(space: AnySpace, snapshot: StrategySnapshot): Strategy;
}

/** A told result reduced to what strategies use; throws for anything malformed. */
export type CheckedResult =
  { ok: true; fitness: number; flops?: number | undefined; density?: number | undefined } | { ok: false; status: FailureStatus };

export function checkResult(proposalId: string, result: EvaluationResult): CheckedResult {
  if (result === null || typeof result !== 'object') {
    throw new BlockqnnError(
      ErrorCode.INVALID_INPUT,
      `result for proposal ${proposalId} must be {fitness} or {status}, got ${String(result)}`,
    );
  }
  const status = (result as { status?: unknown }).status;
  if (status !== undefined && status !== 'ok') {
    if (isFailureStatus(status)) return { ok: false, status };
    throw new BlockqnnError(ErrorCode.INVALID_INPUT, `result for proposal ${proposalId} has unknown status ${JSON.stringify(status)}`, {
      hint: `use one of ok, ${FAILURE_STATUSES.join(', ')}`,
    });
  }
  const { fitness, flops, density } = result as { fitness?: unknown; flops?: unknown; density?: unknown };
  if (typeof fitness !== 'number' || !Number.isFinite(fitness)) {
    throw new BlockqnnError(
      ErrorCode.INVALID_INPUT,
      `result for proposal ${proposalId}: fitness ${String(fitness)} is not a finite number; it is rejected and never enters the controller`,
      {
        hint: "report an evaluation that produced no usable accuracy as { status: 'diverged' } or { status: 'failed' }",
        details: { proposalId, fitness: String(fitness) },
      },
    );
  }
  for (const [name, value] of [
    ['flops', flops],
    ['density', density],
  ] as const) {
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) {
      throw new BlockqnnError(
        ErrorCode.INVALID_INPUT,
        `result for proposal ${proposalId}: ${name} ${String(value)} is not a finite number`,
      );
    }
  }
  return { ok: true, fitness, flops: flops as number | undefined, density: density as number | undefined };
}

/** The snapshot envelope every strategy writes: format, name, space and options around its own state. */
export function makeSnapshot(
  strategy: Pick<Strategy, 'name' | 'space'>,
  options: StrategySnapshot['options'],
  state: StrategySnapshot['state'],
): StrategySnapshot {
  return {
    format: SNAPSHOT_FORMAT,
    strategy: strategy.name,
    space: { name: strategy.space.name, settings: strategy.space.settings },
    options,
    state,
  };
}

/** Checks that a snapshot belongs to this strategy and space before any state is read from it. */
export function checkSnapshot(snapshot: StrategySnapshot, strategy: string, space: AnySpace): void {
  if (!snapshot || typeof snapshot !== 'object' || snapshot.format !== SNAPSHOT_FORMAT) {
    throw new BlockqnnError(ErrorCode.INVALID_INPUT, `not a strategy snapshot (expected format "${SNAPSHOT_FORMAT}")`, {
      hint: 'pass the object strategy.snapshot() returned, after JSON.parse',
    });
  }
  if (snapshot.strategy !== strategy) {
    throw new BlockqnnError(ErrorCode.INVALID_INPUT, `snapshot is of strategy "${snapshot.strategy}", not "${strategy}"`, {
      hint: 'restore it with restoreStrategy(space, snapshot), which picks the strategy the snapshot names',
    });
  }
  const same = snapshot.space?.name === space.name && JSON.stringify(snapshot.space.settings) === JSON.stringify(space.settings);
  if (!same) {
    throw new BlockqnnError(
      ErrorCode.INVALID_INPUT,
      `snapshot was taken in space ${JSON.stringify(snapshot.space)}, not ${JSON.stringify({ name: space.name, settings: space.settings })}`,
      {
        hint: 'restore into a space created with the same name and settings',
      },
    );
  }
}
