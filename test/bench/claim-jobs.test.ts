/**
 * The GPU session without Node: `bench claim --emit-jobs DIR` writes the
 * trainings as torch-trainer requests with their modules and data,
 * bench/gpu/claim.sh trains them with python only (here one, on the CPU), and
 * `--import-results` stores the result as a training of the bench, which the
 * table then shows. Bad results files are refused naming the problem.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { CLAIM_BASELINES, SCALES, type ClaimReport } from '../../src/bench/claim/index.js';
import { deletePrefix, testRedisSettings } from '../helpers/redis.js';

const run = promisify(execFile);
const REPO = resolve(fileURLToPath(import.meta.url), '../../..');
const ENTRY = resolve(REPO, 'src/cli/entry.ts');
const tmp = mkdtempSync(join(tmpdir(), 'claim-jobs-'));
const redis = testRedisSettings('claim-jobs');
const db = `file:${join(tmp, 'claim.db')}`;
const jobs = join(tmp, 'jobs');

afterAll(async () => {
  await deletePrefix(redis);
  rmSync(tmp, { recursive: true, force: true });
});

const claim = (...args: string[]) =>
  run(
    process.execPath,
    [
      '--import',
      'tsx',
      ENTRY,
      'bench',
      'claim',
      '--scale',
      'tiny',
      '--db',
      db,
      '--redis',
      redis.url,
      '--prefix',
      redis.prefix,
      '--workers',
      '1',
      '--json',
      ...args,
    ],
    { cwd: REPO, maxBuffer: 16 << 20, timeout: 1_200_000 },
  );

describe('bench claim --emit-jobs and --import-results', () => {
  const planned = (SCALES.tiny.topBlocks + CLAIM_BASELINES.length) * SCALES.tiny.final.seeds.length;

  it('writes the trainings as job files, trains one with bench/gpu/claim.sh, and imports its result', async () => {
    const emitted = JSON.parse((await claim('--emit-jobs', jobs)).stdout) as ClaimReport;
    expect(emitted.emitted).toBe(planned);
    expect(emitted.trainings).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(jobs, 'jobs.json'), 'utf8')) as {
      searchRunId: string;
      jobs: { key: string; request: { module: { path: string }; dataset: { path: string }; evaluateOn: string } }[];
    };
    expect(manifest.searchRunId).toBe(emitted.searchRunId);
    expect(manifest.jobs).toHaveLength(planned);
    for (const j of manifest.jobs) {
      expect(existsSync(join(jobs, j.request.module.path))).toBe(true);
      expect(existsSync(join(jobs, j.request.dataset.path))).toBe(true);
      expect(j.request.evaluateOn).toBe('test');
    }

    const out = join(tmp, 'results.json');
    await run(resolve(REPO, 'bench/gpu/claim.sh'), [jobs, '--out', out, '--slots', '1', '--limit', '1'], {
      cwd: REPO,
      timeout: 600_000,
      env: { ...process.env, BLOCKQNN_TORCH_THREADS: '1' },
    });
    const results = JSON.parse(readFileSync(out, 'utf8')) as { results: { key: string; status: string; accuracy: number }[] };
    expect(results.results).toHaveLength(1);
    expect(results.results[0]).toMatchObject({ key: manifest.jobs[0]!.key, status: 'ok' });

    const imported = JSON.parse((await claim('--import-results', out)).stdout) as ClaimReport;
    expect(imported.trainings).toHaveLength(1);
    expect(imported.trainings[0]).toMatchObject({ status: 'ok', accuracy: results.results[0]!.accuracy });
    expect(imported.networks.find((n) => imported.trainings[0]!.network === n.key)?.accuracy.n).toBe(1);

    // Importing again adds nothing: the training has its result.
    const again = JSON.parse((await claim('--import-results', out)).stdout) as ClaimReport;
    expect(again.trainings.map((t) => t.trainingId)).toEqual(imported.trainings.map((t) => t.trainingId));

    // A file that is not claim.py's is refused naming the file.
    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, JSON.stringify({ format: 'something-else', results: [] }));
    await expect(claim('--import-results', bad)).rejects.toMatchObject({ stderr: expect.stringMatching(/results file .*bad\.json/) });
  }, 1_500_000);
});
