/**
 * IDX files (LeCun's MNIST format, also Fashion-MNIST's): a big-endian header
 * `00 00 <type> <ndims>` followed by ndims uint32 sizes, then the data, row-major.
 * Only type 0x08 (unsigned byte) is used by these datasets. Every check names the
 * file, because a wrong or half-downloaded file is the usual failure.
 */
import { badFile, readMaybeGzip } from './source-files.js';

/** A parsed IDX array; `data` is a view into the file's bytes (no copy). */
export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

/** Magic numbers of the two kinds of file the datasets use. */
export const IDX_LABELS_MAGIC = 0x00000801;
export const IDX_IMAGES_MAGIC = 0x00000803;

const TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'short',
  0x0c: 'int',
  0x0d: 'float',
  0x0e: 'double',
};

function hex32(value: number): string {
  return `0x${(value >>> 0).toString(16).padStart(8, '0')}`;
}

/** Parses IDX bytes already read (and gunzipped) from `file`; `file` only names it in errors. */
export function parseIdx(bytes: Uint8Array, file: string, hint: string): IdxArray {
  if (bytes.length < 4) throw badFile(file, `is ${bytes.length} bytes long, too short for an IDX header`, hint);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw badFile(
      file,
      `wrong magic number ${hex32(magic)}: not an IDX file (expected ${hex32(IDX_LABELS_MAGIC)} for labels or ${hex32(IDX_IMAGES_MAGIC)} for images)`,
      hint,
    );
  }
  const type = bytes[2]!;
  if (type !== 0x08) {
    throw badFile(
      file,
      `IDX data type ${hex32(magic)} (${TYPE_NAMES[type] ?? 'unknown'}) is not supported: expected unsigned bytes (0x08)`,
      hint,
    );
  }
  const ndims = bytes[3]!;
  const headerBytes = 4 + 4 * ndims;
  if (ndims === 0 || bytes.length < headerBytes) {
    throw badFile(file, `IDX header declares ${ndims} dimensions but the file is ${bytes.length} bytes long`, hint);
  }
  const dims: number[] = [];
  for (let d = 0; d < ndims; d++) dims.push(view.getUint32(4 + 4 * d));
  const expected = dims.reduce((a, b) => a * b, 1);
  const actual = bytes.length - headerBytes;
  const described = `${dims.join(' × ')} = ${expected} data bytes`;
  if (actual < expected) {
    throw badFile(file, `truncated: the header describes ${described} but only ${actual} follow; the download is incomplete`, hint);
  }
  if (actual > expected) {
    throw badFile(file, `wrong size: the header describes ${described} but ${actual} follow; wrong or corrupt file`, hint);
  }
  // A plain Uint8Array view, not a Buffer, so every dataset array has the same type.
  return { dims, data: new Uint8Array(bytes.buffer, bytes.byteOffset + headerBytes, expected) };
}

/** Reads an IDX file, gzip-compressed or raw, and checks its magic number and dimension count. */
export async function readIdxFile(file: string, expectedMagic: number, hint: string): Promise<IdxArray> {
  const idx = parseIdx(await readMaybeGzip(file, hint), file, hint);
  const magic = 0x0800 | idx.dims.length;
  if (magic !== expectedMagic) {
    const kind = expectedMagic === IDX_IMAGES_MAGIC ? 'an images file (3 dimensions)' : 'a labels file (1 dimension)';
    throw badFile(
      file,
      `magic number ${hex32(magic)} (${idx.dims.length} dimensions) where ${kind} with magic ${hex32(expectedMagic)} was expected; are the files swapped?`,
      hint,
    );
  }
  return idx;
}
