/**
 * The one way a boundary (CLI, config, HTTP, queue payloads, store rows, files)
 * checks a value with a zod schema: the parsed value, or a BlockqnnError whose
 * message names every field at fault ("invalid search config: budget.candidates:
 * Too small: expected number to be >0 (got -3)") and whose details carry the
 * issues for machine-readable output.
 */
import type { z } from 'zod';
import { BlockqnnError, type BlockqnnErrorOptions, ErrorCode } from './errors.js';

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  return value;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * Formats zod issues as "path: message" lines that name the field and the rule;
 * given the parsed `input`, each line also names the value found there.
 */
export function formatZodIssues(error: z.ZodError, limit = 5, input?: unknown): string {
  const lines = error.issues.slice(0, limit).map((issue) => {
    const path = issue.path.length ? issue.path.join('.') : '(root)';
    const got = input === undefined ? '' : ` (got ${describeValue(valueAt(input, issue.path))})`;
    return `${path}: ${issue.message}${got}`;
  });
  if (error.issues.length > limit) lines.push(`… and ${error.issues.length - limit} more`);
  return lines.join('; ');
}

export interface ParseOptions {
  /** What the value is, as the message names it: "invalid <what>: …". */
  what: string;
  /** The message's first word (default "invalid"; queue payloads say "malformed"). */
  verb?: string;
  /** Default INVALID_INPUT; configurations use INVALID_CONFIG. */
  code?: ErrorCode;
  hint?: string;
  /** Name the value found at each issue's path: for what a user wrote (configurations, IRs). */
  showValues?: boolean;
  /** Issues named in the message (default 5). */
  limit?: number;
  /** Builds another error from the formatted problem (a corrupted row, an invalid architecture). */
  error?: (problem: string, options: BlockqnnErrorOptions) => BlockqnnError;
}

/**
 * `schema.parse(value)` with a message a user can act on.
 *
 * @example
 * const config = parseWith(searchConfigSchema, json, { what: 'search config', code: ErrorCode.INVALID_CONFIG, showValues: true });
 */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, options: ParseOptions): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problem = formatZodIssues(parsed.error, options.limit ?? 5, options.showValues ? value : undefined);
  const errorOptions: BlockqnnErrorOptions = {
    details: { issues: parsed.error.issues.slice(0, 10) },
    ...(options.hint ? { hint: options.hint } : {}),
  };
  if (options.error) throw options.error(problem, errorOptions);
  throw new BlockqnnError(
    options.code ?? ErrorCode.INVALID_INPUT,
    `${options.verb ?? 'invalid'} ${options.what}: ${problem}`,
    errorOptions,
  );
}
