/**
 * The decoded-dataset cache file (`*.bqds`), written once per dataset + spec and
 * read by every worker, in TypeScript and in Python (the torch engine), with no
 * parser beyond JSON. Byte layout (README.md in this folder has a Python reader):
 *
 *   offset 0    8 bytes   ASCII magic "BQNNDS01" (the 01 is the layout version)
 *   offset 8    4 bytes   L, uint32 little-endian: length of the header
 *   offset 12   L bytes   header, UTF-8 JSON (see CacheHeader)
 *   then zero padding, then each array of header.arrays at its own absolute
 *   `offset` (a multiple of 64), `nbytes` long, C order, dtype a numpy type string
 *   ("|u1" = uint8, "<u4" = little-endian uint32). The last array ends the file.
 *
 * So `numpy.fromfile(path, dtype, count=prod(shape), offset=offset).reshape(shape)`
 * reads any array. Files are written to a unique temp name in the same directory,
 * fsynced, then renamed: a reader sees the old file, no file, or the whole new
 * one, never half of one.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';
import { dirname } from 'node:path';
import { z } from 'zod';
import { BlockqnnError, ErrorCode } from '../common/errors.js';

export const CACHE_MAGIC = 'BQNNDS01';
export const CACHE_FORMAT = 'blockqnn-dataset-cache';
export const CACHE_VERSION = 1;
const ALIGN = 64;
const PREAMBLE = 12;

export type CacheDtype = '|u1' | '<u4';
export type CacheTypedArray = Uint8Array | Uint32Array;

export interface CacheArrayInfo {
  readonly dtype: CacheDtype;
  readonly shape: readonly number[];
  readonly offset: number;
  readonly nbytes: number;
}

/** Everything in the header except the array table, which the writer lays out. */
export interface CacheMeta {
  readonly key: string;
  readonly name: string;
  readonly classes: readonly string[];
  /** `[height, width, channels]` of every image. */
  readonly shape: readonly number[];
  /** How stored bytes become floats: always "float = byte / 255". */
  readonly pixels: string;
  readonly spec: Readonly<Record<string, unknown>>;
  readonly source: unknown;
}

export interface CacheHeader extends CacheMeta {
  readonly format: typeof CACHE_FORMAT;
  readonly version: typeof CACHE_VERSION;
  readonly createdAt: string;
  readonly arrays: Readonly<Record<string, CacheArrayInfo>>;
}

export interface CacheArray {
  readonly data: CacheTypedArray;
  readonly shape: readonly number[];
}

const align = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;

/** Lays out the arrays after a header; the header holds their offsets, so iterate until its length settles. */
function layout(
  meta: CacheMeta,
  arrays: Readonly<Record<string, CacheArray>>,
  createdAt = new Date().toISOString(),
): { header: Buffer; table: Record<string, CacheArrayInfo> } {
  let headerLength = 0;
  for (;;) {
    let offset = align(PREAMBLE + headerLength);
    const table: Record<string, CacheArrayInfo> = {};
    for (const [name, { data, shape }] of Object.entries(arrays)) {
      table[name] = { dtype: data instanceof Uint32Array ? '<u4' : '|u1', shape, offset, nbytes: data.byteLength };
      offset = align(offset + data.byteLength);
    }
    const full: CacheHeader = { format: CACHE_FORMAT, version: CACHE_VERSION, ...meta, createdAt, arrays: table };
    const header = Buffer.from(JSON.stringify(full), 'utf8');
    if (align(PREAMBLE + header.length) === align(PREAMBLE + headerLength)) return { header, table };
    headerLength = header.length;
  }
}

/** Writes the file atomically (unique temp file, fsync, rename). */
export async function writeCacheFile(
  path: string,
  meta: CacheMeta,
  arrays: Readonly<Record<string, CacheArray>>,
  createdAt?: string,
): Promise<void> {
  if (endianness() !== 'LE') {
    throw new BlockqnnError(ErrorCode.INTERNAL, 'the dataset cache is little-endian and this machine is big-endian', {
      hint: 'run with cache: false',
    });
  }
  const { header, table } = layout(meta, arrays, createdAt);
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  let file: FileHandle | undefined;
  try {
    await mkdir(dirname(path), { recursive: true });
    file = await open(temp, 'wx');
    const preamble = Buffer.alloc(PREAMBLE);
    preamble.write(CACHE_MAGIC, 0, 'ascii');
    preamble.writeUInt32LE(header.length, 8);
    await file.write(preamble, 0, PREAMBLE, 0);
    await file.write(header, 0, header.length, PREAMBLE);
    for (const [name, { data }] of Object.entries(arrays)) {
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      await file.write(bytes, 0, bytes.length, table[name]!.offset);
    }
    await file.sync();
    await file.close();
    file = undefined;
    await rename(temp, path);
  } catch (error) {
    await file?.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw new BlockqnnError(ErrorCode.IO_ERROR, `cannot write dataset cache ${path}: ${(error as Error).message}`, {
      hint: 'check free space and permissions, or point $BLOCKQNN_CACHE_DIR at a writable directory',
      cause: error,
    });
  }
}

export type CacheRead =
  | { readonly kind: 'missing' }
  | { readonly kind: 'invalid'; readonly reason: string }
  | { readonly kind: 'ok'; readonly header: CacheHeader; readonly arrays: Record<string, CacheTypedArray> };

const invalid = (reason: string): CacheRead => ({ kind: 'invalid', reason });

/** The header as written by writeCacheFile; anything else (another program's file, a damaged one) reads as invalid. */
const headerSchema = z.looseObject({
  format: z.literal(CACHE_FORMAT),
  version: z.literal(CACHE_VERSION),
  key: z.string(),
  name: z.string(),
  classes: z.array(z.string()),
  shape: z.array(z.number().int().positive()).length(3),
  arrays: z.record(
    z.string(),
    z.strictObject({
      dtype: z.enum(['|u1', '<u4']),
      shape: z.array(z.number().int().nonnegative()).min(1).max(8),
      offset: z.number().int().nonnegative(),
      nbytes: z.number().int().nonnegative(),
    }),
  ),
});

/** Reads and checks a cache file; arrays are views into one buffer (copied only if misaligned). */
export async function readCacheFile(path: string): Promise<CacheRead> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    return invalid(`unreadable: ${(error as Error).message}`);
  }
  if (bytes.length < PREAMBLE || bytes.toString('ascii', 0, 8) !== CACHE_MAGIC) return invalid('wrong magic');
  const headerLength = bytes.readUInt32LE(8);
  if (PREAMBLE + headerLength > bytes.length) return invalid('header runs past the end of the file');
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8', PREAMBLE, PREAMBLE + headerLength));
  } catch {
    return invalid('header is not JSON');
  }
  const parsed = headerSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return invalid(`header ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const header = parsed.data as unknown as CacheHeader;
  const arrays: Record<string, CacheTypedArray> = {};
  let end = PREAMBLE + headerLength;
  // The writer lays the arrays out in header order, each at the next multiple of 64: a header whose
  // offset was changed (one digit of it, say) would otherwise read another array's bytes as this one.
  let expected = align(PREAMBLE + headerLength);
  for (const [name, info] of Object.entries(header.arrays)) {
    const itemSize = info.dtype === '<u4' ? 4 : info.dtype === '|u1' ? 1 : 0;
    const count = info.shape.reduce((a, b) => a * b, 1);
    if (itemSize === 0 || count * itemSize !== info.nbytes) return invalid(`array ${name} has an inconsistent dtype, shape or size`);
    if (info.offset !== expected) return invalid(`array ${name} is at offset ${info.offset}, but the layout puts it at ${expected}`);
    expected = align(info.offset + info.nbytes);
    if (info.offset + info.nbytes > bytes.length) return invalid(`array ${name} runs past the end of the file (truncated)`);
    end = Math.max(end, info.offset + info.nbytes);
    const at = bytes.byteOffset + info.offset;
    if (itemSize === 1) arrays[name] = new Uint8Array(bytes.buffer, at, count);
    else if (at % 4 === 0) arrays[name] = new Uint32Array(bytes.buffer, at, count);
    else arrays[name] = new Uint32Array(bytes.buffer.slice(at, at + info.nbytes));
  }
  if (end !== bytes.length) return invalid(`file is ${bytes.length} bytes, the header describes ${end}`);
  return { kind: 'ok', header, arrays };
}
