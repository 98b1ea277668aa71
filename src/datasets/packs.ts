/**
 * Packs: a user source (sources/) decoded once into a file named by the sha-256
 * of its bytes, `<packDir>/<sha256>.bqds`. Jobs carry the hash (`spec.pack`), so
 * a worker reads exactly the arrays the controller decoded, from its own copy;
 * a worker that lacks it asks the fetcher the worker process installed
 * (`setPackFetcher`: the queue's Redis transfer), verifies the sha-256 and keeps it.
 *
 * A pack is a `.bqds` file (cache-file.ts, readable from numpy the same way)
 * with four arrays — `pool_images`, `pool_labels`, `test_images`, `test_labels`
 * — and a header that holds no path and no time, so the same data always packs
 * to the same bytes and the same hash on any machine.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, closeSync, openSync, readSync } from 'node:fs';
import { mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { BlockqnnError, ErrorCode, EnvironmentError } from '../common/errors.js';
import { CACHE_MAGIC, readCacheFile, writeCacheFile } from './cache-file.js';
import type { CacheHeader } from './cache-file.js';
import { classCounts } from './sources/common.js';
import { parseSourceRef } from './sources/registry.js';
import type { DecodeOptions } from './sources/types.js';
import { resolveCacheDir } from './spec.js';
import type { DecodedSource, ImageShape } from './types.js';

export const PACK_FORMAT_VERSION = 1;
/** Packs carry no time of their own: see the file header. */
const PACK_CREATED_AT = '1970-01-01T00:00:00.000Z';
export const SHA256_PATTERN = /^[0-9a-f]{64}$/;

/** What a pack's header says about its data (the `source` field of the .bqds header). */
export interface PackSummary {
  readonly pack: typeof PACK_FORMAT_VERSION;
  /** The source kind (`folder`, `npz`, ...) and the options that changed the decoding. */
  readonly kind: string;
  readonly options: DecodeOptions;
  readonly notes: readonly string[];
  /** Images per class, per split. */
  readonly counts: { readonly train: readonly number[]; readonly test: readonly number[] };
}

export interface PackHeader {
  readonly classes: readonly string[];
  readonly shape: ImageShape;
  readonly summary: PackSummary;
}

export interface Pack extends PackHeader {
  readonly sha256: string;
  readonly path: string;
  readonly bytes: number;
}

/** Where packs live: `--data-dir` (`$BLOCKQNN_DATA_DIR`), else `<cache dir>/packs`. */
export function resolvePackDir(options: { dataDir?: string | undefined; cacheDir?: string | undefined } = {}): string {
  return resolve(options.dataDir || process.env.BLOCKQNN_DATA_DIR || join(resolveCacheDir(options), 'packs'));
}

export const packPath = (dir: string, sha256: string): string => join(dir, `${sha256}.bqds`);

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function headerOf(header: CacheHeader): PackHeader {
  return { classes: header.classes, shape: header.shape as unknown as ImageShape, summary: header.source as PackSummary };
}

/** The header of a local pack, read synchronously (a few kilobytes), for building a search configuration. */
export function readPackHeaderSync(sha256: string, dir = resolvePackDir()): PackHeader {
  const path = packPath(dir, sha256);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    throw missingPack(sha256, dir);
  }
  try {
    const preamble = Buffer.alloc(12);
    readSync(fd, preamble, 0, 12, 0);
    if (preamble.toString('ascii', 0, 8) !== CACHE_MAGIC)
      throw new BlockqnnError(ErrorCode.INVALID_INPUT, `${path} is not a dataset pack`, {
        hint: `delete it; it is written again from the source`,
      });
    const text = Buffer.alloc(preamble.readUInt32LE(8));
    readSync(fd, text, 0, text.length, 12);
    let header: CacheHeader;
    try {
      header = JSON.parse(text.toString('utf8')) as CacheHeader;
    } catch {
      throw new BlockqnnError(ErrorCode.INVALID_INPUT, `${path}: the pack's header is not JSON (damaged file)`, {
        hint: 'delete it; it is fetched or written again from the source',
      });
    }
    return headerOf(header);
  } finally {
    closeSync(fd);
  }
}

function missingPack(sha256: string, dir: string): BlockqnnError {
  return new EnvironmentError('dataset_missing', ErrorCode.NOT_FOUND, `dataset pack ${sha256} is not in ${dir}`, {
    hint: "a worker fetches packs from the run's Redis by itself; if the run's controller is gone, copy the file `blockqnn data pack SOURCE --out FILE` wrote there as <sha256>.bqds",
    details: { sha256, dir },
  });
}

/** Fetches the pack `sha256` into `dest` (a temp path); the caller verifies and renames it. */
export type PackFetcher = (sha256: string, dest: string) => Promise<void>;
let fetcher: PackFetcher | undefined;

/** Installed once per worker process (see src/queue/dataset-transfer.ts). */
export function setPackFetcher(fetch: PackFetcher | undefined): void {
  fetcher = fetch;
}

const ensuring = new Map<string, Promise<string>>();

/** The local path of pack `sha256`, fetched and verified first when missing. */
export function ensurePack(sha256: string, dir = resolvePackDir()): Promise<string> {
  const path = packPath(dir, sha256);
  let pending = ensuring.get(path);
  if (pending === undefined) {
    pending = (async () => {
      if ((await stat(path).catch(() => undefined))?.isFile()) return path;
      const fetch = fetcher;
      if (fetch === undefined) throw missingPack(sha256, dir);
      await mkdir(dir, { recursive: true });
      const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        await fetch(sha256, temp);
        const got = await sha256File(temp);
        if (got !== sha256)
          throw new BlockqnnError(ErrorCode.IO_ERROR, `fetched dataset pack ${sha256} has sha-256 ${got}: corrupted in transfer`, {
            hint: 'the job is retried; if it repeats, publish the pack again by resuming the run',
          });
        await rename(temp, path);
        return path;
      } finally {
        await unlink(temp).catch(() => undefined);
      }
    })();
    ensuring.set(path, pending);
    pending.catch(() => ensuring.delete(path));
  }
  return pending;
}

/** A pack's arrays as a decoded source (the pool is then split as the job's spec says). */
export async function readPack(path: string): Promise<PackHeader & { decoded: DecodedSource }> {
  const read = await readCacheFile(path);
  if (read.kind !== 'ok')
    throw new BlockqnnError(
      ErrorCode.INVALID_INPUT,
      `dataset pack ${path} is ${read.kind === 'missing' ? 'missing' : `unusable (${read.reason})`}`,
      { hint: 'delete it; it is fetched or written again' },
    );
  const a = read.arrays;
  for (const name of ['pool_images', 'pool_labels', 'test_images', 'test_labels']) {
    if (!(a[name] instanceof Uint8Array))
      throw new BlockqnnError(ErrorCode.INVALID_INPUT, `dataset pack ${path} lacks array ${name}`, {
        hint: 'delete it and pack the source again',
      });
  }
  const header = headerOf(read.header);
  const set = (split: string) => ({
    images: a[`${split}_images`] as Uint8Array,
    labels: a[`${split}_labels`] as Uint8Array,
    count: a[`${split}_labels`]!.length,
  });
  return { ...header, decoded: { shape: header.shape, pool: set('pool'), test: set('test') } };
}

export interface PackOptions {
  readonly dataDir?: string | undefined;
  readonly cacheDir?: string | undefined;
  /** Decode even when the index says this exact source was packed before. */
  readonly force?: boolean;
}

/**
 * Decodes a source (`folder:PATH`, ...) into a pack, unless the index
 * (`<packDir>/index/<key>.json`, key = hash of the source's file stats and the
 * options) says it is packed already. Returns the pack and whether it was decoded now.
 */
export async function packSource(text: string, given: DecodeOptions, options: PackOptions = {}): Promise<Pack & { decodedNow: boolean }> {
  const ref = parseSourceRef(text);
  if (ref === undefined)
    throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `${text} is not a dataset source`, {
      hint: 'a source is folder:PATH, npz:PATH, idx:DIR or cifar100[:DIR]',
    });
  const flags: Record<keyof DecodeOptions, string> = {
    imageSize: '--image-size',
    channels: '--channels',
    labels: '--labels',
    skipBad: '--skip-bad',
    layout: '--layout',
  };
  const decodeOptions = Object.fromEntries(
    Object.entries(given).filter(([name, value]) => {
      if (value === undefined || value === false) return false;
      // --image-size and --channels also resize and convert any dataset after the split: fine to give for any source.
      if (ref.kind.options.includes(name as keyof DecodeOptions)) return true;
      if (name === 'imageSize' || name === 'channels') return false;
      throw new BlockqnnError(
        ErrorCode.INVALID_CONFIG,
        `${flags[name as keyof DecodeOptions]} does not apply to ${ref.kind.scheme} sources`,
        {
          hint: `${ref.kind.scheme} reads ${ref.kind.options.map((o) => flags[o]).join(', ') || 'no options'}; leave it out`,
        },
      );
    }),
  ) as DecodeOptions;
  const dir = resolvePackDir(options);
  const fingerprint = await ref.kind.fingerprint(ref.arg, decodeOptions);
  const indexKey = createHash('sha256')
    .update(JSON.stringify({ v: PACK_FORMAT_VERSION, kind: ref.kind.scheme, fingerprint, decodeOptions }))
    .digest('hex');
  const indexPath = join(dir, 'index', `${indexKey}.json`);
  if (!options.force) {
    const known = await readFile(indexPath, 'utf8').then(
      (t) => (JSON.parse(t) as { sha256?: string }).sha256,
      () => undefined,
    );
    if (known && SHA256_PATTERN.test(known)) {
      try {
        const header = readPackHeaderSync(known, dir);
        const path = packPath(dir, known);
        const { size } = await stat(path);
        return { ...header, sha256: known, path, bytes: size, decodedNow: false };
      } catch {
        // The pack was removed: decode again.
      }
    }
  }
  const decoded = await ref.kind.decode(ref.arg, decodeOptions);
  const summary: PackSummary = {
    pack: PACK_FORMAT_VERSION,
    kind: ref.kind.scheme,
    options: decodeOptions,
    notes: decoded.notes,
    counts: {
      train: classCounts(decoded.pool.labels, decoded.classes.length),
      test: classCounts(decoded.test.labels, decoded.classes.length),
    },
  };
  const images = (set: typeof decoded.pool) => ({ data: set.images, shape: [set.count, ...decoded.shape] });
  const labels = (set: typeof decoded.pool) => ({ data: set.labels, shape: [set.count] });
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.pack.${process.pid}.${randomBytes(6).toString('hex')}.bqds`);
  try {
    await writeCacheFile(
      temp,
      {
        key: 'pack',
        name: ref.kind.scheme,
        classes: decoded.classes,
        shape: decoded.shape,
        pixels: 'float = byte / 255',
        spec: {},
        source: summary,
      },
      {
        pool_images: images(decoded.pool),
        pool_labels: labels(decoded.pool),
        test_images: images(decoded.test),
        test_labels: labels(decoded.test),
      },
      PACK_CREATED_AT,
    );
    const sha256 = await sha256File(temp);
    const path = packPath(dir, sha256);
    await rename(temp, path);
    await mkdir(join(dir, 'index'), { recursive: true });
    await writeFile(indexPath, JSON.stringify({ sha256, source: text }));
    const { size } = await stat(path);
    return { classes: decoded.classes, shape: decoded.shape, summary, sha256, path, bytes: size, decodedNow: true };
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}
