/**
 * Bad-input corpus, HTTP: a real dashboard on a free loopback port (SQLite
 * store with a finished run, real Redis) and real requests for every route
 * the router has: random query strings (known and unknown keys, repeated keys,
 * broken percent-encoding, huge and odd values), random path parameters, and
 * random bodies with and without the token and with wrong content types.
 * Never a 5xx; every refusal is a JSON error with a non-empty message; the
 * server answers its health check at the end.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DashboardServer, createServer } from '../../src/server/index.js';
import { type Store, openStore } from '../../src/store/index.js';
import { deletePrefix, testRedisSettings } from '../helpers/redis.js';
import { TOKEN, seedNscRun } from '../server/harness.js';
import { type RouteInfo, routesOf } from '../server/security-routes.js';
import { type TestDatabase, sqliteBackend } from '../store/backends.js';
import { CaseCounter, reportCases } from './fuzz-kit.js';

const queries = new CaseCounter('http-query');
const params = new CaseCounter('http-path');
const bodies = new CaseCounter('http-body');

let db: TestDatabase;
let store: Store;
let server: DashboardServer;
let url: string;
let routes: RouteInfo[];
let runId: string;
let hash: string;
const logs: string[] = [];
const redis = testRedisSettings('fuzz-http');

beforeAll(async () => {
  db = await sqliteBackend.create();
  store = await openStore(db.url);
  const seeded = await seedNscRun(store);
  runId = seeded.runId;
  hash = seeded.hashes[0]!;
  // No rate limit: the corpus sends thousands of requests from one address on purpose.
  server = createServer({ store, redis, token: TOKEN, controllerId: 'fuzz-http', log: (l) => logs.push(l), warmRuns: 0, rateLimit: 0 });
  ({ url } = await server.start({ port: 0 }));
  routes = routesOf(server);
});
afterAll(async () => {
  reportCases(queries, params, bodies);
  await server?.close();
  await store?.close();
  await db?.drop();
  await deletePrefix(redis);
});

const STREAMS = /\/stream$/;
const EXPORT = /\/export$/;
const IMAGES = /\.png$/;

/** Sends one request and checks the answer: below 500, JSON error bodies with a message, streams, downloads and pictures as themselves. */
async function probe(counter: CaseCounter, method: string, path: string, init: RequestInit = {}): Promise<number> {
  const abort = new AbortController();
  const res = await fetch(`${url}${path}`, { method, ...init, signal: abort.signal, redirect: 'manual' });
  try {
    expect(res.status, `${method} ${path}`).toBeLessThan(500);
    const type = res.headers.get('content-type') ?? '';
    if (res.status >= 400) {
      expect(type, `${method} ${path}`).toMatch(/application\/json/);
      const body = (await res.json()) as { error?: { code?: string; message?: string } };
      expect(typeof body.error?.code).toBe('string');
      expect(body.error?.message?.trim().length, `${method} ${path}`).toBeGreaterThan(0);
      expect(JSON.stringify(body)).not.toMatch(/\bat .*\.(ts|js):\d+/);
      counter.refused();
    } else {
      if (STREAMS.test(path.split('?')[0]!)) expect(type).toMatch(/text\/event-stream/);
      else if (IMAGES.test(path.split('?')[0]!)) expect(type).toMatch(/image\/png/);
      else if (!EXPORT.test(path.split('?')[0]!)) expect(type).toMatch(/application\/json/);
      counter.accepted();
    }
    return res.status;
  } finally {
    abort.abort();
  }
}

const concrete = (path: string, id = runId, h = hash, engine = 'table') =>
  path.replace(':id', id).replace(':hash', h).replace(':engine', engine);

const safeEncode = (text: string) => {
  try {
    return encodeURIComponent(text);
  } catch {
    return '%ED%A0%80';
  }
};

const KNOWN_KEYS = ['sort', 'order', 'status', 'limit', 'cursor', 'offset', 'afterId', 'by', 'format', 'weights', 'token'];
const valueText = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom(
    '',
    '0',
    '-1',
    '1',
    '50',
    '1e309',
    'NaN',
    'Infinity',
    '9'.repeat(40),
    '0x10',
    ' 5',
    'reward',
    'desc',
    'ok,failed',
    'ok,,',
    'json',
    'svg',
    'required',
    '[]',
    '{}',
    'null',
    '%',
    '%ZZ',
    '%00',
    '%C0%AF',
    '..%2F..%2F',
    '\u0000',
    'é',
    '\ud800',
  ),
);
const query = fc
  .array(
    fc.tuple(
      fc.oneof(
        fc.constantFrom(...KNOWN_KEYS),
        fc.string({ maxLength: 8 }),
        fc.constantFrom('__proto__', 'constructor', 'a[b]', 'limit[]', ''),
      ),
      valueText,
      fc.boolean(),
    ),
    { maxLength: 6 },
  )
  .map((pairs) => pairs.map(([k, v, raw]) => (raw ? `${k}=${v}` : `${safeEncode(k)}=${safeEncode(v)}`)).join('&'));

describe('HTTP API', () => {
  it('every GET route: random query strings', async () => {
    const gets = routes.filter((r) => r.method === 'GET' && r.path.startsWith('/api'));
    expect(gets.length).toBeGreaterThan(10);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...gets), query, async (r, q) => {
        // Random format values are unknown names or json / svg: the costly exports (onnx runs Python) are not drawn.
        await probe(queries, 'GET', `${concrete(r.path)}?${q}`);
      }),
      { numRuns: 1500 },
    );
  });

  it('every route: random path parameters', async () => {
    const segment = fc.oneof(
      fc.string({ maxLength: 70 }),
      fc.constantFrom('..', '.', '%2e%2e', '..%2f..%2fetc', 'a'.repeat(65), 'f'.repeat(64), '0', '-1', runId, hash, 'table', 'x y'),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes.filter((r) => r.path.startsWith('/api') && r.path.includes(':'))),
        segment,
        segment,
        async (r, a, b) => {
          const path = concrete(r.path, safeEncode(a), safeEncode(b), safeEncode(a));
          if (EXPORT.test(r.path)) return void (await probe(params, 'GET', `${path}?format=json`));
          await probe(params, r.method, path, r.method === 'POST' ? { headers: { Authorization: `Bearer ${TOKEN}` } } : {});
        },
      ),
      { numRuns: 800 },
    );
  });

  it('every POST route: random bodies, content types and tokens', async () => {
    const posts = routes.filter((r) => r.method === 'POST');
    const jsonBody = fc.jsonValue({ maxDepth: 3 }).map((v) => {
      // A body that names a registered engine could start a real search in this process; keep the engines fictitious.
      if (
        v &&
        typeof v === 'object' &&
        !Array.isArray(v) &&
        'config' in v &&
        v.config &&
        typeof v.config === 'object' &&
        !Array.isArray(v.config)
      ) {
        return { ...v, config: { ...(v.config as object), engine: 'fuzz-no-such-engine' } };
      }
      return v;
    });
    const body = fc.oneof(
      jsonBody.map((v) => JSON.stringify(v)),
      fc.string({ maxLength: 60 }),
      fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.from(b).toString('latin1')),
      fc.constantFrom(
        '{"config": ',
        '{"config": {}, "evil": 1}',
        '[]',
        'null',
        '{"__proto__": {"x": 1}}',
        '{"config": {"__proto__": {"engine": "table"}, "engine": "fuzz-no-such-engine"}}',
        '\u0000',
      ),
    );
    const type = fc.constantFrom(
      'application/json',
      'application/json; charset=utf-16',
      'application/json; charset=bogus',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      '',
      'application/merge-patch+json',
    );
    const auth = fc.constantFrom<string | undefined>(
      `Bearer ${TOKEN}`,
      `Bearer ${TOKEN}`,
      undefined,
      'Bearer',
      'Bearer wrong',
      `bearer ${TOKEN}`,
      `Bearer ${TOKEN} extra`,
      'Basic x',
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...posts), body, type, auth, async (r, b, t, a) => {
        const headers: Record<string, string> = {};
        if (t) headers['Content-Type'] = t;
        if (a) headers.Authorization = a;
        await probe(bodies, 'POST', concrete(r.path), { headers, body: b });
      }),
      { numRuns: 1200 },
    );
    expect((await store.getRun(runId)).status).toBe('finished');
    expect((await store.listRuns({ limit: 10 })).length).toBe(1);
  });

  it('methods the API does not have, and the server still answers afterwards', async () => {
    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      for (const r of routes.filter((x) => x.path.startsWith('/api')))
        await probe(bodies, method, concrete(r.path), { headers: { Authorization: `Bearer ${TOKEN}` } });
    }
    expect((await fetch(`${url}/api/health`)).status).toBe(200);
    expect(logs.filter((l) => /INTERNAL|stack|Error:/.test(l))).toEqual([]);
  });
});
