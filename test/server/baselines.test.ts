/**
 * Baselines in the dashboard API over real HTTP (real SQLite, real Redis): the
 * comparison endpoint, baseline rows kept out of the search's candidate pages
 * and best blocks, and a baseline's detail with its name and engine metrics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  BaselineComparisonResponse,
  BestBlock,
  CandidateDetailResponse,
  CandidatePageResponse,
  RunSummary,
} from '../../src/server/api-types.js';
import { seedBaselines } from './baseline-fixtures.js';
import { NSC_BLOCKS, type TestDashboard, seedNscRun, startDashboard } from './harness.js';

let dash: TestDashboard;
let runId: string;
let seeded: { ahead: string; queued: string };

beforeAll(async () => {
  dash = await startDashboard();
  ({ runId } = await seedNscRun(dash.store));
  seeded = await seedBaselines(dash.store, runId);
});
afterAll(async () => dash?.close());

async function json<T>(path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${dash.url}${path}`);
  return { status: res.status, body: (await res.json()) as T };
}

describe('baselines in the API', () => {
  it('compares the best searched block with every baseline', async () => {
    const { status, body } = await json<BaselineComparisonResponse>(`/api/runs/${runId}/baselines`);
    expect(status).toBe(200);
    expect(body.best).toMatchObject({
      kind: 'searched',
      name: 'best searched',
      accuracy: expect.closeTo(0.85, 10),
      reward: expect.closeTo(0.8, 10),
    });
    expect(body.baselines.map((b) => [b.name, b.status])).toEqual([
      ['resnet-20-cifar', 'ok'],
      ['blockqnn-inception-block', 'queued'],
    ]);
    expect(body.baselines[0]).toMatchObject({
      kind: 'baseline',
      accuracy: 0.95,
      metrics: { robustAccuracy: 0.31 },
      rewardGap: expect.closeTo(0.19, 10),
    });
    expect(body.baselines[1]!.rewardGap).toBeNull();
    expect((await json(`/api/runs/nope/baselines`)).status).toBe(404);
  });

  it("keeps baselines out of the search's pages, counts and best blocks", async () => {
    const page = await json<CandidatePageResponse>(`/api/runs/${runId}/candidates?sort=reward&order=desc&limit=100`);
    expect(page.body.total).toBe(NSC_BLOCKS.length);
    expect(page.body.items.every((c) => c.baseline === null)).toBe(true);
    const best = await json<{ best: BestBlock[] }>(`/api/runs/${runId}/best?limit=3`);
    expect(best.body.best[0]!.candidate.baseline).toBeNull();
    const overview = await json<{ counts: Record<string, number> }>(`/api/runs/${runId}`);
    expect(overview.body.counts.queued).toBe(0);
  });

  it("serves a baseline's detail with its name, metrics and network", async () => {
    const { body } = await json<CandidateDetailResponse>(`/api/runs/${runId}/candidates/${seeded.ahead}`);
    expect(body.candidate).toMatchObject({
      baseline: 'resnet-20-cifar',
      sequence: -1,
      metrics: { robustAccuracy: 0.31 },
      nsc: 'resnet-20-cifar',
    });
    expect(body.block).toBeNull(); // a whole network, not an NSC block
    expect(body.totals!.params).toBe(body.candidate.params);
    const nsc = await json<CandidateDetailResponse>(`/api/runs/${runId}/candidates/${seeded.queued}`);
    expect(nsc.body.block!.nodes.length).toBeGreaterThan(3); // the Inception block drawn like a searched one
  });

  it("counts a run's configured baselines in its summary", async () => {
    const run = await dash.store.createRun({
      name: 'with-baselines',
      strategy: 'random',
      engine: 'tfjs',
      taskKey: 'k',
      seed: 0,
      config: { space: 'nsc', baselines: { names: ['resnet-20-cifar', 'blockqnn-resnet-block'], width: 0.25 } },
    });
    const { body } = await json<{ runs: RunSummary[] }>('/api/runs');
    expect(body.runs.find((r) => r.id === run.id)!.baselineCount).toBe(2);
    expect(body.runs.find((r) => r.id === runId)!.baselineCount).toBe(0);
  });
});
