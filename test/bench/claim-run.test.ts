/**
 * `blockqnn bench claim --scale tiny` end to end on real parts: a search on
 * Fashion-MNIST (Debian's dataset-fashion-mnist), the MAC-matched networks
 * trained by torch worker slots through the queue, the table with a row per
 * network and seed; then an interruption after the first training and a
 * second invocation on the same database, which must train only what is
 * missing. Minutes on a loaded 2-core machine: every training is a real one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLAIM_BASELINES, SCALES, formatClaimReport, runClaim } from '../../src/bench/claim/index.js';
import { openStore } from '../../src/store/index.js';
import { deletePrefix, testRedisSettings } from '../helpers/redis.js';

const tmp = mkdtempSync(join(tmpdir(), 'claim-run-'));
const redis = testRedisSettings('claim');
const db = `file:${join(tmp, 'claim.db')}`;
const lines: string[] = [];
const options = { scale: 'tiny' as const, db, redis, redisGiven: true, engine: 'torch', workers: 1, log: (l: string) => lines.push(l), controllerId: 'claim-test', pollMs: 250, reconcileEveryMs: 1000 };

afterAll(async () => {
  await deletePrefix(redis);
  rmSync(tmp, { recursive: true, force: true });
});

describe('bench claim at the tiny scale', () => {
  const scale = SCALES.tiny;
  const networks = scale.topBlocks + CLAIM_BASELINES.length;
  const planned = networks * scale.final.seeds.length;

  it('keeps the trainings finished before an interruption and resumes without training them again', async () => {
    // First invocation: stopped (as SIGINT stops the CLI) once the first training has its result.
    const stop = new AbortController();
    const first = await runClaim({ ...options, stopSignal: stop.signal, onTraining: () => stop.abort() });
    expect(first.searchFinished).toBe(true);
    expect(first.complete).toBe(false);
    const finishedFirst = first.trainings.filter((t) => t.status === 'ok');
    expect(finishedFirst.length).toBeGreaterThanOrEqual(1);
    expect(formatClaimReport(first)).toMatch(/Incomplete: \d+ of \d+ trainings finished ok; run the same command again/);

    // Second invocation, same database: the search is not run again, finished trainings are reused.
    const second = await runClaim({ ...options, log: (l) => lines.push(`[2] ${l}`) });
    expect(second.searchRunId).toBe(first.searchRunId);
    expect(second.complete).toBe(true);
    for (const done of finishedFirst) expect(second.trainings.find((t) => t.network === done.network && t.seed === done.seed)).toMatchObject({ trainingId: done.trainingId, accuracy: done.accuracy });
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
    expect(second.networks.map((n) => n.kind)).toEqual([...Array(scale.topBlocks).fill('searched'), ...CLAIM_BASELINES.map(() => 'baseline')]);
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
