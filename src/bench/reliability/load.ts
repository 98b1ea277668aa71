/**
 * Load: a table-engine run of many candidates on 64 simulated workers (the
 * orchestration bench's worker host: 8 workers × concurrency 8 in a child
 * process) under a real `blockqnn search` controller (random strategy), while a real `blockqnn
 * dashboard` over the same database and Redis is hit by concurrent HTTP
 * clients (autocannon, loopback, bounded in time). Reports the run's
 * throughput, the API's requests/s and latency percentiles, status codes, and
 * the resident memory of controller and dashboard sampled once a second.
 */
import { join } from 'node:path';
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import { countOutcome } from './outcome.js';
import { startWorkerHost } from '../orchestration/worker-host.js';
import { type Lab, freePort, rssMb } from './lab.js';
import { type ScenarioOptions, candidatesOf, openRead, runIdOf, scenarioPrefix, searchArgs } from './run-helpers.js';

export interface LoadOptions {
  candidates: number;
  /** Simulated workers (concurrency in all); 8 per worker process. */
  workers: number;
  /** Table engine's simulated training time per candidate. */
  delayMs: number;
  /** Concurrent HTTP clients on the dashboard. */
  connections: number;
  /** Upper bound of the HTTP load, in seconds (it stops `steadySeconds` after the run ends). */
  maxSeconds: number;
  /**
   * Seconds the clients go on after the run has finished: the data no longer grows, so the
   * dashboard's memory over this phase shows a leak, if any (during the run its answers grow with the run).
   */
  steadySeconds: number;
}

export interface MemorySeries {
  /** Resident MB sampled once a second. */
  samples: number[];
  peakMb: number;
  /** Mean of the second third of the samples (after warm-up) and of the last third: equal within noise when nothing leaks. */
  warmMb: number;
  endMb: number;
}

export interface LoadReport {
  candidates: number;
  workers: number;
  seconds: number;
  candidatesPerSecond: number;
  lost: number;
  duplicated: number;
  http: {
    requests: number;
    requestsPerSecond: number;
    p50Ms: number;
    p95Ms: number;
    p99Ms: number;
    maxMs: number;
    statusCodes: Record<string, number>;
    serverErrors: number;
    errors: number;
    connections: number;
  };
  /** Controller and dashboard during the run; the dashboard again over the steady phase after it. */
  memory: { controller: MemorySeries; dashboard: MemorySeries; dashboardSteady: MemorySeries };
}

interface AutocannonInstance {
  on(event: 'response', listener: (client: unknown, statusCode: number, bytes: number, ms: number) => void): void;
  stop(): void;
}
type Autocannon = (
  options: Record<string, unknown>,
  done: (error: Error | null, result: { errors: number; timeouts: number; statusCodeStats: Record<string, { count: number }> }) => void,
) => AutocannonInstance;

async function loadAutocannon(): Promise<Autocannon> {
  try {
    return ((await import('autocannon' as string)) as { default: Autocannon }).default;
  } catch (error) {
    throw new BlockqnnError(ErrorCode.ENGINE_UNAVAILABLE, 'the load figure needs autocannon (a development dependency)', {
      hint: 'run it from a checkout after `npm ci`',
      cause: error,
    });
  }
}

function series(samples: number[]): MemorySeries {
  const third = Math.max(1, Math.floor(samples.length / 3));
  const mean = (xs: number[]) => (xs.length ? Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 10) / 10 : 0);
  return { samples, peakMb: Math.max(0, ...samples), warmMb: mean(samples.slice(third, 2 * third)), endMb: mean(samples.slice(-third)) };
}

const percentile = (sorted: number[], p: number): number =>
  sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! * 10) / 10 : 0;

export async function runLoad(lab: Lab, o: ScenarioOptions, l: LoadOptions): Promise<LoadReport> {
  const autocannon = await loadAutocannon();
  const db = `file:${join(lab.tempDir('load'), 'run.db')}`;
  const prefix = scenarioPrefix(lab, o.redisUrl, 'load');
  const redis = { url: o.redisUrl, prefix };
  const perHost = 8;
  const host = await startWorkerHost({
    mode: 'table',
    redis,
    workers: Math.max(1, Math.round(l.workers / perHost)),
    concurrency: Math.min(perHost, l.workers),
  });
  lab.onCleanup(() => host.stop());
  const port = await freePort();
  const dashboard = lab.cli('dashboard', ['dashboard', '--port', String(port), '--db', db, '--redis', o.redisUrl, '--prefix', prefix]);
  // Random search keeps no state that grows with the run, so the controller's memory shows the system's own.
  const search = lab.cli(
    'search',
    searchArgs(o, {
      db,
      redis: o.redisUrl,
      prefix,
      budget: l.candidates,
      delayMs: l.delayMs,
      maxInFlight: 2 * l.workers,
      seed: 1,
      strategy: 'random',
    }),
  );
  const runId = await runIdOf(search);
  await dashboard.waitFor(/dashboard: http/);
  const memory = { controller: [] as number[], dashboard: [] as number[], dashboardSteady: [] as number[] };
  const sampler = setInterval(() => {
    const c = rssMb(search.pid);
    const d = rssMb(dashboard.pid);
    if (c !== null && search.exit === null) memory.controller.push(c);
    if (d !== null) (search.exit === null ? memory.dashboard : memory.dashboardSteady).push(d);
  }, 1000);
  const latencies: number[] = [];
  const started = Date.now();
  const result = await new Promise<Parameters<Parameters<Autocannon>[1]>[1]>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${port}`,
        connections: l.connections,
        duration: l.maxSeconds,
        requests: [
          { method: 'GET', path: '/api/runs' },
          { method: 'GET', path: `/api/runs/${runId}` },
          { method: 'GET', path: `/api/runs/${runId}/candidates?limit=50&sort=reward&order=desc` },
          { method: 'GET', path: `/api/runs/${runId}/series` },
          { method: 'GET', path: '/api/workers' },
        ],
      },
      (error, r) => (error ? reject(error) : resolve(r)),
    );
    instance.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
    void search.exited.then(() => setTimeout(() => instance.stop(), l.steadySeconds * 1000));
  });
  const httpSeconds = (Date.now() - started) / 1000;
  const code = await search.done(600_000);
  const seconds = ((search.exitedAt ?? Date.now()) - started) / 1000;
  clearInterval(sampler);
  if (code !== 0) throw new BlockqnnError(ErrorCode.INTERNAL, `the load run's controller exited ${code}:\n${search.stderr.slice(-2000)}`);
  const store = await openRead(lab, db);
  const run = await store.getRun(runId);
  const rows = await candidatesOf(store, runId);
  const counted = countOutcome({ budget: l.candidates, rows, resultCount: run.resultCount });
  latencies.sort((a, b) => a - b);
  const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats).map(([k, v]) => [k, v.count]));
  return {
    candidates: rows.length,
    workers: l.workers,
    seconds,
    candidatesPerSecond: rows.length / seconds,
    lost: counted.lost,
    duplicated: counted.duplicated,
    http: {
      requests: latencies.length,
      requestsPerSecond: latencies.length / httpSeconds,
      p50Ms: percentile(latencies, 0.5),
      p95Ms: percentile(latencies, 0.95),
      p99Ms: percentile(latencies, 0.99),
      maxMs: Math.round((latencies.at(-1) ?? 0) * 10) / 10,
      statusCodes,
      serverErrors: Object.entries(statusCodes)
        .filter(([k]) => k.startsWith('5'))
        .reduce((n, [, v]) => n + v, 0),
      errors: result.errors + result.timeouts,
      connections: l.connections,
    },
    memory: { controller: series(memory.controller), dashboard: series(memory.dashboard), dashboardSteady: series(memory.dashboardSteady) },
  };
}

export function formatLoad(r: LoadReport): string {
  const m = (s: MemorySeries) => `${s.warmMb} MB after warm-up, ${s.endMb} MB at the end, peak ${s.peakMb} MB`;
  return [
    `load: ${r.candidates} candidates on ${r.workers} simulated workers in ${r.seconds.toFixed(1)} s (${r.candidatesPerSecond.toFixed(0)}/s), lost ${r.lost}, duplicated ${r.duplicated}`,
    `  dashboard under ${r.http.connections} clients: ${r.http.requests} requests, ${r.http.requestsPerSecond.toFixed(0)}/s, p50 ${r.http.p50Ms} ms, p95 ${r.http.p95Ms} ms, p99 ${r.http.p99Ms} ms, max ${r.http.maxMs} ms; status ${JSON.stringify(r.http.statusCodes)}, 5xx ${r.http.serverErrors}, errors ${r.http.errors}`,
    `  memory: controller ${m(r.memory.controller)}; dashboard ${m(r.memory.dashboard)}`,
    `  dashboard after the run (same data, clients still on): ${r.memory.dashboardSteady.samples[0] ?? '-'} MB at first, ${r.memory.dashboardSteady.endMb} MB over the last third, peak ${r.memory.dashboardSteady.peakMb} MB`,
  ].join('\n');
}
