/**
 * Where an export may go, and writing it so that it appears whole or not at
 * all. The target must lie inside the export root ($BLOCKQNN_EXPORT_ROOT, else
 * the working directory) after every `..` and symbolic link is resolved, so a
 * dashboard request or a careless path cannot write elsewhere. The files are
 * written into a temporary folder beside the target and renamed into place at
 * the end; a failure removes the temporary folder and leaves the target as it was.
 */
import { lstat, mkdir, mkdtemp, readdir, realpath, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { BlockqnnError, ErrorCode } from '../common/errors.js';

export const EXPORT_ROOT_ENV = 'BLOCKQNN_EXPORT_ROOT';

export interface OutputOptions {
  /** Replace a non-empty target folder. */
  force?: boolean;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

const errno = (error: unknown): string | undefined => (error as NodeJS.ErrnoException).code;

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch (error) {
    if (errno(error) === 'ENOENT' || errno(error) === 'ENOTDIR') return false;
    throw error;
  }
}

/** The export root, resolved through symbolic links. */
export async function exportRoot(options: OutputOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const given = env[EXPORT_ROOT_ENV]?.trim();
  const root = path.resolve(cwd, given || '.');
  try {
    return await realpath(root);
  } catch (error) {
    throw new BlockqnnError(ErrorCode.INVALID_INPUT, `export root ${root} does not exist`, { cause: error, hint: `create it or set ${EXPORT_ROOT_ENV} to an existing folder` });
  }
}

/**
 * The absolute, symlink-free target for `out`, checked to lie strictly inside the root.
 * Parts that do not exist yet are appended to the real path of the deepest part that does.
 */
export async function resolveExportDir(out: string, options: OutputOptions = {}): Promise<string> {
  if (out.trim() === '') throw new BlockqnnError(ErrorCode.INVALID_INPUT, 'the output folder is empty', { hint: 'pass --out DIR' });
  const root = await exportRoot(options);
  const wanted = path.resolve(options.cwd ?? process.cwd(), out);
  let existing = wanted;
  const rest: string[] = [];
  while (!(await exists(existing))) {
    rest.unshift(path.basename(existing));
    existing = path.dirname(existing);
  }
  const real = path.join(await realpath(existing), ...rest);
  const relative = path.relative(root, real);
  // `..` as a whole first segment leaves the root; a folder named `..foo` does not.
  if (relative === '' || relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) {
    throw new BlockqnnError(ErrorCode.INVALID_INPUT, `output folder ${out} (${real}) is outside the export root ${root}`, {
      hint: `choose a folder inside ${root}, or set ${EXPORT_ROOT_ENV} to a folder that contains it`,
      details: { out, resolved: real, root },
    });
  }
  return real;
}

/** Refuses a target that is a file, or a non-empty folder without `force`. */
async function checkTarget(dir: string, force: boolean): Promise<boolean> {
  let info;
  try {
    info = await stat(dir);
  } catch (error) {
    if (errno(error) === 'ENOENT' || errno(error) === 'ENOTDIR') return false;
    throw error;
  }
  if (!info.isDirectory()) throw new BlockqnnError(ErrorCode.INVALID_INPUT, `output ${dir} exists and is not a folder`, { hint: 'choose another --out' });
  if (!force && (await readdir(dir)).length > 0) {
    throw new BlockqnnError(ErrorCode.INVALID_INPUT, `output folder ${dir} is not empty`, { hint: 'choose another --out, or pass --force to replace its contents' });
  }
  return true;
}

/**
 * Runs `fill` on a fresh temporary folder beside `dir`, then renames it to `dir`
 * (replacing an existing folder only with `force`).
 */
export async function writeAtomically(dir: string, options: { force?: boolean }, fill: (temporary: string) => Promise<void>): Promise<void> {
  const replace = await checkTarget(dir, options.force ?? false);
  const parent = path.dirname(dir);
  let temporary: string;
  try {
    await mkdir(parent, { recursive: true });
    temporary = await mkdtemp(path.join(parent, `.${path.basename(dir)}.export-`));
  } catch (error) {
    const code = errno(error);
    throw new BlockqnnError(ErrorCode.IO_ERROR, `cannot write the export into ${parent}: ${code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'not writable' : (error as Error).message}`, {
      cause: error,
      hint: 'choose an --out folder you can write to',
    });
  }
  try {
    await fill(temporary);
    if (replace) {
      const old = `${temporary}.old`;
      await rename(dir, old);
      try {
        await rename(temporary, dir);
      } catch (error) {
        await rename(old, dir);
        throw error;
      }
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(temporary, dir);
    }
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    throw error;
  }
}
