import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { clearExamplesMemo, examplesKey, loadExamples, readExampleSet } from '../../../src/task/image2image/cache.js';
import { parseImage2ImageTask } from '../../../src/task/image2image/schema.js';
import { tempDir } from '../../datasets/fixtures.js';

const dir = tempDir('examples-cache');
afterAll(() => dir.remove());

const task = parseImage2ImageTask({
  kind: 'image2image',
  problem: 'amodal-completion',
  procedure: 'segan',
  dataset: { name: 'mnist' },
  examples: { train: 64, eval: 16 },
});
const options = { dataDir: dir.path, load: { cache: false } };
const sha1 = (data: Uint8Array) => createHash('sha1').update(data).digest('hex');

describe('example cache', () => {
  it('keys by the task without its recipe and by the seed', () => {
    const other = parseImage2ImageTask({ ...task, recipe: { epochs: 3 } });
    expect(examplesKey(other, 1)).toBe(examplesKey(task, 1));
    expect(examplesKey(task, 2)).not.toBe(examplesKey(task, 1));
    expect(examplesKey(parseImage2ImageTask({ ...task, imageSize: 24 }), 1)).not.toBe(examplesKey(task, 1));
  });

  it('builds once, then reads the same bytes back; numpy reads them too', async () => {
    const built = await loadExamples(task, 1, options);
    expect(built.origin).toBe('built');
    expect(await loadExamples(task, 1, options)).toBe(built); // in-process memo
    clearExamplesMemo();
    const read = await loadExamples(task, 1, options);
    expect(read.origin).toBe('cache');
    expect(read.path).toBe(built.path);
    expect(read.examples.domains).toBe(built.examples.domains);
    for (const split of ['train', 'eval'] as const) {
      expect(read.examples[split].count).toBe(built.examples[split].count);
      for (const [name, array] of Object.entries(built.examples[split].arrays)) {
        expect(read.examples[split].arrays[name]!.shape).toEqual(array.shape);
        expect(sha1(read.examples[split].arrays[name]!.data)).toBe(sha1(array.data));
      }
    }
    const reader = fileURLToPath(new URL('../../../src/datasets/dataset_cache.py', import.meta.url));
    const script = [
      'import hashlib, json, sys, importlib.util',
      `spec = importlib.util.spec_from_file_location("dc", ${JSON.stringify(reader)}); dc = importlib.util.module_from_spec(spec); spec.loader.exec_module(dc)`,
      'header, arrays = dc.load(sys.argv[1])',
      'print(json.dumps({"spec": header["spec"], "arrays": {k: [list(v.shape), str(v.dtype), hashlib.sha1(v.tobytes()).hexdigest()] for k, v in arrays.items()}}))',
    ].join('\n');
    const run = spawnSync('/usr/bin/python3', ['-c', script, built.path], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const fromPython = JSON.parse(run.stdout) as { spec: Record<string, unknown>; arrays: Record<string, [number[], string, string]> };
    expect(fromPython.spec).toMatchObject({
      problem: 'amodal-completion',
      imageSize: 16,
      channels: 1,
      domains: 0,
      train: 64,
      eval: 16,
      seed: 1,
    });
    expect(Object.keys(fromPython.arrays).sort()).toEqual([
      'eval.full',
      'eval.fullMask',
      'eval.occluded',
      'eval.visible',
      'train.full',
      'train.fullMask',
      'train.occluded',
      'train.visible',
    ]);
    const occluded = built.examples.train.arrays.occluded!;
    expect(fromPython.arrays['train.occluded']).toEqual([occluded.shape, 'uint8', sha1(occluded.data)]);
  });

  it('builds a second label set from task.secondDataset and reads it back with its label-set count', async () => {
    const joint = parseImage2ImageTask({
      kind: 'image2image',
      problem: 'domain-translation',
      procedure: 'stargan',
      dataset: { name: 'mnist' },
      examples: { train: 32, eval: 8 },
      secondDataset: { name: 'fashion-mnist' },
    });
    expect(examplesKey(joint, 1)).not.toBe(examplesKey({ ...joint, secondDataset: undefined }, 1));
    const built = await loadExamples(joint, 1, options);
    expect(built.examples).toMatchObject({ labelSets: 2, domains: 6 });
    expect(built.examples.train.count).toBe(64);
    clearExamplesMemo();
    const read = await loadExamples(joint, 1, options);
    expect(read.origin).toBe('cache');
    expect(read.examples).toMatchObject({ labelSets: 2, domains: 6 });
    expect(sha1(read.examples.eval.arrays.labelSet!.data)).toBe(sha1(built.examples.eval.arrays.labelSet!.data));
  });

  it('rebuilds a damaged file with a warning, and a file of another key is not taken', async () => {
    const { path } = await loadExamples(task, 1, options);
    const before = readFileSync(path);
    writeFileSync(path, before.subarray(0, before.length - 10));
    clearExamplesMemo();
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    const again = await loadExamples(task, 1, options);
    await new Promise((r) => setImmediate(r));
    process.off('warning', onWarning);
    expect(again.origin).toBe('built');
    expect(warnings.join('\n')).toMatch(/is unusable \(array eval\.full runs past the end of the file \(truncated\)\)/);
    expect(readFileSync(path).length).toBe(before.length);
    expect(await readExampleSet(path, 'someotherkey')).toMatch(/holds key .*, expected someotherkey/);
  });

  it('names the fix for a bad seed', async () => {
    await expect(loadExamples(task, -1, options)).rejects.toThrow(/not a 32-bit unsigned integer/);
  });
});
