/**
 * `blockqnn bench claim`, its pure parts: MAC matching with the cost model,
 * the statistics of the verdict, the search configuration of each scale, and
 * bad input refused before anything starts. The end-to-end run at the tiny
 * scale is claim-run.test.ts.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CLAIM_BASELINES,
  MAC_TOLERANCE,
  SCALES,
  checkClaimInput,
  claimSearchConfig,
  matchBaseline,
  matchBlock,
  referenceMacs,
  runClaim,
  summarize,
  verdictOf,
} from '../../src/bench/claim/index.js';
import { DEFAULT_PRUNER, DEFAULT_STRATEGY, NO_PRUNER } from '../../src/controller/index.js';
import { baselines } from '../../src/search-space/baselines/index.js';
import { RESNET_BLOCK_NSC, assembleNetwork, networkCost, parseNsc } from '../../src/search-space/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'claim-unit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('MAC matching', () => {
  it.each(['cpu', 'gpu'] as const)('brings every baseline within ten percent of the reference at the %s scale', (name) => {
    const scale = SCALES[name];
    const shape: [number, number, number] = [scale.imageSize, scale.imageSize, 1];
    const target = referenceMacs(CLAIM_BASELINES[0], shape, 10, scale.referenceWidth);
    for (const baseline of CLAIM_BASELINES) {
      const m = matchBaseline(baseline, shape, 10, target);
      expect(m.within, `${baseline} at width ${m.width}: ${m.macs} vs ${target}`).toBe(true);
      expect(Math.abs(m.macs - target) / target).toBeLessThanOrEqual(MAC_TOLERANCE);
      // The number is the cost model's for the network that is trained.
      expect(networkCost(m.checked).macs).toBe(m.macs);
    }
  });

  it('keeps the reference at its own width and rounds only where no exact multiple fits (DLA-34 at 28x28)', () => {
    const target = referenceMacs('resnet-20-cifar', [28, 28, 1], 10, 1);
    expect(target).toBe(networkCost(baselines.get('resnet-20-cifar').build({ inputShape: [28, 28, 1], classes: 10 })).macs);
    expect(matchBaseline('resnet-20-cifar', [28, 28, 1], 10, target)).toMatchObject({ width: 1, rounded: false, offset: 0 });
    const dla = matchBaseline('dla-34-cifar', [28, 28, 1], 10, target);
    // Its widths are multiples of 16: 3/16 is 17 % under, 4/16 48 % over, so rounded widths are used.
    expect(dla.rounded).toBe(true);
    expect(dla.within).toBe(true);
  });

  it('chooses the base filters of a searched block whose network is closest to the target', () => {
    const block = parseNsc(RESNET_BLOCK_NSC);
    const network = { stages: 3, blocksPerStage: 1 };
    const target = 2_000_000;
    const m = matchBlock(block, network, [14, 14, 1], 10, target);
    const cost = (f: number) =>
      networkCost(assembleNetwork(block, { ...network, inputShape: [14, 14, 1], classes: 10, baseFilters: f })).macs;
    expect(m.macs).toBe(cost(m.baseFilters));
    expect(Math.abs(m.macs - target)).toBeLessThanOrEqual(Math.abs(cost(m.baseFilters - 1) - target));
    expect(Math.abs(m.macs - target)).toBeLessThanOrEqual(Math.abs(cost(m.baseFilters + 1) - target));
    expect(m.within).toBe(true);
  });
});

describe('verdict', () => {
  it('summarizes with the sample standard deviation, and none below two values', () => {
    expect(summarize([])).toEqual({ n: 0, mean: null, std: null });
    expect(summarize([0.5])).toEqual({ n: 1, mean: 0.5, std: null });
    const s = summarize([0.8, 0.9, 1.0]);
    expect(s.mean).toBeCloseTo(0.9, 12);
    expect(s.std).toBeCloseTo(0.1, 12);
  });

  it('compares the best searched mean with the best baseline mean in Welch standard errors', () => {
    const v = verdictOf([
      { name: 'searched-1', kind: 'searched', accuracy: summarize([0.9, 0.92, 0.94]) },
      { name: 'searched-2', kind: 'searched', accuracy: summarize([0.8, 0.81, 0.82]) },
      { name: 'resnet-20-cifar', kind: 'baseline', accuracy: summarize([0.88, 0.89, 0.9]) },
      { name: 'dla-34-cifar', kind: 'baseline', accuracy: summarize([0.7, 0.71, 0.72]) },
    ]);
    expect(v.searched).toBe('searched-1');
    expect(v.baseline).toBe('resnet-20-cifar');
    expect(v.difference).toBeCloseTo(0.03, 12);
    // se = sqrt(0.02²/3 + 0.01²/3)
    expect(v.standardErrors).toBeCloseTo(0.03 / Math.sqrt((0.02 ** 2 + 0.01 ** 2) / 3), 9);
    expect(v.searchedWins).toBe(true);
    expect(v.text).toMatch(/wins.*standard errors/);
  });

  it('says there is no standard error with one seed, and loses when the baseline is better', () => {
    const v = verdictOf([
      { name: 'searched-1', kind: 'searched', accuracy: summarize([0.5]) },
      { name: 'resnet-20-cifar', kind: 'baseline', accuracy: summarize([0.6]) },
    ]);
    expect(v.searchedWins).toBe(false);
    expect(v.standardErrors).toBeNull();
    expect(v.text).toMatch(/loses.*no standard error/);
  });
});

describe('scales', () => {
  it('searches with the default strategy and the early-stop proxy of each scale', () => {
    for (const scale of Object.values(SCALES)) {
      const config = claimSearchConfig(scale, 'torch');
      expect(config.strategy).toBe(DEFAULT_STRATEGY);
      expect(config.pruner.name).toBe(scale.search.epochs >= 2 ? DEFAULT_PRUNER : NO_PRUNER);
      expect(config.budget.candidates).toBe(scale.search.budget);
      expect(config.task).toMatchObject({
        kind: 'classification',
        dataset: { name: 'fashion-mnist', subset: scale.search.subset, imageSize: scale.imageSize },
        recipe: { epochs: scale.search.epochs },
      });
    }
    expect(SCALES.gpu).toMatchObject({ imageSize: 28, final: { subset: undefined, seeds: [1, 2, 3] }, referenceWidth: 1 });
    expect(SCALES.gpu.final.epochs).toBeGreaterThanOrEqual(30);
    expect(SCALES.gpu.search.budget).toBeGreaterThanOrEqual(64);
  });
});

describe('bad input', () => {
  it('refuses the gpu scale without a GPU before a database, Redis or a worker is touched', async () => {
    const db = join(tmp, 'gpu.db');
    const run = runClaim({
      scale: 'gpu',
      db: `file:${db}`,
      redis: { url: 'redis://127.0.0.1:1', prefix: 'never' },
      redisGiven: true,
      engine: 'torch',
      log: () => {},
      controllerId: 'test',
      gpus: () => [],
    });
    await expect(run).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/--scale gpu .*needs a CUDA GPU/),
      hint: expect.stringMatching(/--scale cpu|--emit-jobs/),
    });
    expect(existsSync(db)).toBe(false);
  });

  it('lets the gpu scale start where a GPU is reported', async () => {
    await expect(checkClaimInput(SCALES.gpu, () => [0])).resolves.toBeUndefined();
  });
});
