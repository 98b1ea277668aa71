/**
 * File handling shared by the file-based sources: finding a file under one of its
 * accepted names, fingerprinting it by size and mtime (a stat, not a read, so a
 * cache hit costs microseconds), and reading it gzip-compressed or raw.
 */
import { stat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { BlockqnnError, ErrorCode, EnvironmentError } from '../common/errors.js';
import type { FileFingerprint } from './types.js';

const gunzipAsync = promisify(gunzip);

/** How to obtain a source's files, used in every not-found error. */
export interface SourceHelp {
  readonly dataset: string;
  readonly hint: string;
}

async function statOrUndefined(path: string): Promise<FileFingerprint | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? { path, size: info.size, mtimeMs: info.mtimeMs } : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw new BlockqnnError(ErrorCode.IO_ERROR, `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * The first of `names` present in `dir`, fingerprinted. Throws NOT_FOUND naming the
 * file, the directory and how to get it.
 */
export async function findFile(dir: string, names: readonly string[], help: SourceHelp): Promise<FileFingerprint> {
  for (const name of names) {
    const found = await statOrUndefined(join(dir, name));
    if (found) return found;
  }
  throw new EnvironmentError('dataset_missing', ErrorCode.NOT_FOUND, `${help.dataset} file ${names.join(' or ')} not found in ${dir}`, {
    hint: help.hint,
    details: { dataset: help.dataset, dir, file: names[0] },
  });
}

export async function fileExists(path: string): Promise<boolean> {
  return (await statOrUndefined(path)) !== undefined;
}

/** An INVALID_INPUT error that names the file and what is wrong with it. */
export function badFile(file: string, problem: string, hint: string): BlockqnnError {
  return new BlockqnnError(ErrorCode.INVALID_INPUT, `${file}: ${problem}`, { hint, details: { file } });
}

/** The file's bytes, gunzipped when it starts with the gzip magic 1f 8b (whatever its name says). */
export async function readMaybeGzip(file: string, hint: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new BlockqnnError(ErrorCode.IO_ERROR, `cannot read ${file}: ${(error as Error).message}`, { hint, cause: error });
  }
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return await gunzipAsync(bytes);
  } catch (error) {
    throw badFile(file, `is not a valid gzip stream (${(error as Error).message}); the download is probably truncated or corrupt`, hint);
  }
}
