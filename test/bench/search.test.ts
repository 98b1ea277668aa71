import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatSearchBench, runSearchBench } from '../../src/bench/search.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const csvPath = path.resolve(repoRoot, 'data/nasbench201/cifar10.csv.gz');
const COLUMNS = ['--fitness', 'c10valid_val_12ep', '--report', 'c10_test_200ep'];

/** Runs the real CLI (TypeScript sources through tsx) in a child process. */
function blockqnn(...args: string[]) {
  const entry = "import { main } from './src/cli/main.ts'; process.exitCode = await main(process.argv);";
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', entry, '--', 'blockqnn', ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('blockqnn bench search', () => {
  it('prints one JSON object keyed by strategy with mean, std and ratio to random', () => {
    const { code, stdout, stderr } = blockqnn(
      'bench',
      'search',
      '--table',
      csvPath,
      ...COLUMNS,
      '--budget',
      '40',
      '--runs',
      '6',
      '--workers',
      '2',
      '--json',
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as Record<string, Record<string, number | null>>;
    expect(Object.keys(report)).toEqual(['random', 'evolution', 'qlearning', 'qlearning-predictor']);
    for (const r of Object.values(report)) {
      expect(r).toMatchObject({ runs: 6, budget: 40 });
      for (const field of ['mean', 'std', 'ratioToRandom', 'fitnessMean', 'foundBestFitness', 'overheadMicrosPerDecision'])
        expect(typeof r[field]).toBe('number');
      expect(r.mean!).toBeGreaterThan(85);
      expect(r.mean!).toBeLessThanOrEqual(94.38); // the best 200-epoch accuracy in the table
      expect(r.ratioToRandom!).toBeCloseTo(r.mean! / report.random!.mean!, 12);
    }
    expect(report.random!.ratioToRandom).toBe(1);
  });

  it('gives the same numbers whatever the number of worker threads, and prints a table', async () => {
    const options = {
      csv: gunzipSync(readFileSync(csvPath)).toString('utf8'),
      source: csvPath,
      columns: { fitness: 'c10valid_val_12ep', report: 'c10_test_200ep' },
      space: 'nasbench201',
      strategies: ['random', 'qlearning-predictor'],
      budget: 30,
      runs: 5,
      seed: 7,
    };
    const one = await runSearchBench({ ...options, workers: 1 });
    const two = await runSearchBench({ ...options, workers: 2 });
    expect(two.workers).toBe(2);
    for (const name of options.strategies) {
      expect(two.strategies[name]!.mean).toBe(one.strategies[name]!.mean);
      expect(two.strategies[name]!.std).toBe(one.strategies[name]!.std);
    }
    const text = formatSearchBench(one);
    expect(text).toMatch(/^strategy\s+mean ± std\s+ratio/m);
    expect(text).toMatch(/^qlearning-predictor\s+\d+\.\d\d ± \d\.\d\d\s+\d\.\d{4}/m);
  });

  it('names a missing column and lists the available ones', () => {
    const { code, stderr } = blockqnn(
      'bench',
      'search',
      '--table',
      csvPath,
      '--fitness',
      'val_acc',
      '--report',
      'c10_test_200ep',
      '--runs',
      '1',
      '--budget',
      '2',
    );
    expect(code).toBe(2);
    expect(stderr).toContain('no fitness column "val_acc"');
    expect(stderr).toContain('available columns: arch_index, arch_str, c10valid_val_12ep');
  });

  it('lists the valid strategies for an unknown one', () => {
    const { code, stderr } = blockqnn('bench', 'search', '--table', csvPath, ...COLUMNS, '--strategies', 'random,reinforce', '--runs', '1');
    expect(code).toBe(2);
    expect(stderr).toContain('unknown strategy "reinforce"');
    expect(stderr).toContain('valid strategy names: evolution, qlearning, qlearning-predictor, random');
  });
});
