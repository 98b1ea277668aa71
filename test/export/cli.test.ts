/**
 * `blockqnn export` through the real CLI in-process against a real SQLite
 * store: --best, --top K, --candidate (hash or sequence), weights from the
 * newest final training (its widened IR) or --weights FILE, and every bad
 * input refused with a clear error and nothing left behind: unknown run or
 * candidate, weights asked of an untrained candidate or of a weightless format,
 * a checkpoint of another network, an output outside the export root (.. or a
 * symbolic link), an unwritable target, an existing non-empty folder without --force.
 */
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { checkpointMetadata, trainingCheckpointPath, writeCheckpoint } from '../../src/engines/checkpoint.js';
import { compileIr } from '../../src/engines/tfjs/index.js';
import { tfjsToTorchState } from '../../src/engines/tfjs/torch-weights.js';
import { type Store, openStore } from '../../src/store/index.js';
import { assembleNetwork, blockHash, density, networkCost, parseNsc } from '../../src/search-space/index.js';
import { tfjs } from '../engines/tfjs/helpers.js';
import { BLOCK, NETWORK, RECIPE } from './helpers.js';

const BLOCKS = [BLOCK, '(1,1,3,0,0)(2,1,3,1,0)(3,5,0,1,2)(4,7,0,0,0)', '(1,2,3,0,0)(2,1,1,1,0)(3,7,0,0,0)'];
const REWARDS = [0.9, 0.8, null];
const WIDE = { ...NETWORK, baseFilters: 8 };

let root: string;
let db: string;
let store: Store;
let runId: string;
const hashes: string[] = [];

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const code = await main(['node', 'blockqnn', ...args, '--db', db]);
    const text = (spy: typeof out) => spy.mock.calls.map((c) => String(c[0])).join('');
    return { code, stdout: text(out), stderr: text(err) };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

const exportDir = (name: string) => path.join(root, 'exports', name);
const leftovers = async () => (await readdir(path.join(root, 'exports')).catch(() => [] as string[])).filter((f) => f.startsWith('.'));

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'blockqnn-export-cli-'));
  vi.stubEnv('BLOCKQNN_EXPORT_ROOT', root);
  vi.stubEnv('BLOCKQNN_DATA_DIR', path.join(root, 'data'));
  db = `file:${path.join(root, 'runs.db')}`;
  store = await openStore(db);
  const run = await store.createRun({
    name: 'export test',
    strategy: 'q-learning',
    engine: 'tfjs',
    taskKey: 'mnist:8',
    seed: 4,
    config: { space: 'nsc', network: NETWORK, maxIndex: 23, task: { recipe: RECIPE } },
  });
  runId = run.id;
  const rows = BLOCKS.map((code) => {
    const block = parseNsc(code);
    const checked = assembleNetwork(block, NETWORK);
    const cost = networkCost(checked);
    hashes.push(blockHash(block));
    return { hash: blockHash(block), nsc: code, ir: checked.ir, flops: cost.macs, params: cost.params, density: density(block) };
  });
  await store.upsertQueuedCandidates(runId, rows);
  await store.commitResults(
    runId,
    rows.map((r, i) => ({
      hash: r.hash,
      result:
        REWARDS[i] === null
          ? { status: 'failed' as const, error: 'boom' }
          : { status: 'ok' as const, accuracy: REWARDS[i]! + 0.05, reward: REWARDS[i]! },
    })),
    { snapshot: 1 },
  );
  // A final training of the best candidate at twice the width, with its checkpoint under the data directory.
  const best = (await store.getCandidate(runId, hashes[0]!))!;
  const wide = assembleNetwork(parseNsc(BLOCK), WIDE);
  const training = await store.trainings.create({
    runId,
    candidateId: best.id,
    engine: 'tfjs',
    seed: 9,
    config: { network: WIDE, task: { recipe: { ...RECIPE, epochs: 30 } } },
    ir: wide.ir,
    flops: networkCost(wide).macs,
    params: networkCost(wide).params,
  });
  const tf = await tfjs();
  const compiled = compileIr(tf, wide);
  const file = trainingCheckpointPath(training.id, path.join(root, 'data'));
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(
    file,
    writeCheckpoint(
      tfjsToTorchState(wide, compiled),
      checkpointMetadata({ engine: 'tfjs', params: networkCost(wide).params, ir: wide.ir }),
    ),
  );
  compiled.model.dispose();
  await store.trainings.markRunning(training.id, 'test');
  await store.trainings.commitResult(training.id, {
    status: 'ok',
    accuracy: 0.93,
    checkpointPath: path.relative(path.join(root, 'data'), file),
  });
});

afterAll(async () => {
  await store?.close();
  vi.unstubAllEnvs();
  await rm(root, { recursive: true, force: true });
});

describe('blockqnn export: selection and weights', () => {
  it('--best (the default) exports the highest-reward finished candidate', async () => {
    const r = await cli('export', runId, '--format', 'json', '--out', exportDir('best'));
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(r.stdout.trim()).toBe(path.join(exportDir('best'), 'architecture.json'));
    const json = JSON.parse(await readFile(path.join(exportDir('best'), 'architecture.json'), 'utf8'));
    expect(json.architecture.hash).toBe(hashes[0]);
    expect(json.provenance.run.id).toBe(runId);
  });

  it('--top 3 gives one folder per finished candidate in reward order (the failed one is left out)', async () => {
    const r = await cli('export', runId, '--top', '3', '--format', 'svg', '--out', exportDir('top'));
    expect(r.code, r.stderr).toBe(0);
    expect((await readdir(exportDir('top'))).sort()).toEqual([`1-${hashes[0]!.slice(0, 12)}`, `2-${hashes[1]!.slice(0, 12)}`]);
    expect(await readdir(path.join(exportDir('top'), `2-${hashes[1]!.slice(0, 12)}`))).toEqual(['architecture.svg']);
  });

  it('--candidate takes a hash or a sequence number, finished or not', async () => {
    for (const [id, want] of [
      [hashes[2]!, hashes[2]!],
      ['2', hashes[1]!],
      ['#1', hashes[0]!],
    ] as const) {
      const out = exportDir(`candidate-${id.replace('#', 'n').slice(0, 6)}`);
      const r = await cli('export', runId, '--candidate', id, '--format', 'json', '--out', out);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(await readFile(path.join(out, 'architecture.json'), 'utf8')).architecture.hash).toBe(want);
    }
  });

  it('weights come from the newest final training, with its widened network', async () => {
    const r = await cli('export', runId, '--best', '--format', 'pytorch', '--require-weights', '--out', exportDir('trained'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/weights from training \d+/);
    expect((await readdir(exportDir('trained'))).sort()).toEqual(['network.py', 'state_dict.pt']);
    const source = await readFile(path.join(exportDir('trained'), 'network.py'), 'utf8');
    expect(source).toContain(`PARAMETERS = ${networkCost(assembleNetwork(parseNsc(BLOCK), WIDE)).params}`);
    const json = await cli('export', runId, '--best', '--format', 'json', '--out', exportDir('trained-json'));
    expect(json.code, json.stderr).toBe(0);
  });

  it("--weights FILE: a checkpoint of this candidate's network is used; one of another network is refused", async () => {
    const tf = await tfjs();
    const checked = assembleNetwork(parseNsc(BLOCKS[1]!), NETWORK);
    const compiled = compileIr(tf, checked);
    const file = path.join(root, 'mine.safetensors');
    await writeFile(
      file,
      writeCheckpoint(
        tfjsToTorchState(checked, compiled),
        checkpointMetadata({ engine: 'tfjs', params: networkCost(checked).params, ir: checked.ir }),
      ),
    );
    compiled.model.dispose();
    const ok = await cli('export', runId, '--candidate', hashes[1]!, '--format', 'tfjs', '--weights', file, '--out', exportDir('given'));
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toContain(`weights from ${file}`);
    const wrong = await cli('export', runId, '--candidate', hashes[0]!, '--format', 'onnx', '--weights', file, '--out', exportDir('wrong'));
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/mine.safetensors was trained for another network/);
  });
});

describe('blockqnn export: bad input', () => {
  const refused = async (args: string[], code: string, message: RegExp, hint?: RegExp) => {
    const r = await cli('export', ...args);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`[${code}]`);
    expect(r.stderr).toMatch(message);
    if (hint) expect(r.stderr).toMatch(hint);
    expect(await leftovers()).toEqual([]);
  };

  it('unknown run, unknown candidate, unknown format', async () => {
    await refused(['nosuchrun', '--format', 'json', '--out', exportDir('x')], 'NOT_FOUND', /nosuchrun/);
    await refused(
      [runId, '--candidate', 'ffff', '--format', 'json', '--out', exportDir('x')],
      'NOT_FOUND',
      /has no candidate ffff/,
      /hint: give a candidate hash or sequence number/,
    );
    await refused([runId, '--candidate', '99', '--format', 'json', '--out', exportDir('x')], 'NOT_FOUND', /has no candidate 99/);
    await refused(
      [runId, '--format', 'keras', '--out', exportDir('x')],
      'UNKNOWN_NAME',
      /unknown export format "keras"/,
      /json, onnx, png, pytorch, svg, tfjs/,
    );
    await refused(
      [runId, '--best', '--top', '2', '--format', 'json', '--out', exportDir('x')],
      'INVALID_INPUT',
      /give one of --best, --candidate and --top/,
    );
  });

  it('weights that do not exist: an untrained candidate with --require-weights, a missing file, a weightless format', async () => {
    await refused(
      [runId, '--candidate', hashes[1]!, '--format', 'onnx', '--require-weights', '--out', exportDir('x')],
      'NOT_FOUND',
      /has no trained weights/,
      /hint: train it first \(blockqnn train/,
    );
    await refused(
      [runId, '--format', 'pytorch', '--weights', path.join(root, 'missing.safetensors'), '--out', exportDir('x')],
      'NOT_FOUND',
      /missing.safetensors does not exist/,
    );
    await refused(
      [runId, '--format', 'svg', '--require-weights', '--out', exportDir('x')],
      'INVALID_INPUT',
      /svg format carries no weights/,
    );
    expect(await readdir(path.join(root, 'exports')).then((f) => f.includes('x'))).toBe(false);
  });

  it('an output folder outside the export root, by .. or through a symbolic link', async () => {
    await refused(
      [runId, '--format', 'json', '--out', path.join(root, '..', 'elsewhere')],
      'INVALID_INPUT',
      /is outside the export root/,
      /BLOCKQNN_EXPORT_ROOT/,
    );
    await refused(
      [runId, '--format', 'json', '--out', root],
      'INVALID_INPUT',
      /is the export root itself: an export needs a folder of its own/,
      /--out .*export/,
    );
    const outside = await mkdtemp(path.join(tmpdir(), 'blockqnn-outside-'));
    await symlink(outside, path.join(root, 'link'));
    await refused([runId, '--format', 'json', '--out', path.join(root, 'link', 'sub')], 'INVALID_INPUT', /is outside the export root/);
    expect(await readdir(outside)).toEqual([]);
    await rm(outside, { recursive: true });
  });

  it('an output that cannot be written (a file in its path), and an existing non-empty folder without --force', async () => {
    await writeFile(path.join(root, 'exports', 'plain-file'), 'x');
    await refused(
      [runId, '--format', 'json', '--out', path.join(root, 'exports', 'plain-file', 'sub')],
      'IO_ERROR',
      /cannot write the export into .*plain-file/,
      /choose an --out folder you can write to/,
    );
    await refused(
      [runId, '--format', 'json', '--out', path.join(root, 'exports', 'plain-file')],
      'INVALID_INPUT',
      /exists and is not a folder/,
    );
    await mkdir(exportDir('full'), { recursive: true });
    await writeFile(path.join(exportDir('full'), 'keep.txt'), 'mine');
    await refused([runId, '--format', 'json', '--out', exportDir('full')], 'INVALID_INPUT', /is not empty/, /--force/);
    expect(await readdir(exportDir('full'))).toEqual(['keep.txt']);
    const forced = await cli('export', runId, '--format', 'json', '--out', exportDir('full'), '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(await readdir(exportDir('full'))).toEqual(['architecture.json']);
    expect(await leftovers()).toEqual([]);
  });
});

describe('blockqnn export at a shell: anywhere, --force, a summary, modes kept (#16 item 4, #21 items 9 and 10)', () => {
  // No export root: a person's own shell, where the containment of the HTTP route does not apply.
  const unconfined = async <T>(body: () => Promise<T>): Promise<T> => {
    vi.stubEnv('BLOCKQNN_EXPORT_ROOT', '');
    try {
      return await body();
    } finally {
      vi.stubEnv('BLOCKQNN_EXPORT_ROOT', root);
    }
  };
  const modeOf = async (p: string) => (await stat(p)).mode & 0o777;

  it('writes to an absolute path outside the working directory and prints each file, its size and what it is for', async () => {
    const elsewhere = await mkdtemp(path.join(tmpdir(), 'blockqnn-export-anywhere-'));
    try {
      const out = path.join(elsewhere, 'x', 'pt');
      const r = await unconfined(() => cli('export', runId, '--best', '--format', 'pytorch', '--out', out));
      expect(r.code, r.stderr).toBe(0);
      expect((await readdir(out)).sort()).toEqual(['network.py', 'state_dict.pt']);
      expect(r.stdout.trim().split('\n')).toEqual([path.join(out, 'network.py'), path.join(out, 'state_dict.pt')]);
      expect(r.stderr).toContain(`exported pytorch to ${out}:`);
      const size = (await stat(path.join(out, 'network.py'))).size;
      expect(r.stderr).toMatch(
        new RegExp(`^  network\\.py +${(size / 1000).toFixed(1).replace('.', '\\.')} kB  PyTorch module source`, 'm'),
      );
      expect(r.stderr).toMatch(/^  state_dict\.pt +[\d.]+ kB  trained weights: torch\.save'd state_dict/m);
      // A new folder gets the usual mode for new folders, not mkdtemp's 0700.
      await mkdir(path.join(elsewhere, 'probe'));
      expect(await modeOf(out)).toBe(await modeOf(path.join(elsewhere, 'probe')));
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });

  it('resolves a relative --out against the working directory; refuses . and its ancestors by name', async () => {
    const here = await mkdtemp(path.join(tmpdir(), 'blockqnn-export-cwd-'));
    const before = process.cwd();
    process.chdir(here);
    try {
      const ok = await unconfined(() => cli('export', runId, '--format', 'svg', '--out', 'figures/best'));
      expect(ok.code, ok.stderr).toBe(0);
      expect(await readdir(path.join(here, 'figures', 'best'))).toEqual(['architecture.svg']);
      for (const out of ['.', './', '..', here, path.dirname(here)]) {
        const r = await unconfined(() => cli('export', runId, '--format', 'json', '--out', out));
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr).toMatch(
          /is (the working directory itself|a folder that contains the working directory): an export needs a folder of its own/,
        );
        expect(r.stderr).not.toMatch(/outside/);
      }
      const dot = await cli('export', runId, '--format', 'json', '--out', root);
      expect(dot.stderr).toMatch(/is the export root itself/);
      expect((await readdir(here)).sort()).toEqual(['figures']);
    } finally {
      process.chdir(before);
      await rm(here, { recursive: true, force: true });
    }
  });

  it('an existing export is kept without --force, replaced with it, and its folder keeps its mode', async () => {
    const elsewhere = await mkdtemp(path.join(tmpdir(), 'blockqnn-export-force-'));
    try {
      const out = path.join(elsewhere, 'served');
      const first = await unconfined(() => cli('export', runId, '--format', 'json', '--out', out));
      expect(first.code, first.stderr).toBe(0);
      await chmod(out, 0o751);
      const again = await unconfined(() => cli('export', runId, '--format', 'svg', '--out', out));
      expect(again.code).toBe(2);
      expect(again.stderr).toMatch(/output folder .*served is not empty/);
      expect(again.stderr).toMatch(/--force/);
      expect(await readdir(out)).toEqual(['architecture.json']);
      const forced = await unconfined(() => cli('export', runId, '--format', 'svg', '--out', out, '--force'));
      expect(forced.code, forced.stderr).toBe(0);
      expect(await readdir(out)).toEqual(['architecture.svg']);
      expect((await modeOf(out)).toString(8)).toBe('751');
      expect((await readdir(elsewhere)).sort()).toEqual(['served']);
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });
});
