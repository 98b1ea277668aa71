/**
 * The checkpoint file (safetensors layout): a round trip in TypeScript, every
 * malformed file refused with a clear error, and both directions with real
 * PyTorch — a Python writer/reader written from the format alone (no
 * safetensors library), loading into and saving from a real nn.Module.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHECKPOINT_FORMAT,
  type NamedCheckpointTensor,
  assertCheckpointMatches,
  checkpointMetadata,
  dataDirectory,
  irDigest,
  loadCheckpoint,
  readCheckpoint,
  saveCheckpoint,
  trainingCheckpointPath,
  writeCheckpoint,
} from '../../src/engines/checkpoint.js';
import { IrBuilder, INPUT_ID, networkIrSchema } from '../../src/search-space/index.js';
import { torchPython } from './torch/helpers.js';

const ir = (() => {
  const b = new IrBuilder('ckpt', [4, 4, 2]);
  return b.build(b.dense(b.globalAvgPool(b.conv(INPUT_ID, { filters: 3, kernel: 1 })), { units: 2 })).ir;
})();
const metadata = checkpointMetadata({ engine: 'torch', params: 14, ir, extra: { note: 'hé ✓' } });

const sample = (): NamedCheckpointTensor[] => [
  { name: 'conv.weight', dtype: 'F32', shape: [3, 2, 1, 1], data: Float32Array.from([1, -2, 3.5, Math.PI, -0, 1e-30]) },
  { name: 'bn.num_batches_tracked', dtype: 'I64', shape: [], data: BigInt64Array.from([9007199254740993n]) },
  { name: 'empty', dtype: 'F32', shape: [0, 4], data: new Float32Array(0) },
  { name: 'fc.bias', dtype: 'F32', shape: [2], data: Float32Array.from([0.25, -7]) },
];

/** A header we control, for malformed files. */
function raw(header: unknown, data: Uint8Array = new Uint8Array(0), lengthOverride?: bigint): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(lengthOverride ?? BigInt(json.length));
  return Buffer.concat([head, json, data]);
}

describe('checkpoint file: TypeScript round trip', () => {
  it('writes and reads back names, dtypes, shapes, values (bit for bit) and metadata; data starts 8-byte aligned', () => {
    const bytes = writeCheckpoint(sample(), metadata);
    expect(Number(bytes.readBigUInt64LE(0)) % 8).toBe(0);
    const back = readCheckpoint(bytes);
    expect([...back.tensors.keys()]).toEqual(sample().map((t) => t.name));
    for (const t of sample()) {
      const got = back.tensors.get(t.name)!;
      expect({ dtype: got.dtype, shape: got.shape, data: [...got.data] }).toEqual({ dtype: t.dtype, shape: t.shape, data: [...t.data] });
    }
    expect(Object.is(back.tensors.get('conv.weight')!.data[4], -0)).toBe(true);
    expect(back.metadata).toEqual({ ...metadata });
    expect(back.metadata.format).toBe(CHECKPOINT_FORMAT);
    expect(back.metadata.ir).toBe(irDigest(ir));
  });

  it('reads from an unaligned view of a larger buffer', () => {
    const bytes = writeCheckpoint(sample(), metadata);
    const padded = new Uint8Array(bytes.length + 3);
    padded.set(bytes, 3);
    expect([...readCheckpoint(padded.subarray(3)).tensors.get('fc.bias')!.data]).toEqual([0.25, -7]);
  });

  it('refuses what it must not write', () => {
    expect(() => writeCheckpoint([{ name: 'a', dtype: 'F32', shape: [3], data: new Float32Array(2) }], metadata)).toThrow(
      /"a" has 2 values for shape \[3\]/,
    );
    expect(() => writeCheckpoint([{ name: 'a', dtype: 'I64', shape: [1], data: new Float32Array(1) }], metadata)).toThrow(
      /"a" is I64 but its data is a Float32Array/,
    );
    expect(() => writeCheckpoint([sample()[0]!, sample()[0]!], metadata)).toThrow(/appears twice/);
    expect(() => writeCheckpoint([{ ...sample()[0]!, name: '__metadata__' }], metadata)).toThrow(/reserved/);
    expect(() => writeCheckpoint([], { ...metadata, params: '1.5' })).toThrow(/"params" is "1.5"/);
  });

  it('refuses malformed files with a message that names the problem', () => {
    const m = { ...metadata };
    const four = new Uint8Array(4);
    const cases: [Buffer, RegExp][] = [
      [Buffer.alloc(5), /shorter than the 8-byte header length/],
      [raw({ __metadata__: m }, undefined, 1n << 60n), /header length \d+ exceeds the file/],
      [Buffer.concat([raw({}, undefined, 3n).subarray(0, 8), Buffer.from('{x]')]), /header is not UTF-8 JSON/],
      [raw([1, 2]), /header is not a JSON object/],
      [
        raw({ a: { dtype: 'F16', shape: [2], data_offsets: [0, 4] }, __metadata__: m }, four),
        /"a" has dtype "F16"; blockqnn checkpoints hold F32 and I64 only/,
      ],
      [raw({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 4] }, __metadata__: m }, four), /"a" has 4 bytes for F32 shape \[2\]/],
      [raw({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] }, __metadata__: m }, four), /"a" has shape \[-1\]/],
      [raw({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, __metadata__: m }, four), /"a" spans bytes 0..8 of 4/],
      [
        raw(
          { a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [2, 6] }, __metadata__: m },
          new Uint8Array(6),
        ),
        /"b" overlaps/,
      ],
      [
        raw({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] }, __metadata__: m }, new Uint8Array(8)),
        /4 unused bytes before tensor "a"/,
      ],
      [raw({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, __metadata__: m }, new Uint8Array(6)), /2 bytes after the last tensor/],
      [raw({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, four), /"__metadata__" is missing/],
      [raw({ __metadata__: { ...m, format: 'other/2' } }), /"format" is "other\/2"; expected "blockqnn-checkpoint\/1"/],
      [raw({ __metadata__: { ...m, params: 14 } }), /metadata "params" is 14; safetensors metadata values are strings/],
      [raw({ __metadata__: { ...m, ir: 'abc' } }), /"ir" is "abc"; expected a sha-256/],
    ];
    for (const [bytes, message] of cases) expect(() => readCheckpoint(bytes), String(message)).toThrow(message);
  });

  it('reads data laid out in another order than the header (as the safetensors library writes it)', () => {
    const data = Buffer.alloc(12);
    data.writeFloatLE(1, 0);
    data.writeBigInt64LE(5n, 4);
    const back = readCheckpoint(
      raw(
        {
          z: { dtype: 'I64', shape: [1], data_offsets: [4, 12] },
          a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
          __metadata__: metadata,
        },
        data,
      ),
    );
    expect([back.tensors.get('a')!.data[0], back.tensors.get('z')!.data[0]]).toEqual([1, 5n]);
  });

  it('ties a checkpoint to its IR', () => {
    const other = new IrBuilder('other', [4, 4, 2]);
    const otherIr = other.build(other.globalAvgPool(INPUT_ID)).ir;
    const checkpoint = readCheckpoint(writeCheckpoint([], metadata));
    expect(() => assertCheckpointMatches(checkpoint, ir)).not.toThrow();
    // The same IR read back from JSON with its keys in another order and its defaults filled has the same digest.
    const reordered = JSON.parse(JSON.stringify(networkIrSchema.parse(ir)), (_k, v: unknown) =>
      v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v,
    );
    expect(irDigest(reordered)).toBe(irDigest(ir));
    expect(() => assertCheckpointMatches(checkpoint, otherIr, 'weights.safetensors')).toThrow(
      /weights.safetensors was trained for another network/,
    );
  });
});

describe('checkpoint files on disk', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'blockqnn-ckpt-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('lives under the data directory and is saved atomically', async () => {
    expect(dataDirectory({}, '/x/y')).toBe('/x/y/.blockqnn');
    expect(dataDirectory({ BLOCKQNN_DATA_DIR: 'data' }, '/x/y')).toBe('/x/y/data');
    expect(trainingCheckpointPath(7, '/d')).toBe('/d/checkpoints/training-7.safetensors');
    const file = trainingCheckpointPath(3, dir);
    await saveCheckpoint(file, sample(), metadata);
    expect((await loadCheckpoint(file)).tensors.size).toBe(4);
    await expect(loadCheckpoint(path.join(dir, 'missing.safetensors'))).rejects.toMatchObject({
      code: 'NOT_FOUND',
      hint: expect.stringMatching(/blockqnn train/),
    });
    await writeFile(path.join(dir, 'bad.safetensors'), 'nonsense');
    await expect(loadCheckpoint(path.join(dir, 'bad.safetensors'))).rejects.toThrow(/bad.safetensors: invalid checkpoint: header length/);
  });

  it('PyTorch loads a file written here, and this reader loads one PyTorch wrote (format only, no safetensors library)', async () => {
    const python = (await torchPython()).executable;
    // A reader and a writer written from the format description, around a real nn.Module's state_dict.
    const script = String.raw`
import json, struct, sys
import torch
from torch import nn

def read(path):
    blob = open(path, "rb").read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    meta = header.pop("__metadata__")
    kinds = {"F32": torch.float32, "I64": torch.int64}
    out = {}
    for name, e in header.items():
        b, end = e["data_offsets"]
        t = torch.frombuffer(bytearray(blob[8 + n + b:8 + n + end]), dtype=kinds[e["dtype"]]) if end > b else torch.empty(0, dtype=kinds[e["dtype"]])
        out[name] = t.reshape(e["shape"])
    return out, meta

def write(path, state, meta):
    header, chunks, at = {}, [], 0
    for name, t in state.items():
        t = t.detach().contiguous()
        data = t.numpy().tobytes()
        header[name] = {"dtype": {torch.float32: "F32", torch.int64: "I64"}[t.dtype], "shape": list(t.shape), "data_offsets": [at, at + len(data)]}
        chunks.append(data)
        at += len(data)
    header["__metadata__"] = meta
    h = json.dumps(header).encode()
    open(path, "wb").write(struct.pack("<Q", len(h)) + h + b"".join(chunks))

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 3, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(3)
        self.fc = nn.Linear(3, 2)
    def forward(self, x):
        return self.fc(self.bn(self.conv(x)).mean((2, 3)))

args = json.loads(sys.argv[1])
state, meta = read(args["in"])
net = Net()
net.load_state_dict(state)
x = torch.arange(2 * 2 * 4 * 4, dtype=torch.float32).reshape(2, 2, 4, 4) / 32
net.eval()
with torch.no_grad():
    y = net(x)
torch.manual_seed(3)
fresh = Net()
fresh.bn.running_mean.uniform_()
fresh.bn.num_batches_tracked.fill_(41)
write(args["out"], fresh.state_dict(), {**meta, "engine": "torch", "writer": "python"})
fresh.eval()
with torch.no_grad():
    z = fresh(x)
print(json.dumps({"meta": meta, "output": y.reshape(-1).tolist(), "freshOutput": z.reshape(-1).tolist(),
    "fresh": {k: v.reshape(-1).tolist() for k, v in fresh.state_dict().items()}}))
`;
    // Weights chosen here, the forward pass computed by hand below: conv all ones, BN in eval with known statistics, fc known.
    const ones = new Float32Array(3 * 2 * 3 * 3).fill(1);
    const tensors: NamedCheckpointTensor[] = [
      { name: 'conv.weight', dtype: 'F32', shape: [3, 2, 3, 3], data: ones },
      { name: 'bn.weight', dtype: 'F32', shape: [3], data: Float32Array.from([1, 2, 3]) },
      { name: 'bn.bias', dtype: 'F32', shape: [3], data: Float32Array.from([0, 0, 1]) },
      { name: 'bn.running_mean', dtype: 'F32', shape: [3], data: Float32Array.from([0, 1, 0]) },
      { name: 'bn.running_var', dtype: 'F32', shape: [3], data: Float32Array.from([1 - 1e-5, 1 - 1e-5, 4 - 1e-5]) },
      { name: 'bn.num_batches_tracked', dtype: 'I64', shape: [], data: BigInt64Array.from([12n]) },
      { name: 'fc.weight', dtype: 'F32', shape: [2, 3], data: Float32Array.from([1, 0, 0, 0, 1, 1]) },
      { name: 'fc.bias', dtype: 'F32', shape: [2], data: Float32Array.from([0.5, -0.5]) },
    ];
    const input = path.join(dir, 'from-ts.safetensors');
    const output = path.join(dir, 'from-py.safetensors');
    await writeFile(input, writeCheckpoint(tensors, metadata));
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(python, ['-B', '-c', script, JSON.stringify({ in: input, out: output })], { timeout: 60_000 }, (e, out, err) =>
        e ? reject(new Error(`${e.message}\n${err}`)) : resolve(out),
      ),
    );
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      meta: Record<string, string>;
      output: number[];
      freshOutput: number[];
      fresh: Record<string, number[]>;
    };
    expect(result.meta).toEqual({ ...metadata });
    // The expected output, by hand: conv of all ones sums the 3x3 zero-padded neighbourhood over both channels; the mean over space is then
    // the same for all three conv channels: m = mean of those sums.
    const x = Array.from({ length: 64 }, (_, i) => i / 32);
    const sums: number[] = [];
    for (let n = 0; n < 2; n++) {
      let total = 0;
      for (let i = 0; i < 4; i++)
        for (let j = 0; j < 4; j++)
          for (let c = 0; c < 2; c++)
            for (let di = -1; di <= 1; di++)
              for (let dj = -1; dj <= 1; dj++) {
                const a = i + di,
                  b = j + dj;
                if (a >= 0 && a < 4 && b >= 0 && b < 4) total += x[n * 16 * 2 + c * 16 + a * 4 + b]!;
              }
      sums.push(total / 16);
    }
    const expected = sums.flatMap((m) => {
      const bn = [m * 1 + 0, (m - 1) * 2, (m / 2) * 3 + 1];
      return [bn[0]! + 0.5, bn[1]! + bn[2]! - 0.5];
    });
    result.output.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 4));

    const back = await loadCheckpoint(output);
    expect(back.metadata).toEqual({ ...metadata, engine: 'torch', writer: 'python' });
    expect([...back.tensors.keys()]).toEqual([
      'conv.weight',
      'bn.weight',
      'bn.bias',
      'bn.running_mean',
      'bn.running_var',
      'bn.num_batches_tracked',
      'fc.weight',
      'fc.bias',
    ]);
    expect(back.tensors.get('conv.weight')!.shape).toEqual([3, 2, 3, 3]);
    expect(back.tensors.get('fc.weight')!.shape).toEqual([2, 3]);
    expect(back.tensors.get('bn.num_batches_tracked')).toEqual({ dtype: 'I64', shape: [], data: BigInt64Array.from([41n]) });
    for (const [name, values] of Object.entries(result.fresh)) {
      if (name.endsWith('num_batches_tracked')) continue;
      expect([...back.tensors.get(name)!.data], name).toEqual(values.map(Math.fround));
    }
    // And TS writes the PyTorch-written tensors back byte-identical in data.
    const again = readCheckpoint(
      writeCheckpoint(
        [...back.tensors].map(([name, t]) => ({ name, ...t })),
        back.metadata,
      ),
    );
    expect([...again.tensors.get('bn.running_mean')!.data]).toEqual([...back.tensors.get('bn.running_mean')!.data]);
    expect((await readFile(output)).length).toBeGreaterThan(8);
  });
});
