/**
 * tfjs engine weights ↔ the generated PyTorch module's state_dict, through a
 * checkpoint file, against real PyTorch: weights set in tfjs, written, loaded
 * with `load_state_dict(strict=True)` compute the same outputs in PyTorch; and
 * a state_dict PyTorch wrote, loaded into the compiled tfjs model, computes
 * PyTorch's outputs. Networks: conv, batch norm (image and vector), dense,
 * depthwise conv, squeeze-and-excitation channel scale, shared weights, and the
 * every-op network (transposed and dilated convs, instance norm, an unused branch) and
 * detail-preserving pooling (Lite and Full).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tensor } from '@tensorflow/tfjs';
import { checkpointMetadata, loadCheckpoint, readCheckpoint, writeCheckpoint } from '../../../src/engines/checkpoint.js';
import { type CompiledIr, type Tfjs, compileIr } from '../../../src/engines/tfjs/index.js';
import { loadTorchState, tfjsToTorchState } from '../../../src/engines/tfjs/torch-weights.js';
import { generateTorchModule } from '../../../src/engines/torch/index.js';
import { type CheckedIr, INPUT_ID, IrBuilder, networkCost } from '../../../src/search-space/index.js';
import { PACKAGE_ROOT } from '../../../src/engines/torch/paths.js';
import { torchPython } from '../torch/helpers.js';
import { kitchenSink } from './ops.js';
import { prng, tfjs } from './helpers.js';

/** conv, BN, depthwise conv, SE gate, a conv sharing another's weights, BN on a vector, dense. */
function seNetwork(): CheckedIr {
  const b = new IrBuilder('se-shared', [6, 6, 3]);
  const a = b.relu(b.batchNorm(b.conv(INPUT_ID, { filters: 4, kernel: 3, padding: 1 }, 'stem'), {}, 'bn'));
  const d = b.conv(a, { filters: 8, kernel: 3, padding: 1, groups: 4, bias: true }, 'depthwise');
  const gate = b.sigmoid(b.dense(b.relu(b.dense(b.globalAvgPool(d), { units: 2 }, 'squeeze')), { units: 8 }, 'excite'));
  const s = b.channelScale(d, gate);
  const c1 = b.conv(s, { filters: 8, kernel: 1, bias: true }, 'mix');
  const c2 = b.conv(b.relu(c1), { filters: 8, kernel: 1, bias: true, shareWeightsWith: 'mix' }, 'mix_again');
  const v = b.batchNorm(b.globalAvgPool(b.add([c1, c2])), { epsilon: 1e-3, momentum: 0.2 }, 'bn_vec');
  return b.build(b.dense(v, { units: 5 }, 'classifier'));
}

/** Detail-preserving pooling, Lite (asymmetric, padded) and Full (the learned 3×3 guide). */
function dppNetwork(): CheckedIr {
  const b = new IrBuilder('dpp', [8, 8, 2]);
  const c = b.conv(INPUT_ID, { filters: 3, kernel: 3, padding: 1 }, 'conv');
  const lite = b.dpp(c, { kernel: 3, stride: 2, padding: 1, reward: 'asym' }, 'lite');
  const full = b.dpp(lite, { kernel: 2, variant: 'full' }, 'full');
  return b.build(b.dense(b.globalAvgPool(full), { units: 3 }, 'fc'));
}

const NETWORKS: [string, () => CheckedIr][] = [
  ['SE with shared weights', seNetwork],
  ['detail-preserving pooling', dppNetwork],
  ['every op', () => kitchenSink({ unusedBranch: true })],
];

/** Random values for every variable; BN variances positive; a non-affine BN's frozen gamma/beta kept. */
function randomise(tf: Tfjs, compiled: CompiledIr, seed: number) {
  const random = prng(seed);
  for (const v of compiled.model.layers.flatMap((layer) =>
    layer.trainable ? layer.weights : layer.weights.filter((w) => !/\/(gamma|beta)$/.test(w.originalName)),
  )) {
    const kind = v.originalName.split('/').at(-1)!;
    const n = v.shape.reduce<number>((a, b) => a * (b ?? 1), 1);
    const data = Float32Array.from({ length: n }, () => (kind === 'moving_variance' ? 0.5 + random() : (random() * 2 - 1) * 0.5));
    v.write(tf.tensor(data, v.shape as number[]));
  }
}

const SCRIPT = String.raw`
import json, sys
import torch
sys.path.insert(0, sys.argv[2])
import checkpoint_file

results = []
for case in json.loads(open(sys.argv[1]).read()):
    namespace = {}
    exec(compile(case["source"], "<generated>", "exec"), namespace)
    Network = namespace["Network"]
    h, w, c = Network.INPUT_SHAPE
    x = torch.tensor(case["input"], dtype=torch.float32).reshape(case["batch"], h, w, c)
    net = Network(input_layout="NHWC")
    state, meta = checkpoint_file.read(case["load"])
    net.load_state_dict(state, strict=True)
    net.eval()
    with torch.no_grad():
        y = net(x)
    torch.manual_seed(case["seed"])
    fresh = Network(input_layout="NHWC")
    with torch.no_grad():
        for name, t in fresh.state_dict().items():
            if name.endswith("num_batches_tracked"):
                t.fill_(17)
            elif name.endswith("running_var"):
                t.uniform_(0.5, 1.5)
            else:
                t.uniform_(-0.5, 0.5)
    checkpoint_file.write(case["save"], fresh.state_dict(), {**meta, "engine": "torch"})
    fresh.eval()
    with torch.no_grad():
        z = fresh(x)
    results.append({"output": y.reshape(-1).tolist(), "freshOutput": z.reshape(-1).tolist(), "params": sum(p.numel() for p in net.parameters())})
print(json.dumps(results))
`;

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, label: string) {
  expect(got.length, label).toBe(want.length);
  const scale = Math.max(1, ...Array.from(want, Math.abs));
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
  expect(worst, `${label}: max |difference| ${worst}`).toBeLessThanOrEqual(1e-4 * scale);
}

describe('tfjs weights ↔ PyTorch state_dict', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'blockqnn-torch-weights-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("names and layouts are the generated module's state_dict; sharers have no entries; BN carries num_batches_tracked", async () => {
    const tf = await tfjs();
    const checked = seNetwork();
    const compiled = compileIr(tf, checked);
    const state = tfjsToTorchState(checked, compiled, { batchesTracked: 12 });
    expect(state.map((t) => `${t.name} ${t.dtype} [${t.shape.join(',')}]`)).toEqual([
      'stem.weight F32 [4,3,3,3]',
      'bn.weight F32 [4]',
      'bn.bias F32 [4]',
      'bn.running_mean F32 [4]',
      'bn.running_var F32 [4]',
      'bn.num_batches_tracked I64 []',
      'depthwise.weight F32 [8,1,3,3]',
      'depthwise.bias F32 [8]',
      'squeeze.weight F32 [2,8]',
      'squeeze.bias F32 [2]',
      'excite.weight F32 [8,2]',
      'excite.bias F32 [8]',
      'mix.weight F32 [8,8,1,1]',
      'mix.bias F32 [8]',
      'bn_vec.weight F32 [8]',
      'bn_vec.bias F32 [8]',
      'bn_vec.running_mean F32 [8]',
      'bn_vec.running_var F32 [8]',
      'bn_vec.num_batches_tracked I64 []',
      'classifier.weight F32 [5,8]',
      'classifier.bias F32 [5]',
    ]);
    expect(state.find((t) => t.name.endsWith('num_batches_tracked'))!.data).toEqual(BigInt64Array.from([12n]));
    const params = state.filter((t) => t.dtype === 'F32' && !/running_/.test(t.name)).reduce((sum, t) => sum + t.data.length, 0);
    expect(params).toBe(networkCost(checked).params);
    compiled.model.dispose();
  });

  it("tfjs → checkpoint → PyTorch computes the tfjs outputs, and PyTorch → checkpoint → tfjs computes PyTorch's (within 1e-4)", async () => {
    const tf = await tfjs();
    const python = (await torchPython()).executable;
    const cases = [];
    const expected: Float32Array[] = [];
    const inputs: number[][] = [];
    for (const [i, [name, build]] of NETWORKS.entries()) {
      const checked = build();
      const compiled = compileIr(tf, checked);
      randomise(tf, compiled, 100 + i);
      const random = prng(7 + i);
      const input = Array.from({ length: 2 * checked.ir.input.shape.reduce((a, b) => a * b, 1) }, () => random() * 2 - 1);
      inputs.push(input);
      expected.push((compiled.model.predict(tf.tensor(input, [2, ...checked.ir.input.shape])) as Tensor).dataSync() as Float32Array);
      const file = path.join(dir, `${i}-tfjs.safetensors`);
      await writeFile(
        file,
        writeCheckpoint(
          tfjsToTorchState(checked, compiled),
          checkpointMetadata({ engine: 'tfjs', params: networkCost(checked).params, ir: checked.ir, extra: { name } }),
        ),
      );
      cases.push({
        source: generateTorchModule(checked).source,
        input,
        batch: 2,
        load: file,
        save: path.join(dir, `${i}-torch.safetensors`),
        seed: 3 + i,
      });
      compiled.model.dispose();
    }
    const casesFile = path.join(dir, 'cases.json');
    await writeFile(casesFile, JSON.stringify(cases));
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(
        python,
        ['-B', '-c', SCRIPT, casesFile, path.join(PACKAGE_ROOT, 'src/engines/torch')],
        { timeout: 120_000, maxBuffer: 64 << 20 },
        (e, out, err) => (e ? reject(new Error(`${e.message}\n${err}`)) : resolve(out)),
      ),
    );
    const results = JSON.parse(stdout.trim().split('\n').at(-1)!) as { output: number[]; freshOutput: number[]; params: number }[];

    for (const [i, [name, build]] of NETWORKS.entries()) {
      const checked = build();
      expect(results[i]!.params, name).toBe(networkCost(checked).params);
      expectClose(results[i]!.output, expected[i]!, `${name}: PyTorch with tfjs's weights`);

      const checkpoint = await loadCheckpoint(cases[i]!.save);
      expect(checkpoint.metadata.engine).toBe('torch');
      const compiled = compileIr(tf, checked);
      loadTorchState(tf, checked, compiled, checkpoint.tensors);
      const y = (compiled.model.predict(tf.tensor(inputs[i]!, [2, ...checked.ir.input.shape])) as Tensor).dataSync() as Float32Array;
      expectClose(y, results[i]!.freshOutput, `${name}: tfjs with PyTorch's weights`);
      // Back out of tfjs, the floats are PyTorch's bit for bit (only the batch counter is not kept by tfjs).
      const again = tfjsToTorchState(checked, compiled);
      expect(again.map((t) => t.name)).toEqual([...checkpoint.tensors.keys()]);
      for (const t of again) if (t.dtype === 'F32') expect([...t.data], t.name).toEqual([...checkpoint.tensors.get(t.name)!.data]);
      compiled.model.dispose();
    }
  });

  it('loading is strict: a missing entry, an unexpected one, a wrong shape or dtype is refused by name before any weight changes', async () => {
    const tf = await tfjs();
    const checked = seNetwork();
    const compiled = compileIr(tf, checked);
    const good = readCheckpoint(
      writeCheckpoint(tfjsToTorchState(checked, compiled), checkpointMetadata({ engine: 'tfjs', params: 1, ir: checked.ir })),
    ).tensors;
    const before = (compiled.model.getLayer('stem').getWeights()[0]!.dataSync() as Float32Array).slice();
    const variant = (edit: (m: Map<string, typeof good extends Map<string, infer T> ? T : never>) => void) => {
      const m = new Map([...good].map(([k, t]) => [k, k === 'stem.weight' ? { ...t, data: new Float32Array(t.data.length).fill(9) } : t]));
      edit(m);
      return m;
    };
    expect(() =>
      loadTorchState(
        tf,
        checked,
        compiled,
        variant((m) => m.delete('classifier.bias')),
      ),
    ).toThrow(/"classifier.bias" is missing/);
    expect(() =>
      loadTorchState(
        tf,
        checked,
        compiled,
        variant((m) => m.set('extra.weight', good.get('classifier.bias')!)),
      ),
    ).toThrow(/unexpected entries "extra.weight"/);
    expect(() =>
      loadTorchState(
        tf,
        checked,
        compiled,
        variant((m) => m.set('classifier.weight', { ...good.get('classifier.weight')!, shape: [8, 5] })),
      ),
    ).toThrow(/"classifier.weight" is F32 \[8, 5\], the network needs F32 \[5, 8\]/);
    expect(() =>
      loadTorchState(
        tf,
        checked,
        compiled,
        variant((m) => m.set('stem.weight', { dtype: 'I64', shape: [4, 3, 3, 3], data: new BigInt64Array(108) })),
      ),
    ).toThrow(/"stem.weight" is I64/);
    expect([...(compiled.model.getLayer('stem').getWeights()[0]!.dataSync() as Float32Array)]).toEqual([...before]);
    compiled.model.dispose();
  });
});
