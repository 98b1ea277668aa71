/**
 * `folder:PATH` — torchvision's ImageFolder layout: one subfolder per class
 * (sorted by name: the label order) holding PNG, JPEG or WebP files; optional
 * `train/` and `test/` (or `val/`) top folders, else a stratified 20% test split
 * (seed 0). Decoded with sharp (libvips), a few images at a time into one
 * preallocated array, so memory is the decoded pixels plus a constant: the
 * listing is first read for sizes (headers only), then every image decoded.
 *
 * Sizes: every image must have the same size, or `--image-size N` resizes all to
 * N×N (squashed, as torchvision's Resize((N, N))). We refuse rather than guess a
 * size, because a silent resize changes what the network sees. Channels follow
 * the data (1 when every file is grey, else 3) or `--channels`; alpha is dropped.
 */
import { readdir, stat } from 'node:fs/promises';
import { extname, join, relative, resolve } from 'node:path';
import sharp from 'sharp';
import { BlockqnnError, ErrorCode, EnvironmentError } from '../../common/errors.js';
import type { FileFingerprint, ImageSet, ImageShape, SourceFingerprint } from '../types.js';
import { checkClassCount, invalidSource, splitOffTest } from './common.js';
import type { DecodeOptions, DecodedPack, SourceKind } from './types.js';

// The libvips operation cache holds decoded images for reuse: useless here, and it grows the RSS.
sharp.cache(false);

const EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp']);
const HINT = 'folder:PATH needs one subfolder per class holding .png, .jpg or .webp files (optionally under train/ and test/ or val/)';
/** Images decoded at once: enough to keep libvips' threads busy, few enough to bound memory. */
const PARALLEL = 8;

interface Listing {
  readonly root: string;
  readonly classes: string[];
  /** One list per split (train, and test when the folder has one), each of [file, label]. */
  readonly splits: { name: string; files: { path: string; label: number }[] }[];
  readonly fingerprint: FileFingerprint[];
}

async function subdirs(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
}

async function imagesIn(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  // Symbolic links count (a folder of links into a photo library is common); a link to a folder does not.
  const files = entries
    .filter((e) => (e.isFile() || e.isSymbolicLink()) && EXTENSIONS.has(extname(e.name).toLowerCase()))
    .map((e) => join(dir, e.name));
  const kept = [];
  for (const path of files) if ((await stat(path).catch(() => undefined))?.isFile() ?? true) kept.push(path);
  return kept.sort();
}

async function list(arg: string | undefined): Promise<Listing> {
  if (!arg) throw new BlockqnnError(ErrorCode.INVALID_CONFIG, 'folder: needs a path, e.g. --dataset folder:./photos', { hint: HINT });
  const root = resolve(arg);
  const info = await stat(root).catch(() => undefined);
  if (!info) {
    throw new EnvironmentError('dataset_missing', ErrorCode.NOT_FOUND, `image folder ${root} does not exist`, {
      hint: HINT,
      details: { path: root },
    });
  }
  if (!info.isDirectory()) throw invalidSource(root, 'is a file, not a folder', HINT);
  const top = await subdirs(root);
  const testName = top.includes('test') ? 'test' : top.includes('val') ? 'val' : undefined;
  const split = top.includes('train') && testName !== undefined;
  const splitDirs = split
    ? [
        { name: 'train', dir: join(root, 'train') },
        { name: testName, dir: join(root, testName) },
      ]
    : [{ name: 'train', dir: root }];
  const classes = await subdirs(splitDirs[0]!.dir);
  checkClassCount(splitDirs[0]!.dir, classes.length, HINT);
  const splits = [];
  const fingerprint: FileFingerprint[] = [];
  for (const { name, dir } of splitDirs) {
    const files: { path: string; label: number }[] = [];
    const here = await subdirs(dir);
    const unknown = here.filter((c) => !classes.includes(c));
    if (unknown.length > 0)
      throw invalidSource(
        dir,
        `has class folders ${unknown.join(', ')} that train/ lacks`,
        "the test folder's classes must be a subset of train/'s",
      );
    for (const cls of here) {
      const found = await imagesIn(join(dir, cls));
      if (found.length === 0)
        throw invalidSource(
          join(dir, cls),
          'is an empty class folder (no .png, .jpg, .jpeg or .webp file)',
          'add images to it or remove the folder',
        );
      for (const path of found) files.push({ path, label: classes.indexOf(cls) });
    }
    splits.push({ name: name!, files });
  }
  // Fingerprint by relative path, size and mtime: a renamed root keeps its key, an edited image does not.
  for (const { files } of splits)
    for (const { path } of files) {
      const s = await stat(path);
      fingerprint.push({ path: relative(root, path), size: s.size, mtimeMs: s.mtimeMs });
    }
  return { root, classes, splits, fingerprint };
}

interface Header {
  width: number;
  height: number;
  grey: boolean;
}

/** Runs `work` over items, PARALLEL at a time, in order of start. */
async function eachLimited<T>(items: readonly T[], work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(PARALLEL, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await work(items[i]!, i);
    }
  });
  await Promise.all(runners);
}

function badImages(root: string, bad: { path: string; reason: string }[], good: number): BlockqnnError {
  const shown = bad
    .slice(0, 5)
    .map((b) => `${relative(root, b.path)} (${b.reason})`)
    .join('; ');
  return new BlockqnnError(
    ErrorCode.INVALID_INPUT,
    `${root}: ${bad.length} image(s) cannot be decoded, ${good} can: ${shown}${bad.length > 5 ? '; ...' : ''}`,
    {
      hint: 'replace or remove those files, or pass --skip-bad to leave them out',
      details: { source: root, bad: bad.map((b) => b.path), good },
    },
  );
}

export const folderSource: SourceKind = {
  scheme: 'folder',
  description: 'an ImageFolder: one subfolder of PNG/JPEG/WebP files per class, optional train/ and test/ (or val/)',
  usage: 'folder:PATH',
  options: ['imageSize', 'channels', 'skipBad'],
  async fingerprint(arg): Promise<SourceFingerprint> {
    const { root, fingerprint } = await list(arg);
    return { origin: root, files: fingerprint };
  },
  async decode(arg, options: DecodeOptions): Promise<DecodedPack> {
    const { root, classes, splits } = await list(arg);
    const all = splits.flatMap((s) => s.files);
    // Pass 1: headers only (sizes, colour), so the output array can be allocated once.
    const headers: (Header | undefined)[] = new Array(all.length);
    const bad: { path: string; reason: string }[] = [];
    await eachLimited(all, async ({ path }, i) => {
      try {
        const m = await sharp(path).metadata();
        headers[i] = { width: m.width, height: m.height, grey: m.channels <= 2 };
      } catch (error) {
        bad.push({ path, reason: (error as Error).message });
      }
    });
    const notes: string[] = [];
    let shape: ImageShape;
    if (options.imageSize !== undefined) {
      shape = [options.imageSize, options.imageSize, 0];
    } else {
      const sizes = new Map<string, number>();
      for (const h of headers) if (h) sizes.set(`${h.width}×${h.height}`, (sizes.get(`${h.width}×${h.height}`) ?? 0) + 1);
      if (sizes.size > 1) {
        const common = [...sizes]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 4)
          .map(([s, n]) => `${s}: ${n}`)
          .join(', ');
        throw invalidSource(
          root,
          `holds images of ${sizes.size} sizes (${common}${sizes.size > 4 ? ', ...' : ''})`,
          'pass --image-size N to resize every image to N×N',
        );
      }
      const first = headers.find((h) => h !== undefined);
      shape = [first?.height ?? 1, first?.width ?? 1, 0];
    }
    const channels = options.channels ?? (headers.every((h) => h === undefined || h.grey) ? 1 : 3);
    shape = [shape[0], shape[1], channels];
    notes.push(
      `${shape[0]}×${shape[1]}×${channels}${options.imageSize !== undefined ? ' (resized)' : ''}, ${channels === 1 ? 'grey' : 'RGB'}${options.channels === undefined ? ' (follows the data)' : ''}`,
    );
    // Pass 2: decode into one array per split; a file that fails now (truncated data past a good header) is bad too.
    const size = shape[0] * shape[1] * channels;
    const sets: ImageSet[] = [];
    let offset = 0;
    for (const split of splits) {
      const images = new Uint8Array(split.files.length * size);
      const ok = new Uint8Array(split.files.length);
      await eachLimited(split.files, async ({ path }, i) => {
        if (headers[offset + i] === undefined) return;
        try {
          let pipeline = sharp(path).removeAlpha();
          if (options.imageSize !== undefined) pipeline = pipeline.resize(shape[1], shape[0], { fit: 'fill' });
          pipeline = channels === 1 ? pipeline.toColourspace('b-w') : pipeline.toColourspace('srgb');
          const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
          if (info.width !== shape[1] || info.height !== shape[0] || info.channels !== channels) {
            throw new Error(`decoded to ${info.width}×${info.height}×${info.channels}, expected ${shape[1]}×${shape[0]}×${channels}`);
          }
          images.set(data, i * size);
          ok[i] = 1;
        } catch (error) {
          bad.push({ path, reason: (error as Error).message });
        }
      });
      offset += split.files.length;
      let kept = 0;
      const labels = new Uint8Array(split.files.length);
      for (let i = 0; i < split.files.length; i++) {
        if (!ok[i]) continue;
        if (kept !== i) images.copyWithin(kept * size, i * size, (i + 1) * size);
        labels[kept++] = split.files[i]!.label;
      }
      sets.push({ images: images.subarray(0, kept * size), labels: labels.subarray(0, kept), count: kept });
    }
    if (bad.length > 0) {
      if (!options.skipBad) throw badImages(root, bad, all.length - bad.length);
      notes.push(`${bad.length} unreadable image(s) skipped (--skip-bad)`);
    }
    let pool = sets[0]!;
    let test = sets[1];
    if (test === undefined) {
      const split = splitOffTest(pool, shape, classes.length);
      pool = split.pool;
      test = split.test;
      notes.push(split.note);
    } else {
      notes.push(`train/ and ${splits[1]!.name}/ folders`);
    }
    for (const [name, set] of [
      ['train', pool],
      ['test', test],
    ] as const) {
      const counts = new Array<number>(classes.length).fill(0);
      for (const l of set.labels) counts[l]! += 1;
      if (name === 'train') {
        const empty = classes.filter((_, c) => counts[c] === 0);
        if (empty.length > 0)
          throw invalidSource(
            root,
            `class(es) ${empty.join(', ')} have no usable training image`,
            'add images to them or remove the folders',
          );
      }
    }
    return { classes, shape, pool, test, notes };
  },
};
