/**
 * The dashboard API over real HTTP on a random loopback port, with a real
 * SQLite store and real Redis: reads, validation, the token, security
 * headers, pagination, candidate detail and the shared event streams.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenMatches } from '../../src/server/auth.js';
import type {
  CandidateDetailResponse,
  CandidatePageResponse,
  RunOverview,
  RunSummary,
  SeriesResponse,
} from '../../src/server/api-types.js';
import { eventually } from '../helpers/redis.js';
import { NSC_BLOCKS, TABLE, TOKEN, type TestDashboard, seedNscRun, startDashboard } from './harness.js';

let dash: TestDashboard;
let runId: string;
let hashes: string[];

beforeAll(async () => {
  dash = await startDashboard();
  ({ runId, hashes } = await seedNscRun(dash.store));
});
afterAll(async () => dash?.close());

const get = (path: string, init?: RequestInit) => fetch(`${dash.url}${path}`, init);
async function json<T>(path: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const res = await get(path, init);
  return { status: res.status, body: (await res.json()) as T };
}
type ErrorBody = { error: { code: string; message: string; hint?: string } };

describe('reads', () => {
  it('lists runs and a run overview with counts and best values', async () => {
    const { body } = await json<{ runs: RunSummary[] }>('/api/runs');
    const run = body.runs.find((r) => r.id === runId)!;
    expect(run).toMatchObject({
      name: 'nsc-seeded',
      status: 'finished',
      space: 'nsc',
      dataset: 'mnist',
      resultCount: NSC_BLOCKS.length,
      progress: 1,
    });
    expect(run.bestAccuracy).toBeCloseTo(0.5 + 5 * 0.07);
    const overview = await json<RunOverview>(`/api/runs/${runId}`);
    expect(overview.body.counts.ok).toBe(NSC_BLOCKS.length);
    expect(overview.body.queue).toMatchObject({ waiting: 0, active: 0 });
  });

  it('pages candidates by reward with cursors: every candidate once, in order, with the total', async () => {
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = `/api/runs/${runId}/candidates?sort=reward&order=desc&limit=4${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const { status, body }: { status: number; body: CandidatePageResponse } = await json<CandidatePageResponse>(q);
      expect(status).toBe(200);
      expect(body.total).toBe(NSC_BLOCKS.length);
      seen.push(...body.items.map((c) => c.reward!));
      cursor = body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(2);
    expect(seen).toHaveLength(NSC_BLOCKS.length);
    expect(seen).toEqual([...seen].sort((a, b) => b - a));
    const filtered = await json<CandidatePageResponse>(`/api/runs/${runId}/candidates?status=queued,running`);
    expect(filtered.body.items).toHaveLength(0);
  });

  it('serves a candidate with its block DAG, the network by scope and exact per-node cost', async () => {
    const { status, body } = await json<CandidateDetailResponse>(`/api/runs/${runId}/candidates/${hashes[0]}`);
    expect(status).toBe(200);
    // (1,1,3,0,0)(2,1,3,1,0)(3,5,0,2,0): input → conv → conv → add(conv, input) → output
    expect(body.block!.nodes.map((n) => n.label)).toEqual(['input', 'conv 3×3', 'conv 3×3', 'add', 'output (concat)']);
    expect(body.block!.edges).toContainEqual({ from: 'L0', to: 'L3' });
    expect(body.costs.reduce((s, n) => s + n.macs, 0)).toBe(body.candidate.flops);
    expect(body.totals!.params).toBe(body.candidate.params);
    expect(body.network!.nodes.map((n) => n.id)).toEqual(expect.arrayContaining(['input', 'stem', 's1b1', 'pool1', 's2b1', 'head']));
    expect(body.candidate.curve).toHaveLength(3);
  });

  it('computes chart series with the Pareto front', async () => {
    const { body } = await json<SeriesResponse>(`/api/runs/${runId}/series`);
    expect(body.results).toBe(NSC_BLOCKS.length);
    expect(body.points.at(-1)![3]).toBeCloseTo(0.85);
    expect(body.pareto.length).toBeGreaterThan(0);
    expect(body.layers.types).toEqual(expect.arrayContaining(['conv', 'add', 'concat']));
  });

  it('serves best blocks as graphs', async () => {
    const { body } = await json<{ best: { candidate: { reward: number }; block: { nodes: unknown[] } }[] }>(
      `/api/runs/${runId}/best?limit=3`,
    );
    expect(body.best.map((b) => b.candidate.reward)).toEqual([...body.best.map((b) => b.candidate.reward)].sort((a, b) => b - a));
    expect(body.best.every((b) => b.block.nodes.length >= 3)).toBe(true);
  });
});

describe('bad input gets a clear 4xx and never a stack trace', () => {
  const cases: [string, number, RegExp][] = [
    ['/api/runs/RUN/candidates?limit=0', 400, /limit/],
    ['/api/runs/RUN/candidates?limit=abc', 400, /limit/],
    ['/api/runs/RUN/candidates?sort=name', 400, /sort/],
    ['/api/runs/RUN/candidates?status=done', 400, /status/],
    ['/api/runs/RUN/candidates?bogus=1', 400, /bogus/],
    ['/api/runs/RUN/candidates?limit=1&limit=2', 400, /limit/],
    ['/api/runs/RUN/candidates?cursor=xyz', 400, /cursor/],
    ['/api/runs/RUN/candidates?cursor=a&offset=3', 400, /either cursor or offset/],
    ['/api/runs/RUN/candidates/nope', 404, /no candidate nope/],
    ['/api/runs/no-such-run', 404, /no-such-run/],
    ['/api/runs/bad%20id!', 400, /run id/],
    ['/api/nothing-here', 404, /no API endpoint/],
  ];
  it.each(cases)('%s → %i', async (path, status, message) => {
    const { status: got, body } = await json<ErrorBody>(path.replace('RUN', runId));
    expect(got).toBe(status);
    expect(body.error.message).toMatch(message);
    expect(JSON.stringify(body)).not.toMatch(/\bat .*\.(ts|js):\d+/);
  });
});

describe('changing state needs the token', () => {
  const post = (path: string, body: unknown, token?: string, contentType = 'application/json') =>
    get(path, {
      method: 'POST',
      headers: { 'Content-Type': contentType, ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('refuses start, stop and resume without a token or with a wrong one (401)', async () => {
    for (const path of ['/api/runs', `/api/runs/${runId}/stop`, `/api/runs/${runId}/resume`]) {
      const none = await post(path, { config: {} });
      expect(none.status).toBe(401);
      expect(((await none.json()) as ErrorBody).error.code).toBe('UNAUTHORIZED');
      expect((await post(path, { config: {} }, 'test-token-7f3b')).status).toBe(401);
      expect((await post(path, { config: {} }, TOKEN.slice(0, -1))).status).toBe(401);
    }
    expect(await dash.store.getRun(runId).then((r) => r.status)).toBe('finished');
  });

  it('compares tokens in constant time over equal-length digests', () => {
    expect(tokenMatches('abc', 'abc')).toBe(true);
    expect(tokenMatches('abc', 'abd')).toBe(false);
    expect(tokenMatches('abc', 'abcd')).toBe(false);
    expect(tokenMatches('abc', '')).toBe(false);
  });

  it('with the token, validates the body and the configuration', async () => {
    const malformed = await post('/api/runs', '{"config": ', TOKEN);
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as ErrorBody).error.message).toMatch(/not valid JSON/);
    const extra = await post('/api/runs', { config: {}, evil: true }, TOKEN);
    expect(extra.status).toBe(400);
    const badConfig = await post(
      '/api/runs',
      {
        config: {
          engine: 'table',
          strategy: 'no-such-strategy',
          task: { kind: 'lookup', table: TABLE, fitness: 'c10valid_val_12ep' },
          budget: { candidates: 3 },
        },
      },
      TOKEN,
    );
    expect(badConfig.status).toBe(400);
    expect(((await badConfig.json()) as ErrorBody).error.message).toMatch(/no-such-strategy/);
    const huge = await post('/api/runs', { config: { name: 'x'.repeat(100_000) } }, TOKEN);
    expect(huge.status).toBe(413);
    const finished = await post(`/api/runs/${runId}/resume`, {}, TOKEN);
    expect(finished.status).toBe(409);
    expect((await post(`/api/runs/${runId}/stop`, {}, TOKEN)).status).toBe(202);
  });
});

describe('headers and streams', () => {
  it('sends security headers and no X-Powered-By', async () => {
    for (const path of ['/', '/api/runs', '/api/runs/nope']) {
      const res = await get(path);
      expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
  });

  it('binds to loopback by default', () => {
    expect(new URL(dash.url).hostname).toBe('127.0.0.1');
  });

  it('shares one poll timer per run among all clients and pushes new results', async () => {
    const { runId: live, hashes: liveHashes } = await seedNscRun(dash.store, 2);
    const controllers = [new AbortController(), new AbortController(), new AbortController()];
    const texts = ['', '', ''];
    const readers = controllers.map(async (c, i) => {
      const res = await get(`/api/runs/${live}/stream`, { signal: c.signal });
      expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          texts[i] += decoder.decode(value);
        }
      } catch {
        /* aborted */
      }
    });
    await eventually(() => (texts.every((t) => t.includes('event: overview')) ? true : undefined), 5000, 'first overview');
    expect(dash.server.hub.timers).toBe(1);
    await dash.store.commitResult(live, liveHashes[2]!, { status: 'ok', accuracy: 0.99, reward: 0.98 }, { format: 'seeded' });
    await eventually(() => (texts.every((t) => t.includes('"resultCount":3')) ? true : undefined), 5000, 'pushed result');
    for (const c of controllers) c.abort();
    await Promise.all(readers);
    await eventually(() => (dash.server.hub.timers === 0 ? true : undefined), 3000, 'timer stopped');
  });
});
