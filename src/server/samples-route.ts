/**
 * GET /api/runs/:id/candidates/:hash/samples.png: an image-to-image candidate's
 * sample grid (eval inputs, outputs and targets, one row each), as the PNG the
 * worker drew; GET …/samples: its row labels and layout. 404 for a candidate
 * without a grid (classifiers, or a result that never came).
 */
import { Router } from 'express';
import { z } from 'zod';
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import { hashSchema, runIdSchema } from '../store/types.js';
import { route, validate } from './http-errors.js';
import type { Services } from './services.js';

const params = z.object({ id: runIdSchema, hash: hashSchema });

export function samplesRouter(services: Services): Router {
  const router = Router();
  const grid = async (id: string, hash: string) => {
    const found = await services.store.candidateSamples(id, hash);
    if (!found)
      throw new BlockqnnError(ErrorCode.NOT_FOUND, `run ${id} has no sample grid for candidate ${hash}`, {
        hint: 'sample grids belong to image-to-image candidates with a result',
      });
    return found;
  };
  router.get(
    '/runs/:id/candidates/:hash/samples.png',
    route(async (req, res) => {
      const { id, hash } = validate(params, req.params, 'candidate');
      const { pngBase64 } = await grid(id, hash);
      res.type('image/png').setHeader('Cache-Control', 'private, max-age=3600');
      res.send(Buffer.from(pngBase64, 'base64'));
    }),
  );
  router.get(
    '/runs/:id/candidates/:hash/samples',
    route(async (req, res) => {
      const { id, hash } = validate(params, req.params, 'candidate');
      const { pngBase64: _png, ...layout } = await grid(id, hash);
      res.json(layout);
    }),
  );
  return router;
}
