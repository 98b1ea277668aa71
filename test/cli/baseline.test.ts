/**
 * `blockqnn baseline`, `search --baselines` and `runs compare` through the real
 * CLI in-process: bad input fails before any run or job exists; a baseline run
 * trains for real (torch engine, tiny MNIST) on a worker listening on the same
 * Redis prefix, and prints what the comparison table needs.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { RunComparison } from '../../src/orchestrator/compare.js';
import { registerBuiltinEngines } from '../../src/engines/builtin.js';
import { createEngine } from '../../src/engines/registry.js';
import { EvaluationWorker } from '../../src/queue/evaluation-worker.js';
import { openStore } from '../../src/store/index.js';
import { engineHandler } from '../../src/worker/handler.js';
import { deletePrefix, testRedisSettings } from '../helpers/redis.js';
import { baselines } from '../../src/search-space/baselines/index.js';
import { generativeBaselines, generativeBaselinesFor } from '../../src/search-space/baselines/generative/index.js';
import { TRAINING_MODES } from '../../src/task/training-modes.js';

const dir = mkdtempSync(path.join(tmpdir(), 'blockqnn-baseline-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

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

async function keysUnder(prefix: string): Promise<string[]> {
  const client = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  try {
    return await client.keys(`${prefix}:*`);
  } finally {
    client.disconnect();
  }
}

describe('blockqnn baseline --list', () => {
  it('lists every baseline with its parameters, FLOPs and whether `all` takes it', async () => {
    const r = await cli('baseline', '--list', '--json');
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as {
      name: string;
      params: number;
      flops: number;
      inAll: boolean;
      nscBlock: boolean;
      trainingMode?: unknown;
    }[];
    expect(list.find((e) => e.name === 'resnet-20-cifar')).toMatchObject({ params: 269_722, inAll: true, nscBlock: false });
    expect(list.find((e) => e.name === 'se-resnet-50')).toMatchObject({ params: 28_088_024, inAll: false });
    expect(list.find((e) => e.name === 'blockqnn-inception-block')).toMatchObject({ inAll: true, nscBlock: true });
    const text = await cli('baseline', '--list');
    expect(text.stdout).toMatch(/^\* resnet-20-cifar +32x32x3 +269,722 params +40\.6 MFLOPs/m);
    // The training modes come after the architectures, with the numbers of the baseline they train.
    expect(list.find((e) => e.name === 'winn-resnet-20')).toMatchObject({
      params: 269_722,
      inAll: false,
      trainingMode: { baseline: 'resnet-20-cifar', recipe: { introspective: {}, robustness: {} } },
    });
    expect(list.find((e) => e.name === 'resnet-20-fgsm')).toMatchObject({
      trainingMode: { baseline: 'resnet-20-cifar', recipe: { robustness: {} } },
    });
    expect(text.stdout).toMatch(
      /^Training modes .*\n {2}winn-resnet-20 +32x32x3 +269,722 params .*WINN classifier.*\n {2}resnet-20-fgsm /m,
    );
  });
});

describe('blockqnn baseline --list shows every registered baseline (#16 item 5)', () => {
  it('--json holds every classification baseline, training mode and generative baseline, with family, problems and costs', async () => {
    const r = await cli('baseline', '--list', '--json');
    expect(r.code, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout) as {
      name: string;
      family: string;
      problems: string[];
      procedure?: string;
      params: number;
      flops: number;
    }[];
    const names = list.map((e) => e.name).sort();
    expect(names).toEqual([...baselines.list(), ...Object.keys(TRAINING_MODES), ...generativeBaselines.list()].sort());
    expect(generativeBaselines.list()).toHaveLength(8);
    for (const name of generativeBaselines.list()) {
      const e = list.find((x) => x.name === name)!;
      expect(e).toMatchObject({
        family: 'image2image',
        procedure: generativeBaselines.get(name).procedure,
        problems: [...generativeBaselines.get(name).problems],
      });
      expect(e.params).toBeGreaterThan(0);
      expect(e.flops).toBeGreaterThan(0);
    }
    expect(list.find((e) => e.name === 'resnet-20-cifar')).toMatchObject({ family: 'classification', problems: ['classification'] });
    const text = await cli('baseline', '--list');
    expect(text.stdout).toMatch(/^Generative \(image-to-image\) baselines: blockqnn baseline NAME --task PROBLEM$/m);
    for (const name of ['unet-pix2pix', 'dla-up', 'segan', 'stargan', 'stargan-jnt', 'paired-cyclegan', 'vunet', 'winn-synthesis'])
      expect(text.stdout).toMatch(new RegExp(`^  ${name} +16x16x\\d +[\\d,]+ params +[\\d.]+ MFLOPs`, 'm'));
  });

  it('--task keeps one problem: an image-to-image one, or classification; an unknown one is named', async () => {
    const amodal = JSON.parse((await cli('baseline', '--list', '--task', 'amodal-completion', '--json')).stdout) as { name: string }[];
    expect(amodal.map((e) => e.name).sort()).toEqual(generativeBaselinesFor('amodal-completion'));
    const classification = JSON.parse((await cli('baseline', '--list', '--task', 'classification', '--json')).stdout) as {
      family: string;
    }[];
    expect(classification.length).toBe(baselines.list().length + Object.keys(TRAINING_MODES).length);
    expect(new Set(classification.map((e) => e.family))).toEqual(new Set(['classification']));
    const text = await cli('baseline', '--list', '--task', 'introspective-synthesis');
    expect(text.stdout).toMatch(/winn-synthesis/);
    expect(text.stdout).not.toMatch(/resnet-20-cifar|Classification baselines/);
    const bad = await cli('baseline', '--list', '--task', 'colouring');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown image-to-image problem "colouring"[\s\S]*amodal-completion/);
  });
});

describe('bad input fails before anything is recorded or queued', () => {
  it('unknown baselines, images too small, widths that split channels, nothing named', async () => {
    const db = `file:${path.join(dir, 'bad.db')}`;
    const redis = testRedisSettings('baseline-bad');
    cleanups.push(() => deletePrefix(redis));
    const common = ['--engine', 'torch', '--workers', '0', '--db', db, '--redis', redis.url, '--prefix', redis.prefix];

    const unknown = await cli('baseline', 'resnet-20-cifar,resnet-21', ...common);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /error \[UNKNOWN_NAME\]: unknown baseline "resnet-21"\n {2}hint: valid baseline names: .*blockqnn-resnet-block.*resnet-20-cifar/,
    );
    const inSearch = await cli('search', '--baselines', 'all,nope', ...common);
    expect(inSearch.stderr).toMatch(/unknown baseline "nope"/);

    const small = await cli('search', '--dataset', 'fashion-mnist', '--baselines', 'resnet-50', ...common);
    expect(small.code).toBe(2);
    expect(small.stderr).toMatch(
      /error \[INVALID_CONFIG\]: baseline resnet-50: inputShape = \[28,28,1\]: 28x28 is too small: the network halves the image 5 times/,
    );
    const tiny = await cli('baseline', 'dla-34-cifar', '--image-size', '4', ...common);
    expect(tiny.stderr).toMatch(/dla-34-cifar.*4x4 is too small/);

    const width = await cli('baseline', 'resnet-20-cifar', '--baseline-width', '0.3', ...common);
    expect(width.stderr).toMatch(
      /INVALID_CONFIG\]: baseline resnet-20-cifar: width 0.3 turns the 16 filters .* not a whole number of channels/,
    );
    expect((await cli('baseline', ...common)).stderr).toMatch(/name the baseline\(s\) to evaluate/);

    // StarGAN's mask vector trains on two label sets: a task with one names the baseline, the task's field and the fix.
    const oneSet = await cli('baseline', 'stargan-jnt', '--task', 'domain-translation', ...common);
    expect(oneSet.code).toBe(2);
    expect(oneSet.stderr).toMatch(
      /error \[INVALID_CONFIG\]: generative baseline stargan-jnt on problem domain-translation: secondDataset = null: .*two label sets/,
    );
    expect(oneSet.stderr).toMatch(/hint: .*--second-dataset fashion-mnist/);
    // A second dataset is for domain translation only.
    const notTranslation = await cli('baseline', 'segan', '--task', 'amodal-completion', '--second-dataset', 'fashion-mnist', ...common);
    expect(notTranslation.stderr).toMatch(/secondDataset is a second label set for domain-translation .*not for amodal-completion/);

    // Nothing recorded: the database file was never created (and `runs` refuses to create it).
    const runs = await cli('runs', '--db', db, '--json');
    expect(runs.stderr).toMatch(/database file:.*bad\.db does not exist/);
    expect(existsSync(db.slice('file:'.length))).toBe(false);
    expect(await keysUnder(redis.prefix)).toEqual([]);
  });
});

describe('blockqnn baseline end to end (torch engine, tiny MNIST)', () => {
  it('evaluates baselines through the queue and prints accuracy, FLOPs, params, density and shaped reward', async () => {
    registerBuiltinEngines();
    const db = `file:${path.join(dir, 'runs.db')}`;
    const redis = testRedisSettings('baseline-cli');
    const engine = await createEngine('torch');
    const worker = new EvaluationWorker(redis, engineHandler(engine), {
      engine: 'torch',
      engineDescription: engine.describe(),
      slot: 'cpu0',
      concurrency: 1,
    });
    await worker.start();
    cleanups.push(async () => {
      await worker.close(100);
      await engine.close?.();
      await deletePrefix(redis);
    });

    const r = await cli(
      'baseline',
      'blockqnn-inception-block,resnet-20-cifar',
      '--engine',
      'torch',
      '--baseline-width',
      '0.25',
      '--subset',
      '120',
      '--validation-size',
      '60',
      '--epochs',
      '1',
      '--workers',
      '0',
      '--db',
      db,
      '--redis',
      redis.url,
      '--prefix',
      redis.prefix,
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as RunComparison;
    expect(report.run).toMatchObject({ status: 'finished', engine: 'torch', dataset: 'mnist', resultCount: 0 });
    expect(report.best).toBeNull();
    expect(report.baselines.map((b) => b.name)).toEqual(['blockqnn-inception-block', 'resnet-20-cifar']);
    for (const b of report.baselines) {
      expect(b).toMatchObject({ kind: 'baseline', status: 'ok' });
      expect(b.accuracy).toBeGreaterThan(0);
      expect(b.flops).toBeGreaterThan(0);
      expect(b.params).toBeGreaterThan(0);
      expect(b.density).toBeGreaterThan(0);
      expect(Number.isFinite(b.reward)).toBe(true);
    }

    // The same run read back: the comparison, status and the run list show the baselines.
    const compare = await cli('runs', 'compare', report.run.id, '--db', db, '--json');
    expect(JSON.parse(compare.stdout)).toEqual(report);
    const table = await cli('runs', 'compare', report.run.id, '--db', db);
    expect(table.stdout).toMatch(/resnet-20-cifar \(baseline\) +ok +\d+\.\d\d%/);
    expect(table.stdout).toContain('(no searched result yet)');
    const status = await cli('status', report.run.id, '--db', db);
    expect(status.stdout).toMatch(/\[baseline\] blockqnn-inception-block +ok +accuracy \d/);
    const runs = JSON.parse((await cli('runs', '--db', db, '--json')).stdout) as { id: string; baselines: number; candidates: number }[];
    expect(runs.find((x) => x.id === report.run.id)).toMatchObject({ baselines: 2, candidates: 0 });

    // Evaluated once each, by the worker, with the run's recipe; nothing left in Redis.
    const store = await openStore(db);
    try {
      const rows = await store.listBaselines(report.run.id);
      expect(rows.map((x) => [x.attempts, x.workerId?.endsWith('cpu0'), x.curve?.length])).toEqual([
        [1, true, 1],
        [1, true, 1],
      ]);
    } finally {
      await store.close();
    }
    expect((await keysUnder(redis.prefix)).filter((k) => k.includes(report.run.id))).toEqual([]);

    // `search --baselines`: the same harness evaluates them beside a short search; the
    // inception block was trained above under the same task, so the result cache answers it.
    const search = await cli(
      'search',
      '--engine',
      'torch',
      '--strategy',
      'random',
      '--budget',
      '1',
      '--baselines',
      'blockqnn-inception-block,blockqnn-resnet-block',
      '--subset',
      '120',
      '--validation-size',
      '60',
      '--epochs',
      '1',
      '--workers',
      '0',
      '--db',
      db,
      '--redis',
      redis.url,
      '--prefix',
      redis.prefix,
      '--json',
    );
    expect(search.code, search.stderr).toBe(0);
    const summary = JSON.parse(search.stdout) as {
      run: { id: string; candidateCount: number; resultCount: number };
      baselines: { name: string; status: string; accuracy: number }[];
    };
    expect(summary.run).toMatchObject({ candidateCount: 1, resultCount: 1 });
    expect(summary.baselines.map((b) => [b.name, b.status])).toEqual([
      ['blockqnn-inception-block', 'ok'],
      ['blockqnn-resnet-block', 'ok'],
    ]);
    expect(summary.baselines[0]!.accuracy).toBe(report.baselines[0]!.accuracy);
    // Answered from the cache, never queued (nor re-enqueued as "lost"): no job of the run is left in Redis, and the row says where it came from.
    expect(search.stderr).toMatch(/2 baseline\(s\): 0 already evaluated, 1 from the result cache, 1 queued/);
    expect(search.stderr).not.toMatch(/re-enqueued/);
    expect((await keysUnder(redis.prefix)).filter((k) => k.includes(summary.run.id))).toEqual([]);
    const reread = await openStore(db);
    try {
      const rows = await reread.listBaselines(summary.run.id);
      expect(rows.map((x) => x.workerId === 'cache')).toEqual([true, false]);
    } finally {
      await reread.close();
    }
    const compared = JSON.parse((await cli('runs', 'compare', summary.run.id, '--db', db, '--json')).stdout) as RunComparison;
    expect(compared.best!.kind).toBe('searched');
    expect(compared.baselines.every((b) => b.rewardGap === b.reward! - compared.best!.reward!)).toBe(true);
  }, 180_000);
});
