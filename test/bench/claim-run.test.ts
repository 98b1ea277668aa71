/**
 * `blockqnn bench claim --scale tiny` end to end on real parts: a search on
 * Fashion-MNIST (Debian's dataset-fashion-mnist), the MAC-matched networks
 * trained by torch worker slots through the queue, the table with a row per
 * network and seed; then an interruption after the first training and a
 * second invocation on the same database, which must train only what is
 * missing. Minutes on a loaded 2-core machine: every training is a real one.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CLAIM_BASELINES, SCALES, formatClaimReport, type ClaimReport } from '../../src/bench/claim/index.js';
import { openStore } from '../../src/store/index.js';
import { deletePrefix, testRedisSettings } from '../helpers/redis.js';

const REPO = resolve(fileURLToPath(import.meta.url), '../../..');
const ENTRY = resolve(REPO, 'src/cli/entry.ts');
const tmp = mkdtempSync(join(tmpdir(), 'claim-run-'));
const redis = testRedisSettings('claim');
const db = `file:${join(tmp, 'claim.db')}`;

afterAll(async () => {
  await deletePrefix(redis);
  rmSync(tmp, { recursive: true, force: true });
});

/**
 * The CLI from the sources in one node process (`--import tsx`: its worker
 * slots fork from the sources too, and a signal reaches it once), as a user runs it; `interruptAfter` sends SIGINT, as Ctrl-C does, once
 * stderr shows that many finished trainings.
 */
function claim(interruptAfter?: number): Promise<{ code: number | null; report: ClaimReport; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(
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
      ],
      { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    let finished = 0;
    let interrupted = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      finished = (stderr.match(/^training \d+ .*: ok/gm) ?? []).length;
      // Once: a second Ctrl-C forces the exit, as in a terminal.
      if (interruptAfter !== undefined && finished >= interruptAfter && !interrupted) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    child.on('error', fail);
    child.on('exit', (code) => {
      try {
        done({ code, report: JSON.parse(stdout) as ClaimReport, stderr });
      } catch {
        fail(new Error(`bench claim exited ${code} without a JSON report\n${stderr.slice(-4000)}`));
      }
    });
  });
}

describe('bench claim at the tiny scale', () => {
  const scale = SCALES.tiny;
  const networks = scale.topBlocks + CLAIM_BASELINES.length;
  const planned = networks * scale.final.seeds.length;

  it('keeps the trainings finished before an interruption and resumes without training them again', async () => {
    // First invocation: Ctrl-C once the first training has its result.
    const first = await claim(1);
    expect(first.code, first.stderr.slice(-3000)).toBe(0);
    expect(first.stderr).toMatch(/stopping: finished trainings are kept/);
    expect(first.report.searchFinished).toBe(true);
    expect(first.report.complete).toBe(false);
    const finishedFirst = first.report.trainings.filter((t) => t.status === 'ok');
    expect(finishedFirst.length).toBeGreaterThanOrEqual(1);
    expect(formatClaimReport(first.report)).toMatch(/Incomplete: \d+ of \d+ trainings finished ok; run the same command again/);

    // Second invocation, same database: the search is not run again, finished trainings are reused.
    const again = await claim();
    expect(again.code, again.stderr.slice(-3000)).toBe(0);
    const second = again.report;
    const lines = again.stderr.split('\n');
    expect(second.searchRunId).toBe(first.report.searchRunId);
    expect(second.complete).toBe(true);
    for (const done of finishedFirst)
      expect(second.trainings.find((t) => t.network === done.network && t.seed === done.seed)).toMatchObject({
        trainingId: done.trainingId,
        accuracy: done.accuracy,
      });
    expect(lines.some((l) => /already finished .* not trained again/.test(l))).toBe(true);

    // A row per network and seed, and no training row beyond them: nothing was trained twice.
    expect(second.trainings).toHaveLength(planned);
    const store = await openStore(db);
    try {
      expect(await store.trainings.list({ limit: 1000 })).toHaveLength(planned);
      expect((await store.getRun(second.searchRunId)).status).toBe('finished');
    } finally {
      await store.close();
    }
    expect(new Set(second.trainings.map((t) => `${t.network}/${t.seed}`)).size).toBe(planned);
    for (const t of second.trainings) {
      expect(t.status).toBe('ok');
      expect(t.accuracy).toBeGreaterThanOrEqual(0);
      expect(t.accuracy).toBeLessThanOrEqual(1);
    }

    // Per network: the MAC match, the cost-model numbers, a mean over its seeds; and the verdict.
    expect(second.networks.map((n) => n.kind)).toEqual([
      ...Array(scale.topBlocks).fill('searched'),
      ...CLAIM_BASELINES.map(() => 'baseline'),
    ]);
    for (const n of second.networks) {
      expect(n.within, `${n.key}: ${n.offset}`).toBe(true);
      expect(n.params).toBeGreaterThan(0);
      expect(n.density).toBeGreaterThan(0);
      expect(n.accuracy.n).toBe(scale.final.seeds.length);
      expect(n.seconds).toBeGreaterThan(0);
    }
    expect(second.verdict.searched).toMatch(/^searched-/);
    expect(CLAIM_BASELINES as readonly string[]).toContain(second.verdict.baseline);
    const table = formatClaimReport(second);
    for (const n of second.networks) expect(table).toContain(`| ${n.key}`);
    expect(table).toMatch(/Verdict: the searched block (wins|loses)/);
    const json = JSON.parse(JSON.stringify(second)) as { trainings: unknown[]; verdict: { text: string } };
    expect(json.trainings).toHaveLength(planned);
  }, 1_500_000);
});
