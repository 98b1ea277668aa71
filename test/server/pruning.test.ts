/**
 * The dashboard API on a pruned run (real HTTP, real SQLite store): counts per status include
 * `pruned`, the series carry the epochs trained and saved, a pruned candidate's detail carries its
 * short curve and the recipe's epochs, and the candidate filter takes `pruned`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nscCandidates } from '../../src/orchestrator/candidates.js';
import type { CandidateDetailResponse, CandidatePageResponse, RunOverview, SeriesResponse } from '../../src/server/api-types.js';
import { NSC_BLOCKS, TOKEN, type TestDashboard, startDashboard } from './harness.js';

let dash: TestDashboard;
let runId: string;
let prunedHash: string;

beforeAll(async () => {
  dash = await startDashboard();
  const network = { inputShape: [8, 8, 1] as [number, number, number], classes: 10, blocksPerStage: 1, baseFilters: 4, stages: 2 };
  const run = await dash.store.createRun({
    name: 'pruned',
    strategy: 'qlearning',
    engine: 'torch',
    taskKey: 'pruned-seeded',
    seed: 1,
    status: 'finished',
    budget: { candidates: 4 },
    config: {
      space: 'nsc',
      task: { kind: 'classification', dataset: { name: 'mnist' }, recipe: { epochs: 6 } },
      network,
      maxIndex: 8,
      pruner: { name: 'median', options: { startupCandidates: 2 } },
    },
  });
  runId = run.id;
  const made = NSC_BLOCKS.slice(0, 4).map((code) => nscCandidates(network, 8).materialize(code));
  await dash.store.upsertQueuedCandidates(
    runId,
    made.map((m) => ({ hash: m.hash, nsc: m.key, ir: m.ir, flops: m.flops, params: m.params, density: m.density })),
  );
  const curve = (epochs: number) => Array.from({ length: epochs }, (_, i) => ({ epoch: i + 1, loss: 1, valAccuracy: 0.1 * (i + 1) }));
  const result = (status: 'ok' | 'pruned', epochs: number) => ({
    status,
    accuracy: 0.1 * epochs,
    reward: 0.1 * epochs,
    curve: curve(epochs),
    trainSeconds: epochs,
    evalSeconds: 0,
    workerId: 'h:1:cpu0',
    engine: 'torch',
    attempts: 1,
  });
  // Two complete, one pruned after 1 epoch, one after 3: 6 + 6 + 1 + 3 = 16 epochs trained, 5 + 3 = 8 saved.
  await dash.store.commitResults(
    runId,
    [
      { hash: made[0]!.hash, result: result('ok', 6) },
      { hash: made[1]!.hash, result: result('ok', 6) },
      { hash: made[2]!.hash, result: result('pruned', 1) },
      { hash: made[3]!.hash, result: result('pruned', 3) },
    ],
    { format: 'seeded' },
  );
  prunedHash = made[2]!.hash;
});
afterAll(async () => dash?.close());

const json = async <T>(path: string): Promise<T> =>
  (await (await fetch(`${dash.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as T;

describe('dashboard API: a pruned run', () => {
  it('counts pruned candidates and the epochs saved', async () => {
    const overview = await json<RunOverview>(`/api/runs/${runId}`);
    expect(overview.counts).toMatchObject({ ok: 2, pruned: 2, failed: 0 });
    const series = await json<SeriesResponse>(`/api/runs/${runId}/series`);
    expect(series.pruning).toEqual({ pruner: 'median', recipeEpochs: 6, pruned: 2, epochsTrained: 16, epochsSaved: 8 });
  });

  it("serves a pruned candidate with its short curve and the recipe's epochs, and filters by pruned", async () => {
    const detail = await json<CandidateDetailResponse>(`/api/runs/${runId}/candidates/${prunedHash}`);
    expect(detail.candidate.status).toBe('pruned');
    expect(detail.candidate.curve).toHaveLength(1);
    expect(detail.recipeEpochs).toBe(6);
    const page = await json<CandidatePageResponse>(`/api/runs/${runId}/candidates?status=pruned`);
    expect(page.items.map((c) => c.status)).toEqual(['pruned', 'pruned']);
  });
});
