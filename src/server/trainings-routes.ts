/**
 * Final trainings on the JSON API: the list (newest first) with live epoch
 * progress for running ones, and one training with its curve. Reading first
 * collects finished trainings (result, checkpoint file), so a `--detach`ed
 * training lands in the store as soon as someone looks at the dashboard.
 */
import { Router } from 'express';
import { z } from 'zod';
import { collectOpenTrainings, trainingProgress } from '../orchestrator/training.js';
import type { Training } from '../store/index.js';
import { route, validate } from './http-errors.js';
import type { Services } from './services.js';

export interface TrainingRow {
  id: number;
  status: string;
  runId: string | null;
  candidateId: number | null;
  baseline: string | null;
  engine: string;
  dataset: string | null;
  epochs: number | null;
  /** Epochs finished: from the curve once done, from the worker's last report while running. */
  epoch: number;
  accuracy: number | null;
  params: number;
  flops: number;
  trainSeconds: number | null;
  checkpointPath: string | null;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
  curve: { epoch: number; loss: number | null; accuracy: number | null; learningRate: number | null }[];
}

const listQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(50) });
const idParams = z.object({ id: z.coerce.number().int().positive() });

function row(t: Training, epoch: number | null): TrainingRow {
  const task = (t.config as { task?: { dataset?: { name?: string }; recipe?: { epochs?: number } } }).task;
  const curve = (t.curve ?? []).map((p) => ({
    epoch: p.epoch ?? 0,
    loss: p.loss ?? null,
    accuracy: p.valAccuracy ?? null,
    learningRate: p.learningRate ?? null,
  }));
  return {
    id: t.id,
    status: t.status,
    runId: t.runId,
    candidateId: t.candidateId,
    baseline: t.baseline,
    engine: t.engine,
    dataset: task?.dataset?.name ?? null,
    epochs: task?.recipe?.epochs ?? null,
    epoch: epoch ?? curve.length,
    accuracy: t.accuracy,
    params: t.params,
    flops: t.flops,
    trainSeconds: t.trainSeconds,
    checkpointPath: t.checkpointPath,
    error: t.error,
    createdAt: t.createdAt.toISOString(),
    finishedAt: t.finishedAt?.toISOString() ?? null,
    curve,
  };
}

export function trainingsRouter(services: Services): Router {
  const api = Router();
  const { store } = services;

  api.get(
    '/trainings',
    route(async (req, res) => {
      const q = validate(listQuery, req.query, 'query');
      await collectOpenTrainings(store, (engine) => services.queue(engine)).catch(() => 0);
      const trainings = await store.trainings.list({ limit: q.limit });
      const rows = await Promise.all(
        trainings.map(async (t) => {
          if (t.status !== 'running' && t.status !== 'queued') return row(t, null);
          const progress = await trainingProgress(services.queue(t.engine), await store.trainings.get(t.id)).catch(() => null);
          return row(t, progress?.epoch ?? null);
        }),
      );
      res.json({ trainings: rows });
    }),
  );

  api.get(
    '/trainings/:id',
    route(async (req, res) => {
      const { id } = validate(idParams, req.params, 'training id');
      res.json({ training: row(await store.trainings.get(id), null) });
    }),
  );
  return api;
}
