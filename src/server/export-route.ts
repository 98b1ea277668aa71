/**
 * GET /api/runs/:id/candidates/:hash/export?format=F[&weights=required]: the
 * export of one candidate as a download — the file itself when the format
 * writes one, else a .tar of the folder. The export is written into a private
 * temporary folder (its own export root) and removed once sent. Reads, like the
 * other GETs: the same data `blockqnn export` gives anyone with the database.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Router } from 'express';
import { z } from 'zod';
import { EXPORT_ROOT_ENV, exportFromStore, tarArchive } from '../export/index.js';
import { hashSchema, runIdSchema } from '../store/types.js';
import { route, validate } from './http-errors.js';
import type { Services } from './services.js';

const params = z.object({ id: runIdSchema, hash: hashSchema });
const query = z.strictObject({
  format: z.string().regex(/^[a-z0-9-]{1,32}$/),
  weights: z.enum(['optional', 'required']).default('optional'),
});

const TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.py': 'text/x-python',
  '.onnx': 'application/octet-stream',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

export function exportRouter(services: Services): Router {
  const router = Router();
  router.get(
    '/runs/:id/candidates/:hash/export',
    route(async (req, res) => {
      const { id, hash } = validate(params, req.params, 'candidate');
      const q = validate(query, req.query, 'export query');
      const root = await mkdtemp(path.join(tmpdir(), 'blockqnn-dashboard-export-'));
      try {
        const out = path.join(root, 'export');
        const outcome = await exportFromStore(services.store, {
          runId: id,
          selection: { candidate: hash },
          format: q.format,
          out,
          requireWeights: q.weights === 'required',
          env: { ...process.env, [EXPORT_ROOT_ENV]: root },
          cwd: root,
        });
        const stem = `${hash.slice(0, 12)}-${q.format}`;
        const weights = outcome.weights[0]?.source;
        if (weights) res.setHeader('X-Blockqnn-Weights', encodeURIComponent(weights));
        if (outcome.files.length === 1) {
          const file = outcome.files[0]!;
          res
            .type(TYPES[path.extname(file)] ?? 'application/octet-stream')
            .attachment(`${hash.slice(0, 12)}-${path.basename(file)}`)
            .send(await readFile(path.join(outcome.dir, file)));
          return;
        }
        const files = await Promise.all(
          outcome.files.map(async (f) => ({
            name: `${stem}/${f.split(path.sep).join('/')}`,
            data: await readFile(path.join(outcome.dir, f)),
          })),
        );
        res.type('application/x-tar').attachment(`${stem}.tar`).send(tarArchive(files));
      } finally {
        await rm(root, { recursive: true, force: true });
      }
    }),
  );
  return router;
}
