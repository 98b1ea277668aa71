/**
 * A trained model's weights as one file in the safetensors layout
 * (https://github.com/huggingface/safetensors — the format only, no library on
 * either side): 8 bytes little-endian u64 N, N bytes of UTF-8 JSON header, then
 * the raw little-endian C-order data. Tensor names are the PyTorch
 * `state_dict()` keys of the module `codegen.ts` generates, in PyTorch layouts,
 * so `Network().load_state_dict(...)` takes a checkpoint as is; the tfjs side
 * converts (`tfjs/torch-weights.ts`).
 *
 * `__metadata__` carries "format" (`blockqnn-checkpoint/1`), "engine", "params"
 * (trainable parameter count, decimal) and "ir" (sha-256 hex of the parsed
 * IR's JSON), so a checkpoint is never loaded into a network it was not trained for.
 */
import { createHash, randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import path from 'node:path';
import { noCheckpointDirectory } from '../common/checkpoint-dir.js';
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import { type NetworkIr, networkIrSchema } from '../search-space/index.js';

export const CHECKPOINT_FORMAT = 'blockqnn-checkpoint/1';

export type CheckpointDtype = 'F32' | 'I64';

export interface CheckpointTensor {
  readonly dtype: CheckpointDtype;
  readonly shape: readonly number[];
  readonly data: Float32Array | BigInt64Array;
}

export interface NamedCheckpointTensor extends CheckpointTensor {
  readonly name: string;
}

/** Required keys; writers may add others (strings only, as safetensors demands). */
export interface CheckpointMetadata {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly engine: string;
  readonly params: string;
  readonly ir: string;
  readonly [key: string]: string;
}

export interface Checkpoint {
  readonly tensors: Map<string, CheckpointTensor>;
  readonly metadata: CheckpointMetadata;
}

const BYTES: Record<CheckpointDtype, number> = { F32: 4, I64: 8 };
/** Far above any network the IR allows; guards against reading a garbage length as a 2^60-byte header. */
const MAX_HEADER_BYTES = 100 << 20;
const METADATA_KEY = '__metadata__';

const invalid = (
  message: string,
  hint = 'the file is not a blockqnn checkpoint or is damaged; train the candidate again or pass another --weights file',
) => new BlockqnnError(ErrorCode.INVALID_INPUT, `invalid checkpoint: ${message}`, { hint });

function assertLittleEndianHost(): void {
  // Typed arrays use the host's byte order; every platform Node ships for is little-endian, but say so rather than corrupt weights.
  if (endianness() !== 'LE') throw new BlockqnnError(ErrorCode.INTERNAL, 'checkpoints are little-endian and this host is big-endian');
}

/**
 * sha-256 hex of the parsed IR's JSON: the "ir" metadata that ties a checkpoint
 * to its network. Parsing first (defaults filled, keys in schema order) makes
 * the digest the same for an IR built in memory and the same IR read back from
 * the database or a file.
 */
export function irDigest(ir: NetworkIr): string {
  const parsed = networkIrSchema.safeParse(ir);
  return createHash('sha256')
    .update(JSON.stringify(parsed.success ? parsed.data : ir))
    .digest('hex');
}

/** The required metadata for a network, plus any extra string keys. */
export function checkpointMetadata(options: {
  engine: string;
  params: number;
  ir: NetworkIr;
  extra?: Record<string, string>;
}): CheckpointMetadata {
  return { ...options.extra, format: CHECKPOINT_FORMAT, engine: options.engine, params: String(options.params), ir: irDigest(options.ir) };
}

const elements = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function checkShape(name: string, shape: unknown): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0))
    throw invalid(`tensor "${name}" has shape ${JSON.stringify(shape)}; expected a list of non-negative integers`);
  return shape as number[];
}

function checkMetadata(metadata: unknown): CheckpointMetadata {
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata))
    throw invalid(`"${METADATA_KEY}" is missing or not an object`);
  const m = metadata as Record<string, unknown>;
  for (const [key, value] of Object.entries(m))
    if (typeof value !== 'string') throw invalid(`metadata "${key}" is ${JSON.stringify(value)}; safetensors metadata values are strings`);
  if (m.format !== CHECKPOINT_FORMAT)
    throw invalid(`metadata "format" is ${JSON.stringify(m.format ?? null)}; expected "${CHECKPOINT_FORMAT}"`);
  if (typeof m.engine !== 'string' || m.engine === '') throw invalid('metadata "engine" is missing');
  if (typeof m.params !== 'string' || !/^(0|[1-9][0-9]*)$/.test(m.params))
    throw invalid(`metadata "params" is ${JSON.stringify(m.params ?? null)}; expected a decimal count`);
  if (typeof m.ir !== 'string' || !/^[0-9a-f]{64}$/.test(m.ir))
    throw invalid(`metadata "ir" is ${JSON.stringify(m.ir ?? null)}; expected a sha-256 hex digest`);
  return m as CheckpointMetadata;
}

/**
 * Serialises tensors (in the given order) and metadata.
 *
 * @example
 * const bytes = writeCheckpoint([{ name: 'c1.weight', dtype: 'F32', shape: [4, 3, 3, 3], data }], checkpointMetadata({ engine: 'torch', params, ir }));
 */
export function writeCheckpoint(tensors: readonly NamedCheckpointTensor[], metadata: CheckpointMetadata): Buffer {
  assertLittleEndianHost();
  const meta = checkMetadata(metadata);
  const header: Record<string, unknown> = {};
  const parts: Buffer[] = [];
  let offset = 0;
  for (const t of tensors) {
    if (t.name === '' || t.name === METADATA_KEY) throw invalid(`tensor name ${JSON.stringify(t.name)} is reserved`);
    if (t.name in header) throw invalid(`tensor "${t.name}" appears twice`);
    const shape = checkShape(t.name, t.shape);
    const wanted = t.dtype === 'F32' ? Float32Array : t.dtype === 'I64' ? BigInt64Array : undefined;
    if (!wanted) throw invalid(`tensor "${t.name}" has dtype ${JSON.stringify(t.dtype)}; only F32 and I64 are written`);
    if (!(t.data instanceof wanted)) throw invalid(`tensor "${t.name}" is ${t.dtype} but its data is a ${t.data.constructor.name}`);
    if (t.data.length !== elements(shape)) throw invalid(`tensor "${t.name}" has ${t.data.length} values for shape [${shape.join(', ')}]`);
    const bytes = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    header[t.name] = { dtype: t.dtype, shape, data_offsets: [offset, offset + bytes.length] };
    parts.push(bytes);
    offset += bytes.length;
  }
  header[METADATA_KEY] = meta;
  let json = JSON.stringify(header);
  // The reference writer pads the header with spaces so the data starts 8-byte aligned; readers then may map it in place.
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  return Buffer.concat([head, Buffer.from(json, 'utf8'), ...parts]);
}

/** Parses and validates a checkpoint: header, dtypes, shapes, offsets tiling the data exactly, and the metadata. */
export function readCheckpoint(buffer: Uint8Array): Checkpoint {
  assertLittleEndianHost();
  const bytes = Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  if (bytes.length < 8) throw invalid(`${bytes.length} bytes is shorter than the 8-byte header length`);
  const n = bytes.readBigUInt64LE(0);
  if (n > BigInt(Math.min(MAX_HEADER_BYTES, bytes.length - 8)))
    throw invalid(`header length ${n} exceeds the file (${bytes.length} bytes)`);
  const dataStart = 8 + Number(n);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart)));
  } catch (error) {
    throw invalid(`header is not UTF-8 JSON (${(error as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw invalid('header is not a JSON object');
  const dataLength = bytes.length - dataStart;
  const tensors = new Map<string, CheckpointTensor>();
  const spans: [number, number, string][] = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === METADATA_KEY) continue;
    if (entry === null || typeof entry !== 'object') throw invalid(`tensor "${name}" has no description`);
    const { dtype, shape: rawShape, data_offsets: offsets } = entry as Record<string, unknown>;
    if (dtype !== 'F32' && dtype !== 'I64')
      throw invalid(
        `tensor "${name}" has dtype ${JSON.stringify(dtype)}; blockqnn checkpoints hold F32 and I64 only`,
        'save the state_dict as float32 (int64 for num_batches_tracked)',
      );
    const shape = checkShape(name, rawShape);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0))
      throw invalid(`tensor "${name}" has data_offsets ${JSON.stringify(offsets)}`);
    const [begin, end] = offsets as [number, number];
    if (end < begin || end > dataLength) throw invalid(`tensor "${name}" spans bytes ${begin}..${end} of ${dataLength}`);
    if (end - begin !== elements(shape) * BYTES[dtype])
      throw invalid(`tensor "${name}" has ${end - begin} bytes for ${dtype} shape [${shape.join(', ')}]`);
    // Copied so the typed array is aligned whatever the header length was.
    const raw = new Uint8Array(bytes.subarray(dataStart + begin, dataStart + end));
    const data = dtype === 'F32' ? new Float32Array(raw.buffer, 0, raw.length / 4) : new BigInt64Array(raw.buffer, 0, raw.length / 8);
    tensors.set(name, { dtype, shape, data });
    spans.push([begin, end, name]);
  }
  spans.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let at = 0;
  for (const [begin, end, name] of spans) {
    if (begin !== at)
      throw invalid(begin < at ? `tensor "${name}" overlaps the one before it` : `${begin - at} unused bytes before tensor "${name}"`);
    at = end;
  }
  if (at !== dataLength) throw invalid(`${dataLength - at} bytes after the last tensor`);
  return { tensors, metadata: checkMetadata((header as Record<string, unknown>)[METADATA_KEY]) };
}

/** `$BLOCKQNN_DATA_DIR`, else `.blockqnn` under the working directory (beside `.blockqnn/cache`). */
export function dataDirectory(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  const given = env.BLOCKQNN_DATA_DIR?.trim();
  return path.resolve(cwd, given || '.blockqnn');
}

/**
 * Where trainings collected before checkpoints lived with their store kept their
 * weights: `<dataDir>/checkpoints/training-<id>.safetensors`. Those rows hold
 * this absolute path, and it keeps working; nothing writes there any more,
 * because the row id alone let two databases overwrite each other's file.
 */
export function trainingCheckpointPath(trainingId: string | number, dataDir: string = dataDirectory()): string {
  return path.join(dataDir, 'checkpoints', `training-${trainingId}.safetensors`);
}

/**
 * A final training's checkpoint file name: `training-<id>-<content>.safetensors`,
 * where content is the first 16 hex digits of the bytes' sha-256. Unique across
 * databases and runs (two trainings numbered 1 in two databases have different
 * weights), and the same for the same bytes, so two processes collecting one
 * result write one file. Stored in the training row as is, relative to the
 * store's checkpoint folder.
 */
export function trainingCheckpointName(trainingId: number, bytes: Uint8Array): string {
  return `training-${trainingId}-${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}.safetensors`;
}

/**
 * The file a training row's `checkpointPath` names: a bare file name lies in the
 * store's checkpoint folder; an absolute path (rows collected before) is used as
 * is; a relative path with folders is read under the data directory, as before.
 */
export function resolveCheckpointFile(stored: string, checkpointDir: string | null, dataDir: string = dataDirectory()): string {
  if (path.isAbsolute(stored)) return stored;
  if (path.basename(stored) === stored) {
    if (checkpointDir === null) throw noCheckpointDirectory();
    return path.join(checkpointDir, stored);
  }
  return path.resolve(dataDir, stored);
}

/** Writes next to the target and links it into place, so a reader never sees half a checkpoint; never replaces an existing file. */
export async function saveCheckpoint(file: string, tensors: readonly NamedCheckpointTensor[], metadata: CheckpointMetadata): Promise<void> {
  await saveCheckpointBytes(file, writeCheckpoint(tensors, metadata));
}

/**
 * `saveCheckpoint` for bytes already in the checkpoint format (as a worker hands
 * them back). A file already at `file` is never replaced: holding these very
 * bytes it is the same checkpoint (another process collected it first) and
 * this is a no-op; holding others it is an error.
 */
export async function saveCheckpointBytes(file: string, bytes: Uint8Array): Promise<void> {
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(temporary, bytes);
    // link() fails with EEXIST instead of replacing, unlike rename().
    await link(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      const existing = await readFile(file).catch(() => null);
      if (existing && Buffer.compare(existing, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)) === 0) return;
      throw new BlockqnnError(
        ErrorCode.IO_ERROR,
        `cannot write checkpoint ${file}: another checkpoint is already there, and checkpoints are never overwritten`,
        {
          hint: 'move that file away if it is not needed, then collect the training again (blockqnn trainings)',
        },
      );
    }
    throw new BlockqnnError(ErrorCode.IO_ERROR, `cannot write checkpoint ${file}: ${(error as Error).message}`, {
      cause: error,
      hint: `make the checkpoint folder ${path.dirname(file)} writable`,
    });
  } finally {
    await rm(temporary, { force: true });
  }
}

/** Reads and validates a checkpoint file; a missing file is NOT_FOUND. */
export async function loadCheckpoint(file: string): Promise<Checkpoint> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new BlockqnnError(ErrorCode.NOT_FOUND, `checkpoint ${file} does not exist`, {
        cause: error,
        hint: 'train the candidate (blockqnn train) or pass an existing --weights file',
      });
    throw new BlockqnnError(ErrorCode.IO_ERROR, `cannot read checkpoint ${file}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return readCheckpoint(bytes);
  } catch (error) {
    if (error instanceof BlockqnnError)
      throw new BlockqnnError(error.code, `${file}: ${error.message}`, { hint: error.hint, cause: error });
    throw error;
  }
}

/**
 * Checks that a checkpoint belongs to this IR (same digest) — loading weights
 * into another network would fail late or, worse, silently when shapes agree.
 */
export function assertCheckpointMatches(checkpoint: Checkpoint, ir: NetworkIr, source = 'checkpoint'): void {
  const expected = irDigest(ir);
  if (checkpoint.metadata.ir !== expected) {
    throw new BlockqnnError(
      ErrorCode.INVALID_INPUT,
      `${source} was trained for another network (IR digest ${checkpoint.metadata.ir.slice(0, 12)}…, this candidate's is ${expected.slice(0, 12)}…)`,
      {
        hint: 'pass the checkpoint of this candidate, or omit --weights to use its latest final training',
      },
    );
  }
}
