/**
 * `blockqnn dashboard` as a real process (the built CLI) on a free loopback
 * port, with a token, and a small client for its API.
 */
import { type Proc, startCli } from '../e2e/harness.js';

export const DASHBOARD_TOKEN = 'everyday-token-5c1e';

export interface DashboardProcess {
  proc: Proc;
  url: string;
  /** JSON request to the API: the status and the parsed body. */
  api<T = Record<string, unknown>>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: T }>;
}

/** `dataDir`: the folder whose lookup tables the API may name (`--data-dir`). */
export async function startDashboardCli(o: {
  db: string;
  redis: string;
  prefix: string;
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
}): Promise<DashboardProcess> {
  const proc = startCli(
    'blockqnn dashboard',
    [
      'dashboard',
      '--port',
      '0',
      '--token',
      DASHBOARD_TOKEN,
      '--db',
      o.db,
      '--redis',
      o.redis,
      '--prefix',
      o.prefix,
      ...(o.dataDir ? ['--data-dir', o.dataDir] : []),
    ],
    o.env,
  );
  const url = (await proc.waitFor(/dashboard: (http:\/\/127\.0\.0\.1:\d+)/, 60_000))[1]!;
  return {
    proc,
    url,
    async api<T>(method: 'GET' | 'POST', path: string, body?: unknown) {
      const res = await fetch(`${url}/api${path}`, {
        method,
        headers: { Authorization: `Bearer ${DASHBOARD_TOKEN}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
    },
  };
}
