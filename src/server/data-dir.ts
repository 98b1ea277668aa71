/**
 * The files POST /api/runs may name. A lookup run reads its table on the
 * server (checked at creation) and on every worker, so an API client naming
 * `/etc/passwd` would make the server read it and echo parse errors about it.
 * The API therefore names tables relative to one allow-listed data directory
 * (`blockqnn dashboard --data-dir`, default the package's data/ with the
 * bundled NAS-Bench-201 table); the path is resolved here, links included,
 * and stored absolute, so workers never resolve it against their own folder.
 * The command line has no such limit: a person at a shell may read any file.
 */
import { realpath } from 'node:fs/promises';
import { isAbsolute, resolve, sep } from 'node:path';
import { BlockqnnError, ErrorCode } from '../common/errors.js';

type Body = Record<string, unknown>;

/** `input` with its lookup task's `table` resolved inside `dataDir`, or a 400 naming the path and the directory. */
export async function confineTable(input: Body, dataDir: string): Promise<Body> {
  const task = input.task as Body | undefined;
  if (!task || typeof task !== 'object' || typeof task.table !== 'string') return input;
  const named = task.table;
  const hint = `name a table relative to the dashboard's data directory ${dataDir} (e.g. "nasbench201/cifar10.csv.gz"), or start the dashboard with --data-dir DIR holding it`;
  const root = await realpath(dataDir).catch((error: unknown) => {
    throw new BlockqnnError(
      ErrorCode.INVALID_CONFIG,
      `the dashboard's data directory ${dataDir} cannot be read: ${(error as Error).message}`,
      { hint: 'start the dashboard with --data-dir naming an existing folder' },
    );
  });
  let real: string;
  try {
    real = await realpath(isAbsolute(named) ? named : resolve(root, named));
  } catch {
    throw new BlockqnnError(ErrorCode.INVALID_INPUT, `no table "${named}" in the data directory ${dataDir}`, { hint });
  }
  if (!real.startsWith(root + sep)) {
    throw new BlockqnnError(ErrorCode.INVALID_INPUT, `table "${named}" is outside the dashboard's data directory ${dataDir}`, { hint });
  }
  return { ...input, task: { ...task, table: real } };
}
