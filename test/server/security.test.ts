/**
 * The dashboard's security properties over real HTTP: every route that
 * changes state refuses a missing or wrong token (found by walking express's
 * router, so a new route cannot slip through); loopback binding and the
 * warning on an exposed address; URL, body and rate limits with JSON errors;
 * security headers and no open CORS.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DashboardServer, createServer } from '../../src/server/index.js';
import { exposureWarning } from '../../src/server/server.js';
import { effectiveRateLimit, parseRateLimit } from '../../src/server/request-limits.js';
import { type Store, openStore } from '../../src/store/index.js';
import { deletePrefix, testRedisSettings } from '../helpers/redis.js';
import { type TestDatabase, sqliteBackend } from '../store/backends.js';
import { TOKEN, seedNscRun } from './harness.js';
import { routesOf } from './security-routes.js';

interface Running {
  server: DashboardServer;
  url: string;
  logs: string[];
  close(): Promise<void>;
}

let db: TestDatabase;
let store: Store;
const redis = testRedisSettings('security');
let runId: string;
let hash: string;
const open: Running[] = [];

async function serve(o: { token?: string; rateLimit?: number; host?: string } = {}): Promise<Running> {
  const logs: string[] = [];
  const server = createServer({ store, redis, controllerId: 'security-test', log: (l) => logs.push(l), warmRuns: 0, ...o });
  const { url } = await server.start({ port: 0, ...(o.host ? { host: o.host } : {}) });
  const running = { server, url, logs, close: () => server.close() };
  open.push(running);
  return running;
}

beforeAll(async () => {
  db = await sqliteBackend.create();
  store = await openStore(db.url);
  const seeded = await seedNscRun(store);
  runId = seeded.runId;
  hash = seeded.hashes[0]!;
});
afterAll(async () => {
  for (const r of open) await r.close().catch(() => undefined);
  await store?.close();
  await db?.drop();
  await deletePrefix(redis);
});

const concrete = (path: string) => path.replace(':id', runId).replace(':hash', hash).replace(':engine', 'table');
type ErrorBody = { error: { code: string; message: string; hint?: string } };

describe('every state-changing route needs the token', () => {
  it('finds the mutating routes by walking the router, and each refuses no token and a wrong one with 401', async () => {
    const dash = await serve({ token: TOKEN });
    const routes = routesOf(dash.server);
    expect(routes.length).toBeGreaterThan(10);
    const mutating = routes.filter((r) => !['GET', 'HEAD', 'OPTIONS'].includes(r.method));
    // The ones known today; a new one is tested the same way without being listed.
    expect(mutating.map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining(['POST /api/runs', 'POST /api/runs/:id/stop', 'POST /api/runs/:id/resume']),
    );
    for (const r of mutating) {
      const url = `${dash.url}${concrete(r.path)}`;
      const attempts: [string, Record<string, string>][] = [
        ['no token', {}],
        ['wrong token', { Authorization: 'Bearer not-the-token' }],
        ['token one character short', { Authorization: `Bearer ${TOKEN.slice(0, -1)}` }],
        ['token as basic auth', { Authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` }],
        ['token in another header', { 'X-Token': TOKEN }],
      ];
      for (const [what, headers] of attempts) {
        const res = await fetch(url, {
          method: r.method,
          headers: { 'Content-Type': 'application/json', ...headers },
          body: JSON.stringify({ config: {} }),
        });
        expect(res.status, `${r.method} ${r.path} with ${what}`).toBe(401);
        expect(((await res.json()) as ErrorBody).error.code).toBe('UNAUTHORIZED');
      }
      // And the token in the query string is not a token.
      expect((await fetch(`${url}?token=${TOKEN}`, { method: r.method })).status).toBe(401);
    }
    expect((await store.getRun(runId)).status).toBe('finished');
  });

  it('a dashboard started without a token refuses every mutating route, whatever is sent', async () => {
    const dash = await serve();
    for (const r of routesOf(dash.server).filter((x) => x.method === 'POST')) {
      for (const auth of [undefined, 'Bearer ', 'Bearer undefined', 'Bearer null']) {
        const res = await fetch(`${dash.url}${concrete(r.path)}`, { method: 'POST', headers: auth ? { Authorization: auth } : {} });
        expect(res.status).toBe(401);
        expect(((await res.json()) as ErrorBody).error.message).toMatch(/read-only|token/);
      }
    }
  });
});

describe('binding', () => {
  it('listens on 127.0.0.1 unless told otherwise, and says nothing about exposure there', async () => {
    const dash = await serve({ token: TOKEN });
    expect(new URL(dash.url).hostname).toBe('127.0.0.1');
    expect(dash.logs.join('\n')).not.toMatch(/WARNING|reachable from the network/);
  });

  it('warns loudly when it listens on every interface without a token, and about plain HTTP with one', async () => {
    const open = await serve({ host: '0.0.0.0' });
    expect(open.logs.filter((l) => l.startsWith('WARNING')).length).toBeGreaterThanOrEqual(2);
    expect(open.logs.join('\n')).toMatch(/0\.0\.0\.0, reachable from the network, WITHOUT a token/);
    const guarded = await serve({ host: '0.0.0.0', token: TOKEN });
    expect(guarded.logs.join('\n')).toMatch(/token travels in clear over plain HTTP/);
    expect(exposureWarning('::1', false)).toEqual([]);
    expect(exposureWarning('127.0.0.2', false)).toEqual([]);
    expect(exposureWarning('192.168.1.4', false)[0]).toMatch(/WARNING/);
    expect(exposureWarning('::', false)[0]).toMatch(/WARNING/);
  });
});

describe('request limits', () => {
  let dash: Running;
  beforeAll(async () => {
    dash = await serve({ token: TOKEN });
  });

  it('refuses a body over 64 kB with 413 and a JSON error', async () => {
    const res = await fetch(`${dash.url}/api/runs`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ config: { name: 'x'.repeat(70_000) } }),
    });
    expect(res.status).toBe(413);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe('TOO_LARGE');
    expect(body.error.message).toMatch(/the request body is \d+ bytes, over the limit of 65536 bytes/);
  });

  it('refuses a URL over 4,096 characters with 414, and a query with unknown or repeated keys with 400', async () => {
    const long = await fetch(`${dash.url}/api/runs?limit=${'1'.repeat(5000)}`);
    expect(long.status).toBe(414);
    expect(((await long.json()) as ErrorBody).error).toMatchObject({
      code: 'URI_TOO_LONG',
      message: expect.stringMatching(/more than 4096/),
    });
    const many = Array.from({ length: 300 }, (_, i) => `k${i}=1`).join('&');
    const res = await fetch(`${dash.url}/api/runs/${runId}/candidates?${many}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorBody).error.message).toMatch(/k0/);
    const repeated = await fetch(`${dash.url}/api/runs?limit=1&limit=2`);
    expect(repeated.status).toBe(400);
  });

  it('rate-limits each client: 429 with Retry-After and a JSON error past the limit', async () => {
    const limited = await serve({ rateLimit: 5 });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await fetch(`${limited.url}/api/health`)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const res = await fetch(`${limited.url}/api/runs`);
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(res.headers.get('ratelimit-policy')).toMatch(/q=5/);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe('RATE_LIMITED');
    expect(body.error.message).toMatch(/more than 5 a minute/);
    expect(body.error.hint).toMatch(/Retry-After|--rate-limit/);
    // The front-end's files are not API requests and stay served.
    expect((await fetch(`${limited.url}/`)).status).toBe(200);
  });

  it('an engine name that is not registered is a 404, and opens no queue', async () => {
    const queues = (dash.server.services as unknown as { queues: Map<string, unknown> }).queues;
    const before = queues.size;
    for (let i = 0; i < 50; i++) {
      const res = await fetch(`${dash.url}/api/queue/fuzz-engine-${i}`);
      expect(res.status).toBe(404);
      expect(((await res.json()) as ErrorBody).error.message).toMatch(/no engine fuzz-engine-\d+ \(engines: .*table/);
    }
    expect(queues.size).toBe(before);
    expect((await fetch(`${dash.url}/api/queue/table`)).status).toBe(200);
  });

  it('without --rate-limit: 600 a minute on an exposed address, none on loopback', async () => {
    const local = await serve({});
    expect((await fetch(`${local.url}/api/health`)).headers.get('ratelimit-policy')).toBeNull();
    const exposed = await serve({ host: '0.0.0.0', token: TOKEN });
    const port = new URL(exposed.url).port;
    expect((await fetch(`http://127.0.0.1:${port}/api/health`)).headers.get('ratelimit-policy')).toMatch(/q=600/);
    expect(effectiveRateLimit(undefined, true)).toBe(0);
    expect(effectiveRateLimit(undefined, false)).toBe(600);
    expect(effectiveRateLimit(50, true)).toBe(50);
    expect(effectiveRateLimit(0, false)).toBe(0);
  });

  it('--rate-limit takes N/min, N/s, a bare N and off', () => {
    expect(parseRateLimit('600/min')).toBe(600);
    expect(parseRateLimit('10/s')).toBe(600);
    expect(parseRateLimit('120')).toBe(120);
    expect(parseRateLimit('off')).toBe(0);
    expect(parseRateLimit('0')).toBe(0);
    for (const bad of ['', 'fast', '-1/min', '1.5/min', '10/h', '9'.repeat(30)]) expect(() => parseRateLimit(bad)).toThrow(/--rate-limit/);
  });
});

describe('headers', () => {
  let dash: Running;
  beforeAll(async () => {
    dash = await serve({ token: TOKEN });
  });

  it('sends a strict CSP, nosniff, frame protection and no X-Powered-By on pages, API answers and errors', async () => {
    for (const path of ['/', '/api/runs', '/api/nope', `/api/runs/${runId}/candidates?limit=0`]) {
      const res = await fetch(`${dash.url}${path}`);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toMatch(/default-src 'self'/);
      expect(csp).toMatch(/frame-ancestors 'self'/);
      expect(csp).toMatch(/object-src 'none'/);
      expect(csp).toMatch(/script-src 'self'(;|$)/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
  });

  it('grants no cross-origin access: no Access-Control-Allow-* on reads or preflights', async () => {
    const read = await fetch(`${dash.url}/api/runs`, { headers: { Origin: 'http://evil.example' } });
    expect(read.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${dash.url}/api/runs/${runId}/stop`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://evil.example',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization',
      },
    });
    for (const name of [
      'access-control-allow-origin',
      'access-control-allow-headers',
      'access-control-allow-methods',
      'access-control-allow-credentials',
    ]) {
      expect(preflight.headers.get(name)).toBeNull();
    }
    expect(preflight.headers.get('cross-origin-resource-policy')).toBe('same-origin');
  });
});
