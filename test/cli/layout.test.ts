/**
 * ImageNet transfer of a found block (BlockQNN, Zhong et al. CVPR 2018, the
 * ImageNet experiment): network layouts for inspect, train and export.
 *
 * The anchor: the paper's ResNet block (Fig. 2) stacked into the imagenet layout
 * (7×7/2 stem, 3×3/2 max pool, 64/128/256/512 × 2 blocks) is ResNet-18 in
 * pre-activation form, so its parameter count is torchvision's ResNet-18
 * (11,689,512) plus the 1,024 of the head's batch norm that pre-activation
 * networks add (2 × 512), and its multiply-adds are within 1% of ResNet-18's
 * 1.82 G (the stride sits in a 2×2 pool instead of the strided 3×3 and 1×1).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { inspect } from '../../src/cli/commands/inspect.js';
import { main } from '../../src/cli/main.js';
import { buildSearchConfig } from '../../src/cli/search-config.js';
import { BlockqnnError } from '../../src/common/errors.js';
import { exportFromStore } from '../../src/export/index.js';
import { rebuildFromExport } from '../../src/export/json.js';
import { nscCandidates } from '../../src/orchestrator/candidates.js';
import { createRun, prepareConfig } from '../../src/orchestrator/session.js';
import { planTraining } from '../../src/orchestrator/training-plan.js';
import {
  RESNET_BLOCK_NSC,
  assembleNetwork,
  layoutTotalStride,
  networkCost,
  parseNsc,
  resolveLayout,
} from '../../src/search-space/index.js';
import { type Store, openStore } from '../../src/store/index.js';

const SEARCH = { baseFilters: 16, stages: 2, blocksPerStage: 1 };

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = vi.spyOn(process.stdout, 'write');
  const err = vi.spyOn(process.stderr, 'write');
  try {
    const code = await main(['node', 'blockqnn', ...args]);
    const text = (spy: typeof out) => spy.mock.calls.map((c) => String(c[0])).join('');
    return { code, stdout: text(out), stderr: text(err) };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

function thrown(fn: () => unknown): BlockqnnError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(BlockqnnError);
    return error as BlockqnnError;
  }
  throw new Error('expected an error');
}

describe('layouts', () => {
  it('cifar is the search network itself: the same IR as the run options build', () => {
    const block = parseNsc(RESNET_BLOCK_NSC);
    const layout = resolveLayout({}, SEARCH);
    expect(layout).toEqual({ stem: 'cifar', widths: [16, 32], strides: [1, 2], blocks: [1, 1] });
    const plain = assembleNetwork(block, { inputShape: [28, 28, 1], classes: 10, ...SEARCH });
    expect(assembleNetwork(block, { inputShape: [28, 28, 1], classes: 10, layout }).ir).toEqual(plain.ir);
  });

  it('imagenet and its overrides: --stages drops or adds stages, --blocks one number or one per stage', () => {
    expect(resolveLayout({ layout: 'imagenet' }, SEARCH)).toEqual({
      stem: 'imagenet',
      widths: [64, 128, 256, 512],
      strides: [1, 2, 2, 2],
      blocks: [2, 2, 2, 2],
    });
    expect(resolveLayout({ layout: 'imagenet', stages: 5, blocks: 3 }, SEARCH)).toEqual({
      stem: 'imagenet',
      widths: [64, 128, 256, 512, 1024],
      strides: [1, 2, 2, 2, 2],
      blocks: [3, 3, 3, 3, 3],
    });
    expect(resolveLayout({ stages: 4, blocks: [1, 2, 3, 4] }, SEARCH)).toEqual({
      stem: 'cifar',
      widths: [16, 32, 64, 128],
      strides: [1, 2, 2, 2],
      blocks: [1, 2, 3, 4],
    });
    expect(resolveLayout({ layout: 'imagenet', widths: [32, 64], strides: [2, 2], stem: 'cifar' }, SEARCH)).toEqual({
      stem: 'cifar',
      widths: [32, 64],
      strides: [2, 2],
      blocks: [2, 2],
    });
    expect(layoutTotalStride(resolveLayout({ layout: 'imagenet' }, SEARCH))).toBe(32);
  });

  it('bad layouts name the field, its value and the fix', () => {
    expect(thrown(() => resolveLayout({ layout: 'coco' }, SEARCH)).message).toBe(
      'network layout layout = "coco": is not a layout; valid: cifar, imagenet',
    );
    const e = thrown(() => resolveLayout({ layout: 'imagenet', widths: [64, 128], stages: 4 }, SEARCH));
    expect(e.message).toBe('network layout widths = [64,128]: lists 2 stage(s), the layout has 4');
    expect(e.hint).toContain('one value per stage');
    expect(thrown(() => resolveLayout({ strides: [1, 3] }, SEARCH)).message).toBe(
      'network layout strides = [1,3]: must list 1 or 2 for each of the 2 stage(s)',
    );
  });
});

describe('inspect --layout', () => {
  it('--json reports parameters and multiply-adds at 224×224×3 and 1000 classes', async () => {
    const { code, stdout } = await cli('inspect', RESNET_BLOCK_NSC, '--layout', 'imagenet', '--json');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({
      inputShape: [224, 224, 3],
      outputShape: [1000],
      layout: { stem: 'imagenet', widths: [64, 128, 256, 512] },
    });
    expect(report.params).toBe(11_689_512 + 1_024);
    expect(Math.abs(report.flops / 1.82e9 - 1)).toBeLessThan(0.01);
  });

  it('takes --stem/--widths/--strides/--stages/--blocks on top of the preset', async () => {
    const { code, stdout } = await cli(
      'inspect',
      RESNET_BLOCK_NSC,
      '--layout',
      'imagenet',
      '--widths',
      '32,64,128',
      '--strides',
      '1,2,2',
      '--blocks',
      '1,2,1',
      '--json',
    );
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.layout).toEqual({ stem: 'imagenet', widths: [32, 64, 128], strides: [1, 2, 2], blocks: [1, 2, 1] });
    const direct = assembleNetwork(parseNsc(RESNET_BLOCK_NSC), { inputShape: [224, 224, 3], classes: 1000, layout: report.layout });
    expect(report.params).toBe(networkCost(direct).params);
  });

  it('refuses an image too small for the layout, naming the sizes and the fix', async () => {
    const e = thrown(() => inspect(RESNET_BLOCK_NSC, { space: 'nsc', layout: 'imagenet', input: [28, 28, 1] }));
    expect(e.code).toBe('INVALID_CONFIG');
    expect(e.message).toBe(
      'network layout: the input is 28x28, too small for a layout of total stride 32 (stem imagenet, strides 1,2,2,2): height and width must be at least 32',
    );
    expect(e.hint).toContain('--strides');
    const bad = await cli('inspect', RESNET_BLOCK_NSC, '--widths', '64,x');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--widths must be a comma-separated list of positive integers');
  });
});

describe('train and export with a layout', () => {
  let dir: string;
  let store: Store;
  let runId: string;
  let candidateId: number;
  let hash: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bq-layout-'));
    store = await openStore(`file:${join(dir, 'db.sqlite')}`);
    const config = prepareConfig(buildSearchConfig({ dataset: 'fashion-mnist' }, 'torch'));
    runId = (await createRun(store, config)).id;
    const m = nscCandidates({ ...config.network }, config.maxIndex).materialize(RESNET_BLOCK_NSC);
    const [queued] = await store.upsertQueuedCandidates(runId, [
      { hash: m.hash, nsc: m.key, ir: m.ir, flops: m.flops, params: m.params, density: m.density },
    ]);
    await store.commitResult(runId, m.hash, { status: 'ok', accuracy: 0.5, reward: 0.4 }, { snapshot: 1 });
    candidateId = queued!.candidate.id;
    hash = m.hash;
  });

  afterAll(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('train --stages/--blocks overrides the search network; --layout imagenet stacks the block into the ImageNet network', async () => {
    const searchIr = (await store.getCandidate(runId, hash))!.ir!;
    const deeper = await planTraining(store, { kind: 'candidate', candidateId }, { layout: { stages: 3, blocks: 2 } }, 'torch');
    // The run's search network (base width b, 2 stages, 1 block) deepened to 3 stages of 2 blocks, widths continuing to double.
    const base = (await store.getRun(runId)).config.network as { baseFilters: number; stages: number };
    expect(base.stages).toBe(2);
    expect(deeper.config.layout).toEqual({
      stem: 'cifar',
      widths: [1, 2, 4].map((k) => k * base.baseFilters),
      strides: [1, 2, 2],
      blocks: [2, 2, 2],
    });
    expect(deeper.ir.nodes.some((n) => n.id.startsWith('s3b2/'))).toBe(true);
    expect(searchIr.nodes.some((n) => n.id.startsWith('s3b1/'))).toBe(false);
    const imagenet = await planTraining(
      store,
      { kind: 'candidate', candidateId },
      { layout: { layout: 'imagenet' }, dataset: 'cifar10' },
      'torch',
    );
    expect(imagenet.ir.input.shape).toEqual([32, 32, 3]);
    expect(imagenet.ir.nodes.find((n) => n.id === 'stem/conv')).toMatchObject({ kernel: 7, stride: 2, filters: 64 });
    expect(imagenet.ir.nodes.some((n) => n.id.startsWith('s4b2/'))).toBe(true);
  });

  it('refuses Fashion-MNIST (28×28) in the ImageNet layout before anything is stored', async () => {
    await expect(planTraining(store, { kind: 'candidate', candidateId }, { layout: { layout: 'imagenet' } }, 'torch')).rejects.toThrow(
      'the input is 28x28, too small for a layout of total stride 32',
    );
    const { code, stderr } = await cli(
      'train',
      String(candidateId),
      '--layout',
      'imagenet',
      '--db',
      `file:${join(dir, 'db.sqlite')}`,
      '--workers',
      '0',
      '--detach',
    );
    expect(code).not.toBe(0);
    expect(stderr).toContain('too small for a layout of total stride 32');
    expect(await store.trainings.list()).toEqual([]);
  });

  it('export --layout imagenet writes the block at 224×224×3, 1000 classes, and the export rebuilds', async () => {
    const outcome = await exportFromStore(store, {
      runId,
      selection: { best: true },
      format: 'json',
      out: 'exp',
      cwd: dir,
      env: { BLOCKQNN_EXPORT_ROOT: dir },
      layout: { layout: 'imagenet' },
    });
    const json = JSON.parse(readFileSync(join(outcome.dir, outcome.files[0]!), 'utf8'));
    expect(json.ir.input.shape).toEqual([224, 224, 3]);
    expect(json.cost.params).toBe(11_689_512 + 1_024);
    expect(json.network.layout).toMatchObject({ stem: 'imagenet' });
    expect(rebuildFromExport(json).ir).toEqual(json.ir);
  });
});
