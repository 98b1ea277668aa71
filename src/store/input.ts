/** Checks on what callers hand the store, and the errors it answers with. */
import { z } from 'zod';
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import { parseWith } from '../common/parse.js';

/** What a caller hands the store, checked: INVALID_INPUT naming the fields otherwise. */
export const parseInput = <T>(schema: z.ZodType<T>, value: unknown, what: string): T => parseWith(schema, value, { what });

export const runNotFound = (runId: string): BlockqnnError =>
  new BlockqnnError(ErrorCode.NOT_FOUND, `no run "${runId}" in this database`, { hint: 'list the runs with `blockqnn runs`' });

export const candidateNotFound = (runId: string, hash: string): BlockqnnError =>
  new BlockqnnError(ErrorCode.NOT_FOUND, `run "${runId}" has no candidate ${hash}`, {
    hint: 'queue the candidate with upsertQueuedCandidates before updating it or committing its result',
  });

/** JSON text of a value the store keeps opaque; refuses what JSON cannot carry. */
export function toJsonText(value: unknown, what: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new BlockqnnError(ErrorCode.INVALID_INPUT, `${what} is not JSON-serialisable: ${(error as Error).message}`);
  }
  if (text === undefined) throw new BlockqnnError(ErrorCode.INVALID_INPUT, `${what} is not JSON-serialisable (got ${typeof value})`);
  return text;
}

/** Largest batch one call takes: keeps every statement far below both drivers' parameter limits. */
export const MAX_BATCH = 1000;

export const batchOf = <T extends z.ZodType>(item: T) => z.array(item).max(MAX_BATCH, `at most ${MAX_BATCH} items per call`);
