/**
 * The two event streams: one per run (overview whenever it changes, run events
 * as they are appended) and one global (runs list and workers). Each is a
 * StreamHub topic, so the store and Redis see one poll per interval per topic
 * however many browsers watch.
 */
import { Router } from 'express';
import type { RunEventRow, StreamOverview } from './api-types.js';
import { route, validate } from './http-errors.js';
import { eventRow, workerRows } from './routes.js';
import type { Services } from './services.js';
import type { StreamHub, StreamMessage, TopicSource } from './stream-hub.js';
import { runIdSchema } from '../store/types.js';
import { z } from 'zod';

function runSource(services: Services, runId: string): TopicSource {
  let lastEventId = 0;
  let recent: RunEventRow[] = [];
  let loaded = false;
  const overview = async (): Promise<StreamMessage> => {
    const o = await services.overview(runId);
    const data: StreamOverview = { ...o, version: `${o.run.resultCount}:${o.run.candidateCount}:${o.run.status}` };
    return { event: 'overview', data, key: 'overview' };
  };
  const newEvents = async (): Promise<RunEventRow[]> => {
    const out: RunEventRow[] = [];
    for (;;) {
      const page = await services.store.listEvents(runId, { afterId: lastEventId, limit: 500 });
      for (const e of page) out.push(eventRow(e));
      if (page.length) lastEventId = page[page.length - 1]!.id;
      if (page.length < 500) break;
    }
    return out;
  };
  return {
    async initial() {
      await services.store.getRun(runId);
      if (!loaded) {
        recent = (await newEvents()).slice(-50);
        loaded = true;
      }
      return [await overview(), { event: 'events', data: recent }];
    },
    async tick() {
      const fresh = await newEvents();
      recent = [...recent, ...fresh].slice(-50);
      return [await overview(), ...(fresh.length ? [{ event: 'events', data: fresh }] : [])];
    },
  };
}

function globalSource(services: Services): TopicSource {
  const snapshot = async (): Promise<StreamMessage[]> => {
    const runs = await services.store.listRuns({ limit: 100 });
    return [
      { event: 'runs', data: await Promise.all(runs.map((r) => services.summary(r))), key: 'runs' },
      { event: 'workers', data: await workerRows(services), key: 'workers' },
    ];
  };
  return { initial: snapshot, tick: snapshot };
}

export function streamRouter(services: Services, hub: StreamHub): Router {
  const r = Router();
  r.get(
    '/stream',
    route(async (_req, res) => {
      await hub.subscribe('global', res, () => globalSource(services));
    }),
  );
  r.get(
    '/runs/:id/stream',
    route(async (req, res) => {
      const { id } = validate(z.object({ id: runIdSchema }), req.params, 'run id');
      await services.store.getRun(id); // 404 before the stream opens
      await hub.subscribe(`run:${id}`, res, () => runSource(services, id));
    }),
  );
  return r;
}
