/**
 * The one project error type. Every failure a user can act on carries a stable
 * `code` from {@link ErrorCode}, a message that names the problem, and where
 * possible a `hint` that names the fix. Boundaries (CLI, HTTP, job handlers)
 * normalise anything thrown with {@link toBlockqnnError}.
 */
import type { EnvironmentCause } from './failure-causes.js';

export const ErrorCode = {
  INVALID_ARCHITECTURE: 'INVALID_ARCHITECTURE',
  INVALID_INPUT: 'INVALID_INPUT',
  INVALID_CONFIG: 'INVALID_CONFIG',
  UNKNOWN_NAME: 'UNKNOWN_NAME',
  ENGINE_UNAVAILABLE: 'ENGINE_UNAVAILABLE',
  TOO_LARGE: 'TOO_LARGE',
  NOT_FOUND: 'NOT_FOUND',
  IO_ERROR: 'IO_ERROR',
  UNREACHABLE: 'UNREACHABLE',
  INTERNAL: 'INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface BlockqnnErrorOptions {
  /** What the user can do about it, e.g. "install python3-torch". */
  hint?: string;
  /** Structured context (field paths, offending values) for machine-readable output. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class BlockqnnError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: BlockqnnErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BlockqnnError';
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
  }

  /** Message plus hint, as printed to a user. */
  describe(): string {
    return this.hint ? `${this.message}\n  hint: ${this.hint}` : this.message;
  }

  toJSON(): { code: ErrorCode; message: string; hint?: string; details?: Record<string, unknown> } {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint ? { hint: this.hint } : {}),
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

/** An architecture that can never be built: never retried, reported to the controller as such. */
export class InvalidArchitectureError extends BlockqnnError {
  constructor(message: string, options: BlockqnnErrorOptions = {}) {
    super(ErrorCode.INVALID_ARCHITECTURE, message, options);
    this.name = 'InvalidArchitectureError';
  }
}

/**
 * A failure of the machine, not of the input: a dataset missing on this host, say. It keeps the code a
 * user reads (NOT_FOUND, ...); what differs is the handling: on a worker it becomes a result typed with
 * its cause (engines/failure.ts), and the controller pauses a run whose results keep failing that way.
 */
export class EnvironmentError extends BlockqnnError {
  constructor(
    readonly environment: EnvironmentCause,
    code: ErrorCode,
    message: string,
    options: BlockqnnErrorOptions = {},
  ) {
    super(code, message, options);
    this.name = 'EnvironmentError';
  }
}

/** Converts any thrown value into a BlockqnnError without losing the original as `cause`. */
export function toBlockqnnError(error: unknown): BlockqnnError {
  if (error instanceof BlockqnnError) return error;
  if (error instanceof Error) {
    return new BlockqnnError(ErrorCode.INTERNAL, error.message, { cause: error });
  }
  return new BlockqnnError(ErrorCode.INTERNAL, `unexpected error: ${String(error)}`, { cause: error });
}
