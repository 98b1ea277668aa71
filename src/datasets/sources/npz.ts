/**
 * `npz:PATH` — NumPy arrays `x_train`, `y_train` and optionally `x_test`,
 * `y_test` (and `classes`, a string array of class names), in an `.npz` file
 * (`np.savez` or `np.savez_compressed`) or as `.npy` files in a directory.
 * Images: uint8 (0..255) or float32/float64 (in [0, 1], or in [0, 255]);
 * N×H×W (grey), N×H×W×C or N×C×H×W with C = 1 or 3, the layout detected and
 * reported; a shape that fits both (e.g. N×3×3×3) is refused unless `--layout`
 * names it. Labels: integers 0..K-1, one per image.
 */
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import yauzl from 'yauzl';
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import { findFile } from '../source-files.js';
import type { FileFingerprint, ImageSet, ImageShape, SourceFingerprint } from '../types.js';
import { checkClassCount, invalidSource, splitOffTest } from './common.js';
import { type NpyArray, numberAt, parseNpy, stringsOf } from './npy.js';
import type { DecodeOptions, DecodedPack, SourceKind } from './types.js';

const HINT = 'save the arrays with np.savez(PATH, x_train=x, y_train=y, x_test=xt, y_test=yt) (x_test, y_test and classes are optional)';
const NAMES = ['x_train', 'y_train', 'x_test', 'y_test', 'classes'] as const;
type Name = (typeof NAMES)[number];

/** The arrays present, read whole, one at a time (a zip entry is inflated as a stream). */
async function readZip(path: string): Promise<Partial<Record<Name, NpyArray>>> {
  const zip = await new Promise<yauzl.ZipFile>((ok, fail) =>
    yauzl.open(path, { lazyEntries: true, autoClose: true }, (e, z) => (e ? fail(e) : ok(z))),
  ).catch((error: Error) => {
    throw invalidSource(path, `is not a readable .npz (zip) file: ${error.message}`, HINT);
  });
  const out: Partial<Record<Name, NpyArray>> = {};
  await new Promise<void>((done, fail) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      const name = entry.fileName.replace(/\.npy$/, '') as Name;
      if (!NAMES.includes(name)) return zip.readEntry();
      zip.openReadStream(entry, (error, stream) => {
        if (error) return fail(invalidSource(path, `entry ${entry.fileName} is unreadable: ${error.message}`, HINT));
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('error', (e) => fail(invalidSource(path, `entry ${entry.fileName} is unreadable: ${e.message}`, HINT)));
        stream.on('end', () => {
          try {
            out[name] = parseNpy(Buffer.concat(chunks), `${path}:${entry.fileName}`, HINT);
            zip.readEntry();
          } catch (e) {
            fail(e);
          }
        });
      });
    });
    zip.on('end', () => done());
    zip.on('error', (e: Error) => fail(invalidSource(path, `is not a readable .npz (zip) file: ${e.message}`, HINT)));
    zip.readEntry();
  });
  return out;
}

async function readDir(dir: string): Promise<Partial<Record<Name, NpyArray>>> {
  const out: Partial<Record<Name, NpyArray>> = {};
  for (const name of NAMES) {
    const file = join(dir, `${name}.npy`);
    const bytes = await readFile(file).catch(() => undefined);
    if (bytes) out[name] = parseNpy(bytes, file, HINT);
  }
  return out;
}

async function isDir(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

async function fingerprintOf(arg: string | undefined): Promise<SourceFingerprint> {
  if (!arg) throw new BlockqnnError(ErrorCode.INVALID_CONFIG, 'npz: needs a path, e.g. --dataset npz:./data.npz', { hint: HINT });
  const path = resolve(arg);
  const help = { dataset: 'NumPy', hint: HINT };
  if (await isDir(path)) {
    const files: FileFingerprint[] = [];
    for (const name of NAMES) {
      const found = await findFile(path, [`${name}.npy`], help).catch(() => undefined);
      if (found) files.push(found);
      else if (name === 'x_train' || name === 'y_train')
        throw invalidSource(path, `has no ${name}.npy`, `a directory of .npy files needs x_train.npy and y_train.npy; ${HINT}`);
    }
    return { origin: path, files };
  }
  const at = path.lastIndexOf('/');
  return { origin: path, files: [await findFile(path.slice(0, at) || '/', [path.slice(at + 1)], help)] };
}

type Layout = 'NHWC' | 'NCHW' | 'NHW';

function layoutOf(x: NpyArray, where: string, given: DecodeOptions['layout']): Layout {
  const s = x.shape;
  if (s.length === 3) return 'NHW';
  if (s.length !== 4) throw invalidSource(where, `x has shape (${s.join(', ')}); images must be N×H×W, N×H×W×C or N×C×H×W`, HINT);
  if (given) return given === 'nhwc' ? 'NHWC' : 'NCHW';
  const last = s[3] === 1 || s[3] === 3;
  const first = s[1] === 1 || s[1] === 3;
  if (last && !first) return 'NHWC';
  if (first && !last) return 'NCHW';
  if (first && last)
    throw invalidSource(
      where,
      `x has shape (${s.join(', ')}), which reads as N×H×W×C and as N×C×H×W`,
      'name the layout: --layout nhwc or --layout nchw',
    );
  throw invalidSource(
    where,
    `x has shape (${s.join(', ')}): neither the second nor the last axis is 1 or 3 channels`,
    'store images as N×H×W×C or N×C×H×W with 1 (grey) or 3 (RGB) channels',
  );
}

/** Images as channels-last bytes; floats scaled as the note says. */
function imagesOf(x: NpyArray, where: string, layout: Layout): { set: Uint8Array; shape: ImageShape; note: string } {
  const s = x.shape;
  const [n, h, w, c] =
    layout === 'NHW' ? [s[0]!, s[1]!, s[2]!, 1] : layout === 'NHWC' ? [s[0]!, s[1]!, s[2]!, s[3]!] : [s[0]!, s[2]!, s[3]!, s[1]!];
  if (x.descr !== '|u1' && x.descr !== '<f4' && x.descr !== '<f8')
    throw invalidSource(where, `x has dtype ${x.descr}`, 'store images as uint8 (0..255) or float32 (0..1)');
  const view = new DataView(x.bytes.buffer, x.bytes.byteOffset, x.bytes.byteLength);
  const total = n * h * w * c;
  let scale = 1;
  let note = 'uint8';
  if (x.descr !== '|u1') {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < total; i++) {
      const v = numberAt(x, view, i);
      if (Number.isNaN(v)) throw invalidSource(where, `x holds NaN at flat index ${i}`, 'clean the array (np.nan_to_num) before saving');
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (lo < 0 || hi > 255)
      throw invalidSource(
        where,
        `x holds floats in [${lo}, ${hi}]; blockqnn reads pixels in [0, 1] or [0, 255]`,
        'save the raw pixels (uint8), or floats scaled to [0, 1], not normalised ones',
      );
    scale = hi <= 1 ? 255 : 1;
    note =
      scale === 255
        ? `${x.descr === '<f4' ? 'float32' : 'float64'} in [0, 1], scaled by 255`
        : `${x.descr === '<f4' ? 'float32' : 'float64'} in [0, 255]`;
  }
  const out = new Uint8Array(total);
  if (layout === 'NCHW') {
    const plane = h * w;
    for (let i = 0; i < n; i++)
      for (let ch = 0; ch < c; ch++)
        for (let p = 0; p < plane; p++) {
          const from = (i * c + ch) * plane + p;
          out[(i * plane + p) * c + ch] = Math.round(numberAt(x, view, from) * scale);
        }
  } else if (x.descr === '|u1') {
    out.set(x.bytes.subarray(0, total));
  } else {
    for (let i = 0; i < total; i++) out[i] = Math.round(numberAt(x, view, i) * scale);
  }
  return { set: out, shape: [h, w, c], note: `${layout === 'NHW' ? 'N×H×W (grey)' : layout} layout, ${note}` };
}

function labelsOf(y: NpyArray, name: string, count: number, where: string): Uint8Array {
  if (y.shape.length === 2 && y.shape[1]! > 1)
    throw invalidSource(where, `${name} has shape (${y.shape.join(', ')}): one-hot labels`, `save class indices: ${name}.argmax(axis=1)`);
  if (y.descr === '<f4' || y.descr === '<f8' || y.descr.startsWith('<U'))
    throw invalidSource(where, `${name} has dtype ${y.descr}; labels must be integers`, `save ${name}.astype(np.int64)`);
  const n = y.shape[0] ?? 0;
  if (n !== count)
    throw invalidSource(
      where,
      `${name} holds ${n} labels but the matching x holds ${count} images`,
      'save one label per image, in the same order',
    );
  const view = new DataView(y.bytes.buffer, y.bytes.byteOffset, y.bytes.byteLength);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = numberAt(y, view, i);
    if (v < 0 || v > 255)
      throw invalidSource(
        where,
        `${name}[${i}] is ${v}; labels must be class indices 0..K-1 (K <= 256)`,
        'map your labels to 0..K-1 first',
      );
    out[i] = v;
  }
  return out;
}

export const npzSource: SourceKind = {
  scheme: 'npz',
  description: 'NumPy arrays x_train, y_train (+ x_test, y_test, classes) in an .npz file or a directory of .npy files',
  usage: 'npz:PATH',
  options: ['layout'],
  fingerprint: (arg) => fingerprintOf(arg),
  async decode(arg, options): Promise<DecodedPack> {
    const { origin: path } = await fingerprintOf(arg);
    const arrays = (await isDir(path)) ? await readDir(path) : await readZip(path);
    const found = Object.keys(arrays).join(', ') || 'none';
    if (!arrays.x_train || !arrays.y_train)
      throw invalidSource(path, `has no ${arrays.x_train ? 'y_train' : 'x_train'} array (arrays found: ${found})`, HINT);
    if (Boolean(arrays.x_test) !== Boolean(arrays.y_test))
      throw invalidSource(
        path,
        `has ${arrays.x_test ? 'x_test without y_test' : 'y_test without x_test'}`,
        'save both test arrays, or neither (a stratified 20% is then held out)',
      );
    const layout = layoutOf(arrays.x_train, path, options.layout);
    const train = imagesOf(arrays.x_train, path, layout);
    const trainLabels = labelsOf(arrays.y_train, 'y_train', arrays.x_train.shape[0]!, path);
    const names = arrays.classes ? stringsOf(arrays.classes) : undefined;
    const classCount = names?.length ?? Math.max(...trainLabels) + 1;
    checkClassCount(path, classCount, HINT);
    const notes = [train.note];
    const check = (labels: Uint8Array, name: string) => {
      const bad = labels.findIndex((l) => l >= classCount);
      if (bad >= 0)
        throw invalidSource(
          path,
          `${name}[${bad}] is ${labels[bad]}, outside the ${classCount} classes 0..${classCount - 1}${names ? ' of the classes array' : ''}`,
          'labels must index the classes',
        );
    };
    check(trainLabels, 'y_train');
    let pool: ImageSet = { images: train.set, labels: trainLabels, count: trainLabels.length };
    let test: ImageSet;
    if (arrays.x_test && arrays.y_test) {
      const t = imagesOf(
        arrays.x_test,
        path,
        layoutOf(arrays.x_test, path, options.layout ?? (layout === 'NHW' ? undefined : layout === 'NHWC' ? 'nhwc' : 'nchw')),
      );
      if (t.shape.join() !== train.shape.join())
        throw invalidSource(
          path,
          `x_test images are ${t.shape.join('×')}, x_train images ${train.shape.join('×')}`,
          'both sets must have the same image shape',
        );
      const labels = labelsOf(arrays.y_test, 'y_test', arrays.x_test.shape[0]!, path);
      check(labels, 'y_test');
      test = { images: t.set, labels, count: labels.length };
    } else {
      const split = splitOffTest(pool, train.shape, classCount);
      pool = split.pool;
      test = split.test;
      notes.push(split.note);
    }
    return { classes: names ?? Array.from({ length: classCount }, (_, i) => String(i)), shape: train.shape, pool, test, notes };
  },
};
