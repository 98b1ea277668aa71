/**
 * Where an export may go, and writing it so that it appears whole or not at
 * all. With an export root ($BLOCKQNN_EXPORT_ROOT: the dashboard's export route
 * always sets one, an administrator may set one for the CLI) the target must lie
 * inside it after every `..` and symbolic link is resolved, so an HTTP request
 * cannot write elsewhere; without one (a person at a shell) any folder will do
 * except the working directory or one of its ancestors, which an export would
 * replace as a whole. The files are written into a temporary folder beside the
 * target and renamed into place at the end; a failure removes the temporary
 * folder and leaves the target as it was. The folder keeps the mode it had (or
 * gets the usual mode for new folders), never the temporary folder's 0700.
 */
import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, readdir, realpath, rename, rm, stat } from 'node:fs/promises';
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

/** Whether an export root confines exports: only when $BLOCKQNN_EXPORT_ROOT is set (non-empty). */
export const exportConfined = (options: OutputOptions = {}): boolean => Boolean((options.env ?? process.env)[EXPORT_ROOT_ENV]?.trim());

/** The export root ($BLOCKQNN_EXPORT_ROOT, else the working directory), resolved through symbolic links. */
export async function exportRoot(options: OutputOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const given = env[EXPORT_ROOT_ENV]?.trim();
  const root = path.resolve(cwd, given || '.');
  try {
    return await realpath(root);
  } catch (error) {
    throw new BlockqnnError(ErrorCode.INVALID_INPUT, `export root ${root} does not exist`, {
      cause: error,
      hint: `create it or set ${EXPORT_ROOT_ENV} to an existing folder`,
    });
  }
}

/**
 * The absolute, symlink-free target for `out`: strictly inside the export root when one
 * confines exports, else anywhere but the working directory and its ancestors.
 * Parts that do not exist yet are appended to the real path of the deepest part that does.
 */
export async function resolveExportDir(out: string, options: OutputOptions = {}): Promise<string> {
  if (out.trim() === '') throw new BlockqnnError(ErrorCode.INVALID_INPUT, 'the output folder is empty', { hint: 'pass --out DIR' });
  const cwd = options.cwd ?? process.cwd();
  const confined = exportConfined(options);
  const root = confined ? await exportRoot(options) : await realpath(cwd);
  const wanted = path.resolve(cwd, out);
  let existing = wanted;
  const rest: string[] = [];
  while (!(await exists(existing))) {
    rest.unshift(path.basename(existing));
    existing = path.dirname(existing);
  }
  const real = path.join(await realpath(existing), ...rest);
  const relative = path.relative(root, real);
  // An export replaces its folder as a whole: never the folder the user stands in, nor one above it.
  if (
    relative === '' ||
    (!confined && (relative === '..' || relative.startsWith(`..${path.sep}`)) && !path.relative(real, root).startsWith('..'))
  ) {
    const what =
      confined && relative === ''
        ? 'the export root itself'
        : relative === ''
          ? 'the working directory itself'
          : 'a folder that contains the working directory';
    throw new BlockqnnError(
      ErrorCode.INVALID_INPUT,
      `output folder ${out} (${real}) is ${what}: an export needs a folder of its own, which it replaces as a whole`,
      {
        hint: `name a new folder, e.g. --out ${path.join(out, 'export')}`,
        details: { out, resolved: real },
      },
    );
  }
  if (!confined) return real;
  // `..` as a whole first segment leaves the root; a folder named `..foo` does not.
  if (relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) {
    throw new BlockqnnError(ErrorCode.INVALID_INPUT, `output folder ${out} (${real}) is outside the export root ${root}`, {
      hint: `choose a folder inside ${root}, or set ${EXPORT_ROOT_ENV} to a folder that contains it`,
      details: { out, resolved: real, root },
    });
  }
  return real;
}

/** Refuses a target that is a file, or a non-empty folder without `force`; the mode of an existing folder, else undefined. */
async function checkTarget(dir: string, force: boolean): Promise<number | undefined> {
  let info;
  try {
    info = await stat(dir);
  } catch (error) {
    if (errno(error) === 'ENOENT' || errno(error) === 'ENOTDIR') return undefined;
    throw error;
  }
  if (!info.isDirectory())
    throw new BlockqnnError(ErrorCode.INVALID_INPUT, `output ${dir} exists and is not a folder`, { hint: 'choose another --out' });
  if (!force && (await readdir(dir)).length > 0) {
    throw new BlockqnnError(ErrorCode.INVALID_INPUT, `output folder ${dir} is not empty`, {
      hint: 'choose another --out, or pass --force to replace its contents',
    });
  }
  return info.mode & 0o7777;
}

/**
 * Runs `fill` on a fresh temporary folder beside `dir`, then renames it to `dir`
 * (replacing an existing folder only with `force`).
 */
export async function writeAtomically(
  dir: string,
  options: { force?: boolean },
  fill: (temporary: string) => Promise<void>,
): Promise<void> {
  const existingMode = await checkTarget(dir, options.force ?? false);
  const replace = existingMode !== undefined;
  const parent = path.dirname(dir);
  let temporary: string;
  try {
    await mkdir(parent, { recursive: true });
    // mkdir, not mkdtemp (always 0700): the new folder gets the usual mode under the umask.
    temporary = path.join(parent, `.${path.basename(dir)}.export-${randomBytes(6).toString('hex')}`);
    await mkdir(temporary);
  } catch (error) {
    const code = errno(error);
    throw new BlockqnnError(
      ErrorCode.IO_ERROR,
      `cannot write the export into ${parent}: ${code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'not writable' : (error as Error).message}`,
      {
        cause: error,
        hint: 'choose an --out folder you can write to',
      },
    );
  }
  try {
    await fill(temporary);
    // A replaced folder keeps its mode (a web server running as another user may serve it).
    if (existingMode !== undefined) await chmod(temporary, existingMode);
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
