/**
 * NumPy's .npy format (format versions 1–3): magic `\x93NUMPY`, two version
 * bytes, a header length (uint16 LE for v1, uint32 LE after), then a Python
 * dict literal `{'descr': '<f4', 'fortran_order': False, 'shape': (N, 28, 28), }`
 * and the data in C order. Only the dtypes a dataset needs are read.
 */
import { badFile } from '../source-files.js';

export interface NpyArray {
  readonly descr: string;
  readonly shape: readonly number[];
  /** The data bytes (a view; unaligned for multi-byte types, so read with a DataView). */
  readonly bytes: Uint8Array;
}

const ITEM: Record<string, number> = {
  '|u1': 1,
  '|i1': 1,
  '|b1': 1,
  '<u2': 2,
  '<i2': 2,
  '<u4': 4,
  '<i4': 4,
  '<u8': 8,
  '<i8': 8,
  '<f4': 4,
  '<f8': 8,
};

export function parseNpy(data: Uint8Array, where: string, hint: string): NpyArray {
  const magic = Buffer.from(data.buffer, data.byteOffset, Math.min(6, data.length)).toString('latin1');
  if (magic !== '\x93NUMPY') throw badFile(where, 'is not a .npy array (no \\x93NUMPY magic)', hint);
  const major = data[6]!;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const [length, start] = major === 1 ? [view.getUint16(8, true), 10] : [view.getUint32(8, true), 12];
  const header = Buffer.from(data.buffer, data.byteOffset + start, length).toString(major === 3 ? 'utf8' : 'latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined)
    throw badFile(where, `has an unreadable .npy header: ${header.trim()}`, hint);
  if (fortran === 'True')
    throw badFile(where, 'is stored in Fortran order', 'save it in C order: np.savez(..., x_train=np.ascontiguousarray(x_train))');
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const item = ITEM[descr] ?? (/^<U(\d+)$/.test(descr) ? 4 * Number(descr.slice(2)) : undefined);
  if (item === undefined)
    throw badFile(where, `has dtype ${descr}, which blockqnn does not read`, `images as uint8 or float32, labels as integers: ${hint}`);
  const count = shape.reduce((a, b) => a * b, 1);
  const offset = start + length;
  if (data.length - offset !== count * item)
    throw badFile(
      where,
      `holds ${data.length - offset} data bytes, its header (${descr}, shape (${shape.join(', ')})) describes ${count * item}; truncated?`,
      hint,
    );
  return { descr, shape, bytes: data.subarray(offset) };
}

/** Element i of a numeric array as a JavaScript number. */
export function numberAt(array: NpyArray, view: DataView, i: number): number {
  switch (array.descr) {
    case '|u1':
    case '|b1':
      return view.getUint8(i);
    case '|i1':
      return view.getInt8(i);
    case '<u2':
      return view.getUint16(i * 2, true);
    case '<i2':
      return view.getInt16(i * 2, true);
    case '<u4':
      return view.getUint32(i * 4, true);
    case '<i4':
      return view.getInt32(i * 4, true);
    case '<u8':
    case '<i8':
      return Number(view.getBigInt64(i * 8, true));
    case '<f4':
      return view.getFloat32(i * 4, true);
    case '<f8':
      return view.getFloat64(i * 8, true);
    default:
      throw new Error(`no numbers in dtype ${array.descr}`);
  }
}

/** A `<U` (UTF-32) string array's items, trailing NULs dropped. */
export function stringsOf(array: NpyArray): string[] {
  const width = Number(array.descr.slice(2));
  const view = new DataView(array.bytes.buffer, array.bytes.byteOffset, array.bytes.byteLength);
  const out: string[] = [];
  for (let i = 0; i < (array.shape[0] ?? 0); i++) {
    let s = '';
    for (let k = 0; k < width; k++) {
      const code = view.getUint32((i * width + k) * 4, true);
      if (code === 0) break;
      s += String.fromCodePoint(code);
    }
    out.push(s);
  }
  return out;
}
