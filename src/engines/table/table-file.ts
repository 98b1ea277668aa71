/**
 * Table files: where the bundled NAS-Bench-201 table lives, reading a table
 * (plain CSV or gzip), and the check a lookup run gets where it is created —
 * the file is readable, parses, and has the columns the task names — so a bad
 * `--table` or `--fitness` is refused before anything is queued instead of
 * failing every candidate on the workers.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { BlockqnnError, EnvironmentError, ErrorCode } from '../../common/errors.js';
import type { LookupTask } from '../../task/task.js';
import { LookupTable } from './lookup-table.js';

/**
 * The repository's (and the package's) data folder: src/engines/table and
 * dist/engines/table are both three levels below the root that holds data/.
 */
export const BUNDLED_DATA_DIR = fileURLToPath(new URL('../../../data/', import.meta.url));

/** The NAS-Bench-201 CIFAR-10 table shipped in data/nasbench201 (see its README for provenance and licence). */
export const BUNDLED_NB201_TABLE = fileURLToPath(new URL('../../../data/nasbench201/cifar10.csv.gz', import.meta.url));

/** The search space whose keys the bundled table holds: a lookup search without --table searches it. */
export const BUNDLED_TABLE_SPACE = 'nasbench201';

/** The bundled table's column a search optimises and the one reported beside it. */
export const BUNDLED_NB201_COLUMNS = { fitness: 'c10valid_val_12ep', report: 'c10_test_200ep' } as const;

const gunzipAsync = promisify(gunzip);

/** The text of a table file; a `.gz` name (or gzip magic bytes) is decompressed. Errors name the file. */
export async function readTableFile(path: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    // A path that names nothing readable is the caller's input at fault, not the machine.
    const errno = (error as NodeJS.ErrnoException).code ?? '';
    const code = ['ENOENT', 'ENOTDIR', 'EISDIR', 'EACCES'].includes(errno) ? ErrorCode.INVALID_INPUT : ErrorCode.IO_ERROR;
    const options = {
      hint: 'the lookup task names a CSV (or .csv.gz) path; fix the path, or leave --table out for the bundled NAS-Bench-201 table',
      cause: error,
    };
    const message = `cannot read table ${path}: ${(error as Error).message}`;
    // Checked where the run was created, so on a worker a missing table is that host's lack: the run pauses.
    if (errno === 'ENOENT' || errno === 'ENOTDIR') throw new EnvironmentError('dataset_missing', code, message, options);
    throw new BlockqnnError(code, message, options);
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = await gunzipAsync(bytes);
    } catch (error) {
      throw new BlockqnnError(ErrorCode.INVALID_INPUT, `table ${path} is not a valid gzip file: ${(error as Error).message}`, {
        hint: 'the file is truncated or corrupt; restore it (git checkout, or reinstall the package)',
        cause: error,
      });
    }
  } else if (path.endsWith('.gz')) {
    throw new BlockqnnError(ErrorCode.INVALID_INPUT, `table ${path} is named .gz but is not gzip data`, {
      hint: 'restore the file, or rename it to .csv if it is plain CSV',
    });
  }
  return bytes.toString('utf8');
}

/**
 * Reads and parses the table a lookup task names with its columns; throws the
 * table's own error (missing file, missing column with the ones that exist,
 * non-numeric cell) otherwise. `table` must already be absolute.
 */
export async function checkLookupTask(task: LookupTask): Promise<LookupTable> {
  return LookupTable.fromCsv(
    await readTableFile(task.table),
    { key: task.keyColumn, fitness: task.fitness, report: task.report },
    task.table,
  );
}
