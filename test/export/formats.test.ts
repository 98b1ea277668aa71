/**
 * Every export format checked by its real consumer: the JSON rebuilds the same
 * hash and IR; PyTorch imports the module and its state_dict (parameter count,
 * output shape, the tfjs engine's outputs); onnxruntime-node runs the ONNX file
 * (PyTorch's outputs within 1e-4 at batch 1 and 3); @tensorflow/tfjs loads the
 * tfjs export over HTTP without custom classes (the engine's outputs); the SVG
 * parses as XML (Python's ElementTree) and names every layer; the PNG is a PNG.
 */
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LayersModel, Tensor } from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { type ExportSubject, exporters, rebuildFromExport, runExport } from '../../src/export/index.js';
import { runPythonExport } from '../../src/export/python-export.js';
import { writeCheckpoint } from '../../src/engines/checkpoint.js';
import { createHash } from 'node:crypto';
import { buildNb201Network, networkCost, parseNb201, parseNsc, LayerType } from '../../src/search-space/index.js';
import { kitchenSink } from '../engines/tfjs/ops.js';
import { tfjs } from '../engines/tfjs/helpers.js';
import { BLOCK, maxDifference, python, randomInput, subjectFor, toNchw, withRandomWeights } from './helpers.js';

let root: string;
const out = (name: string) => path.join(root, name);
const exportAs = (format: string, subject: ExportSubject, dir: string) =>
  runExport({ exporter: exporters().get(format), subjects: [subject], out: dir, cwd: root, env: {} });

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'blockqnn-export-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('export formats, each checked by its consumer', () => {
  const batch = 3;
  let trained: Awaited<ReturnType<typeof withRandomWeights>>;
  let input: number[];
  beforeAll(async () => {
    const subject = subjectFor();
    input = randomInput(11, batch, subject.checked.ir.input.shape);
    trained = await withRandomWeights(subject, 5, input, batch);
  });

  it('json: rebuilding from the code and options alone gives the same hash and IR; the file carries cost, metrics, recipe and provenance', async () => {
    const { dir, files } = await exportAs('json', trained.subject, out('json'));
    expect(files).toEqual(['architecture.json']);
    const json = JSON.parse(await readFile(path.join(dir, 'architecture.json'), 'utf8'));
    const rebuilt = rebuildFromExport(json);
    expect(rebuilt.hash).toBe(trained.subject.candidate.hash);
    expect(rebuilt.ir).toEqual(trained.subject.checked.ir);
    expect(json.ir).toEqual(trained.subject.checked.ir);
    expect(json.cost.params).toBe(networkCost(trained.subject.checked).params);
    expect(json.metrics).toMatchObject({ accuracy: 0.875, reward: 0.81, status: 'ok' });
    expect(json.training.recipe).toEqual(
      trained.subject.run.config.task && (trained.subject.run.config.task as { recipe: unknown }).recipe,
    );
    expect(json.provenance.run).toEqual({ id: 'run1', name: 'test run', strategy: 'q-learning', engine: 'tfjs', seed: 7 });
    expect(json.provenance.versions).toMatchObject({
      blockqnn: expect.any(String),
      node: process.versions.node,
      torch: expect.stringMatching(/^\d+\.\d+/),
    });
    expect(json.provenance.weights.metadata.format).toBe('blockqnn-checkpoint/1');
  });

  it("pytorch: the module imports with only torch, has the IR's parameters and output shape, and with state_dict.pt computes the engine's outputs", async () => {
    const { dir, files } = await exportAs('pytorch', trained.subject, out('pytorch'));
    expect(files.sort()).toEqual(['network.py', 'state_dict.pt']);
    const source = await readFile(path.join(dir, 'network.py'), 'utf8');
    expect(source.match(/^(import|from) \S+/gm)!.map((l) => l.split(' ')[1]!.split('.')[0])).toEqual(['torch', 'torch', 'torch']);
    const shape = trained.subject.checked.ir.input.shape;
    const result = await python<{ params: number; shape: number[]; output: number[] }>(
      String.raw`
import json, sys, importlib.util, torch
spec = importlib.util.spec_from_file_location("network", sys.argv[1] + "/network.py")
module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)
net = module.Network(); net.load_state_dict(torch.load(sys.argv[1] + "/state_dict.pt")); net.eval()
x = torch.tensor(json.loads(sys.argv[2]), dtype=torch.float32).reshape(int(sys.argv[3]), *net.INPUT_SHAPE).permute(0, 3, 1, 2)
with torch.no_grad(): y = net(x)
print(json.dumps({"params": sum(p.numel() for p in net.parameters()), "shape": list(y.shape[1:]), "output": y.reshape(-1).tolist()}))
`,
      [dir, JSON.stringify(input), String(batch)],
    );
    expect(result.params).toBe(networkCost(trained.subject.checked).params);
    expect(result.shape).toEqual([...trained.subject.checked.shapes.get(trained.subject.checked.ir.output)!]);
    expect(maxDifference(result.output, trained.engineOutput)).toBeLessThanOrEqual(1e-4);
    expect(shape).toEqual([8, 8, 1]);
  });

  it('pytorch without weights: only the module', async () => {
    const { files, weights } = await exportAs('pytorch', subjectFor(), out('pytorch-untrained'));
    expect(files).toEqual(['network.py']);
    expect(weights).toEqual([{ hash: subjectFor().candidate.hash, source: null }]);
  });

  it('onnx: onnxruntime-node matches PyTorch within 1e-4 at batch sizes 1 and 3 (dynamic batch axis)', async () => {
    const { dir, files } = await exportAs('onnx', trained.subject, out('onnx'));
    expect(files).toEqual(['model.onnx']);
    expect(await readdir(dir)).toEqual(['model.onnx']);
    const shape = trained.subject.checked.ir.input.shape;
    const nchw = toNchw(input, batch, shape);
    const per = nchw.length / batch;
    const batches = [nchw.slice(0, per), nchw];
    // PyTorch's outputs on the same weights, from the generated module.
    const scratch = await mkdtemp(path.join(root, 'torch-'));
    const { writeFile } = await import('node:fs/promises');
    const { generateTorchModule } = await import('../../src/engines/torch/index.js');
    await writeFile(path.join(scratch, 'net.py'), generateTorchModule(trained.subject.checked).source);
    await writeFile(
      path.join(scratch, 'w.safetensors'),
      writeCheckpoint(
        [...trained.checkpoint.tensors].map(([name, t]) => ({ name, ...t })),
        trained.checkpoint.metadata,
      ),
    );
    const torch = await runPythonExport(
      { module: path.join(scratch, 'net.py'), checkpoint: path.join(scratch, 'w.safetensors'), probe: batches },
      'probe',
    );
    const session = await ort.InferenceSession.create(path.join(dir, 'model.onnx'));
    expect(session.inputNames).toEqual(['input']);
    for (const [i, data] of batches.entries()) {
      const n = data.length / per;
      const result = await session.run({ input: new ort.Tensor('float32', Float32Array.from(data), [n, shape[2], shape[0], shape[1]]) });
      const y = result.output!;
      expect(y.dims).toEqual([n, 4]);
      expect(maxDifference(y.data as Float32Array, torch.outputs[i]!), `batch ${n}`).toBeLessThanOrEqual(1e-4);
    }
    expect(maxDifference(torch.outputs[1]!, trained.engineOutput)).toBeLessThanOrEqual(1e-4);
    await session.release();
  });

  describe('tfjs', () => {
    let server: Server;
    let base: string;
    beforeAll(async () => {
      server = createServer(async (req, res) => {
        try {
          const file = path.join(root, decodeURIComponent(new URL(req.url!, 'http://x').pathname));
          if (!file.startsWith(root)) throw new Error('outside');
          res
            .writeHead(200, { 'content-type': file.endsWith('.json') ? 'application/json' : 'application/octet-stream' })
            .end(await readFile(file));
        } catch {
          res.writeHead(404).end();
        }
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it("tf.loadLayersModel over HTTP reads it with built-in layers only and computes the engine's outputs", async () => {
      const { files } = await exportAs('tfjs', trained.subject, out('tfjs'));
      expect(files).toEqual(['model.json', 'weights.bin']);
      const modelJson = JSON.parse(await readFile(path.join(out('tfjs'), 'model.json'), 'utf8'));
      const classes = new Set<string>(
        ((modelJson.modelTopology.model_config ?? modelJson.modelTopology).config.layers as { class_name: string }[]).map(
          (l) => l.class_name,
        ),
      );
      expect([...classes].filter((c) => c.startsWith('Blockqnn'))).toEqual([]);
      const tf = await tfjs();
      const builtins = new Set([
        'InputLayer',
        'Conv2D',
        'DepthwiseConv2D',
        'Conv2DTranspose',
        'ZeroPadding2D',
        'Cropping2D',
        'MaxPooling2D',
        'AveragePooling2D',
        'GlobalAveragePooling2D',
        'GlobalMaxPooling2D',
        'BatchNormalization',
        'ReLU',
        'LeakyReLU',
        'Activation',
        'Add',
        'Concatenate',
        'Multiply',
        'Reshape',
        'Dense',
        'Flatten',
        'Dropout',
        'UpSampling2D',
      ]);
      expect([...classes].filter((c) => !builtins.has(c))).toEqual([]);
      const model: LayersModel = await tf.loadLayersModel(`${base}/tfjs/model.json`);
      const y = (model.predict(tf.tensor(input, [batch, ...trained.subject.checked.ir.input.shape])) as Tensor).dataSync();
      expect(maxDifference(y, trained.engineOutput)).toBeLessThanOrEqual(1e-4);
      expect(model.countParams()).toBe(
        networkCost(trained.subject.checked).params +
          model.nonTrainableWeights.reduce((s, w) => s + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1), 0),
      );
      model.dispose();
    });

    it('refuses an op without an exact built-in layer, naming op and node, and leaves nothing behind', async () => {
      const sink = kitchenSink();
      const subject: ExportSubject = { ...subjectFor(), checked: sink };
      await expect(exportAs('tfjs', subject, out('tfjs-sink'))).rejects.toMatchObject({
        code: 'INVALID_INPUT',
        message: expect.stringMatching(/^unsupported op for the tfjs format: node "grouped" \(conv2d\) has 2 groups over 8 channels/),
        hint: expect.stringMatching(/pytorch or onnx/),
      });
      expect((await readdir(root)).filter((f) => f.includes('tfjs-sink'))).toEqual([]);
    });
  });

  it('svg: parses as XML and names every block layer and every network stage; png: a PNG at twice the size', async () => {
    const subject = trained.subject;
    const { dir } = await exportAs('svg', subject, out('svg'));
    const parsed = await python<{ root: string; width: number; height: number; texts: string[] }>(
      String.raw`
import json, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = "{http://www.w3.org/2000/svg}"
print(json.dumps({"root": root.tag, "width": float(root.get("width")), "height": float(root.get("height")), "texts": ["".join(t.itertext()) for t in root.iter(ns + "text")]}))
`,
      [path.join(dir, 'architecture.svg')],
    );
    expect(parsed.root).toBe('{http://www.w3.org/2000/svg}svg');
    const block = parseNsc(BLOCK).filter((l) => l.type !== LayerType.terminal);
    for (const layer of block)
      expect(
        parsed.texts.some((t) => t.startsWith(`L${layer.index} `)),
        `layer ${layer.index}`,
      ).toBe(true);
    expect(parsed.texts).toEqual(
      expect.arrayContaining([
        'L1 conv 3×3',
        'L2 max pool 3×3',
        'L3 avg pool 3×3',
        'L4 conv 5×5',
        'L5 add',
        'L6 identity',
        'L7 concat',
        'L8 conv 1×1',
        'input',
        'output (concat)',
      ]),
    );
    const stages = [...new Set(subject.checked.ir.nodes.map((n) => n.id.split('/')[0]!))];
    for (const stage of stages)
      expect(
        parsed.texts.some((t) => t.startsWith(`${stage}: `)),
        stage,
      ).toBe(true);

    const png = await exportAs('png', subject, out('png'));
    const bytes = await readFile(path.join(png.dir, 'architecture.png'));
    expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([Math.ceil(parsed.width) * 2, Math.ceil(parsed.height) * 2]);
  });

  it('a NAS-Bench-201 cell: the JSON rebuilds the same hash and IR, the picture names every edge op', async () => {
    const arch = '|nor_conv_3x3~0|+|avg_pool_3x3~0|none~1|+|nor_conv_1x1~0|skip_connect~1|none~2|';
    const checked = buildNb201Network(parseNb201(arch), { inputShape: [8, 8, 3], classes: 10 });
    const hash = createHash('sha256').update(`nb201:${arch}`).digest('hex').slice(0, 32);
    const base = subjectFor();
    const subject: ExportSubject = {
      ...base,
      run: { ...base.run, config: { space: 'nasbench201' } },
      candidate: { ...base.candidate, nsc: arch, hash },
      checked,
    };
    const { dir } = await exportAs('json', subject, out('nb201-json'));
    const rebuilt = rebuildFromExport(JSON.parse(await readFile(path.join(dir, 'architecture.json'), 'utf8')));
    expect(rebuilt.hash).toBe(hash);
    expect(rebuilt.ir).toEqual(checked.ir);
    const svg = await exportAs('svg', subject, out('nb201-svg'));
    const text = await readFile(path.join(svg.dir, 'architecture.svg'), 'utf8');
    for (const op of ['nor_conv_3x3', 'avg_pool_3x3', 'nor_conv_1x1', 'skip_connect', 'node 0 (input)', 'node 3 (output)'])
      expect(text).toContain(`>${op}<`);
    expect(text).not.toContain('>none<');
  });
});
