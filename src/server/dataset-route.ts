/**
 * GET /api/runs/:id/dataset: the data a run trains on — source, classes with
 * counts per split, shape, the pack's hash and how it was read; GET
 * …/dataset/samples.png: a grid of the first images of each class, drawn from
 * the pack on this host (a user source) or the decoded dataset (a built-in one).
 */
import { Router } from 'express';
import { z } from 'zod';
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import { datasetSources, loadDataset, packPath, readPack, readPackHeaderSync, resolvePackDir, sampleGrid } from '../datasets/index.js';
import type { DatasetSpec } from '../datasets/index.js';
import { runIdSchema } from '../store/types.js';
import type { RunDatasetView } from './api-types.js';
import { route, validate } from './http-errors.js';
import type { Services } from './services.js';

const params = z.object({ id: runIdSchema });

/** Grids drawn, by pack hash or dataset name: the decode is the slow part, a run page asks again on every visit. */
const grids = new Map<string, Promise<Buffer>>();
const MAX_GRIDS = 16;

function datasetOf(config: unknown): DatasetSpec | undefined {
  const task = (config as { task?: { kind?: string; dataset?: DatasetSpec } } | null)?.task;
  return task?.kind === 'classification' || task?.kind === 'image2image' ? task.dataset : undefined;
}

function view(spec: DatasetSpec | undefined): RunDatasetView {
  const base = { sha256: null, available: false, spec: {}, shape: null, classes: [], notes: [], samples: false, hint: null };
  if (spec === undefined)
    return { ...base, name: 'none', kind: 'none', hint: 'this run looks its candidates up in a table: it trains on no dataset' };
  const { name, pack, ...rest } = spec;
  const transforms = Object.fromEntries(
    Object.entries(rest).filter(([k, v]) => v !== undefined && ['imageSize', 'channels', 'subset', 'validationSize', 'seed'].includes(k)),
  );
  if (pack !== undefined) {
    try {
      const header = readPackHeaderSync(pack, resolvePackDir());
      return {
        ...base,
        name,
        kind: 'pack',
        sha256: pack,
        available: true,
        spec: transforms,
        shape: [...header.shape],
        classes: header.classes.map((c, i) => ({
          name: c,
          train: header.summary.counts.train[i] ?? 0,
          test: header.summary.counts.test[i] ?? 0,
        })),
        notes: [...header.summary.notes],
        samples: true,
      };
    } catch {
      return {
        ...base,
        name,
        kind: 'pack',
        sha256: pack,
        spec: transforms,
        hint: `the pack is not on the dashboard's host (${packPath(resolvePackDir(), pack)}); run the dashboard where the search was started, or copy the pack there`,
      };
    }
  }
  if (!datasetSources.has(name))
    return { ...base, name, kind: 'built-in', spec: transforms, hint: `dataset ${name} is not known to this version` };
  const source = datasetSources.get(name);
  return {
    ...base,
    name,
    kind: 'built-in',
    available: true,
    spec: transforms,
    shape: [...source.shape],
    classes: source.classes.map((c) => ({ name: c, train: null, test: null })),
    notes: [source.description],
    samples: true,
  };
}

async function drawGrid(spec: DatasetSpec): Promise<Buffer> {
  if (spec.pack !== undefined) {
    const pack = await readPack(packPath(resolvePackDir(), spec.pack));
    return (await sampleGrid(pack.decoded.pool, pack.shape, pack.classes.length, { perClass: 6 })).png;
  }
  const data = await loadDataset({ name: spec.name });
  return (await sampleGrid(data.train, data.shape, data.classes.length, { perClass: 6 })).png;
}

export function datasetRouter(services: Services): Router {
  const router = Router();
  router.get(
    '/runs/:id/dataset',
    route(async (req, res) => {
      const { id } = validate(params, req.params, 'run id');
      res.json(view(datasetOf((await services.store.getRun(id)).config)));
    }),
  );
  router.get(
    '/runs/:id/dataset/samples.png',
    route(async (req, res) => {
      const { id } = validate(params, req.params, 'run id');
      const spec = datasetOf((await services.store.getRun(id)).config);
      const shown = view(spec);
      if (spec === undefined || !shown.samples)
        throw new BlockqnnError(ErrorCode.NOT_FOUND, `run ${id} has no dataset samples on this host`, {
          hint: shown.hint ?? 'a run that trains on no dataset has no samples',
        });
      const key = spec.pack ?? spec.name;
      let grid = grids.get(key);
      if (grid === undefined) {
        if (grids.size >= MAX_GRIDS) grids.delete(grids.keys().next().value!);
        grid = drawGrid(spec);
        grids.set(key, grid);
        grid.catch(() => grids.delete(key));
      }
      res.type('image/png').setHeader('Cache-Control', 'private, max-age=3600');
      res.send(await grid);
    }),
  );
  return router;
}
