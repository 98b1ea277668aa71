/**
 * The JSON API. Reads are open; start, stop and resume need the bearer token.
 * Query strings and bodies are validated with zod before anything touches the
 * store, and every failure leaves through the one error middleware.
 */
import { Router, json } from 'express';
import { z } from 'zod';
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import { registerBuiltinEngines } from '../engines/builtin.js';
import { engineFactories } from '../engines/registry.js';
import { compareRun } from '../orchestrator/compare.js';
import { listWorkers, workerHealth } from '../queue/worker-registry.js';
import { CANDIDATE_SORT_KEYS, CANDIDATE_STATUSES, RUN_STATUSES, hashSchema, runIdSchema } from '../store/types.js';
import type {
  BaselineComparisonResponse,
  BestBlock,
  CandidateDetailResponse,
  CandidatePageResponse,
  RunEventRow,
  WorkerRow,
} from './api-types.js';
import { requireToken } from './auth.js';
import { blockGraph, networkView } from './block-graph.js';
import { exportRouter } from './export-route.js';
import { samplesRouter } from './samples-route.js';
import { datasetRouter } from './dataset-route.js';
import { route, validate } from './http-errors.js';
import type { RunControl } from './run-control.js';
import { type Services, candidateRow, spaceOf } from './services.js';
import { trainingsRouter } from './trainings-routes.js';
import { recipeEpochsOf } from './run-digest.js';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const statusList = z
  .string()
  .transform((s) => s.split(',').filter(Boolean))
  .pipe(z.array(z.enum(CANDIDATE_STATUSES)).min(1).max(CANDIDATE_STATUSES.length));

export const candidateQuery = z.strictObject({
  sort: z.enum(CANDIDATE_SORT_KEYS).default('sequence'),
  order: z.enum(['asc', 'desc']).default('asc'),
  status: statusList.optional(),
  limit: int(1, 500).default(50),
  cursor: z.string().max(1000).optional(),
  offset: int(0, 10_000_000).optional(),
});
const runsQuery = z.strictObject({ status: z.enum(RUN_STATUSES).optional(), limit: int(1, 500).default(100) });
const eventsQuery = z.strictObject({ afterId: int(0, Number.MAX_SAFE_INTEGER).optional(), limit: int(1, 1000).default(200) });
const bestQuery = z.strictObject({ by: z.enum(['reward', 'accuracy']).default('reward'), limit: int(1, 50).default(8) });
const startBody = z.strictObject({ config: z.record(z.string(), z.unknown()) });
const runParams = z.object({ id: runIdSchema });
const candidateParams = z.object({ id: runIdSchema, hash: hashSchema });

export function apiRouter(services: Services, control: RunControl, token: string | undefined): Router {
  const { store } = services;
  const api = Router();
  const guard = requireToken(token);
  const body = json({ limit: '64kb', strict: true });

  api.get('/health', (_req, res) => void res.json({ ok: true, database: store.provider }));

  api.get(
    '/runs',
    route(async (req, res) => {
      const q = validate(runsQuery, req.query, 'query');
      const runs = await store.listRuns({ limit: q.limit, ...(q.status ? { status: q.status } : {}) });
      res.json({ runs: await Promise.all(runs.map((r) => services.summary(r))) });
    }),
  );

  api.get(
    '/runs/:id',
    route(async (req, res) => {
      const { id } = validate(runParams, req.params, 'run id');
      res.json(await services.overview(id));
    }),
  );

  api.get(
    '/runs/:id/series',
    route(async (req, res) => {
      const { id } = validate(runParams, req.params, 'run id');
      const run = await store.getRun(id);
      res.type('application/json').send(await services.digest(run).json(run));
    }),
  );

  api.get(
    '/runs/:id/candidates',
    route(async (req, res) => {
      const { id } = validate(runParams, req.params, 'run id');
      const q = validate(candidateQuery, req.query, 'candidate query');
      if (q.cursor !== undefined && q.offset !== undefined)
        throw new BlockqnnError(ErrorCode.INVALID_INPUT, 'give either cursor or offset, not both');
      const page = await store.listCandidates(id, q);
      const out: CandidatePageResponse = { items: page.items.map(candidateRow), nextCursor: page.nextCursor, total: page.total };
      res.json(out);
    }),
  );

  api.get(
    '/runs/:id/best',
    route(async (req, res) => {
      const { id } = validate(runParams, req.params, 'run id');
      const q = validate(bestQuery, req.query, 'query');
      const run = await store.getRun(id);
      const best = await store.bestCandidates(id, { by: q.by, limit: q.limit });
      const out: BestBlock[] = best.map((c) => ({ candidate: candidateRow(c), block: blockGraph(spaceOf(run), c.nsc) }));
      res.json({ best: out });
    }),
  );

  api.get(
    '/runs/:id/baselines',
    route(async (req, res) => {
      const { id } = validate(runParams, req.params, 'run id');
      const out: BaselineComparisonResponse = await compareRun(store, id);
      res.json(out);
    }),
  );

  api.get(
    '/runs/:id/candidates/:hash',
    route(async (req, res) => {
      const { id, hash } = validate(candidateParams, req.params, 'candidate');
      const run = await store.getRun(id);
      const c = await store.getCandidate(id, hash);
      if (!c) throw new BlockqnnError(ErrorCode.NOT_FOUND, `run ${id} has no candidate ${hash}`);
      let view: ReturnType<typeof networkView> | null = null;
      try {
        view = c.ir ? networkView(c.ir) : null;
      } catch {
        view = null;
      }
      const out: CandidateDetailResponse = {
        candidate: {
          ...candidateRow(c),
          error: c.error,
          evalSeconds: c.evalSeconds,
          startedAt: c.startedAt?.toISOString() ?? null,
          curve: c.curve,
        },
        space: spaceOf(run),
        block: blockGraph(spaceOf(run), c.nsc),
        network: view?.network ?? null,
        costs: view?.costs ?? [],
        totals: view?.totals ?? null,
        recipeEpochs: recipeEpochsOf(run),
      };
      res.json(out);
    }),
  );

  api.get(
    '/runs/:id/events',
    route(async (req, res) => {
      const { id } = validate(runParams, req.params, 'run id');
      const q = validate(eventsQuery, req.query, 'query');
      await store.getRun(id);
      const events = await store.listEvents(id, { limit: q.limit, ...(q.afterId !== undefined ? { afterId: q.afterId } : {}) });
      res.json({ events: events.map(eventRow) });
    }),
  );

  api.get(
    '/workers',
    route(async (_req, res) => {
      res.json({ workers: await workerRows(services) });
    }),
  );

  api.get(
    '/queue/:engine',
    route(async (req, res) => {
      const { engine } = validate(z.object({ engine: z.string().regex(/^[a-z0-9_-]{1,64}$/) }), req.params, 'engine');
      // Each engine name opens a queue (a Redis connection) that the server keeps: only registered engines, so a client cannot make thousands.
      registerBuiltinEngines();
      if (!engineFactories.has(engine))
        throw new BlockqnnError(ErrorCode.NOT_FOUND, `no engine ${engine} (engines: ${engineFactories.list().join(', ')})`);
      res.json({ engine, counts: await services.queueCounts(engine) });
    }),
  );

  api.post(
    '/runs',
    guard,
    body,
    route(async (req, res) => {
      const { config } = validate(startBody, req.body, 'request body');
      const id = await control.start(config);
      res.status(201).json({ id });
    }),
  );

  api.post(
    '/runs/:id/stop',
    guard,
    route(async (req, res) => {
      const { id } = validate(runParams, req.params, 'run id');
      res.status(202).json({ id, outcome: await control.stop(id) });
    }),
  );

  api.post(
    '/runs/:id/resume',
    guard,
    route(async (req, res) => {
      const { id } = validate(runParams, req.params, 'run id');
      await control.resume(id);
      res.status(202).json({ id, outcome: 'resuming' });
    }),
  );

  api.use(exportRouter(services));
  api.use(samplesRouter(services));
  api.use(datasetRouter(services));

  api.use(trainingsRouter(services));

  api.use(
    route(async (req) => {
      throw new BlockqnnError(ErrorCode.NOT_FOUND, `no API endpoint ${req.method} ${req.path}`);
    }),
  );
  return api;
}

export function eventRow(e: { id: number; time: Date; kind: string; payload: Record<string, unknown> }): RunEventRow {
  return { id: e.id, time: e.time.toISOString(), kind: e.kind, payload: e.payload };
}

export async function workerRows(services: Services): Promise<WorkerRow[]> {
  const now = Date.now();
  const workers = await listWorkers(services.redis, services.redisSettings.prefix, now);
  return workers.map((w) => ({
    id: w.id,
    host: w.host,
    pid: w.pid,
    slot: w.slot,
    gpu: w.gpu,
    engine: w.engine,
    engineDescription: w.engineDescription,
    health: workerHealth(w, now),
    heartbeatAgeSeconds: Math.max(0, (now - w.heartbeatAt) / 1000),
    jobsDone: w.jobsDone,
    currentJob: w.currentJob
      ? {
          runId: w.currentJob.runId,
          candidateHash: w.currentJob.candidateHash,
          epoch: w.currentJob.epoch,
          epochs: w.currentJob.epochs,
          loss: w.currentJob.loss,
          valAccuracy: w.currentJob.valAccuracy,
          imagesPerSecond: w.currentJob.imagesPerSecond,
        }
      : null,
  }));
}
