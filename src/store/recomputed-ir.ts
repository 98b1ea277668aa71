/**
 * NAS-Bench-201 candidates are stored without their IR: it is a pure function
 * of the arch string (the `nsc` column) and the run's network shape, and at
 * table speed writing an 18 KB IR per row was the store's largest cost. Readers
 * that want the network (candidate detail, export, final training) get it
 * rebuilt here, so to them the row looks as if it had been stored.
 *
 * This reads two fields of the run's stored search configuration: `space` and
 * `network.inputShape` / `network.classes`.
 */
import { z } from 'zod';
import { buildNb201Network, parseNb201 } from '../search-space/index.js';
import type { Db } from './db.js';
import type { CandidateDetail } from './types.js';

const nb201Config = z.object({
  space: z.literal('nasbench201'),
  network: z.object({ inputShape: z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]), classes: z.number().int().positive() }).partial().optional(),
});

/** The candidate with its IR: as stored, or rebuilt for a NAS-Bench-201 row stored without one. */
export async function withRecomputedIr(db: Db, detail: CandidateDetail): Promise<CandidateDetail> {
  if (detail.ir !== null || detail.baseline !== null) return detail;
  const run = await db.run.findUnique({ where: { id: detail.runId }, select: { config: true } });
  if (!run) return detail;
  let config: unknown;
  try {
    config = JSON.parse(run.config);
  } catch {
    return detail;
  }
  const parsed = nb201Config.safeParse(config);
  if (!parsed.success) return detail;
  const { inputShape, classes } = parsed.data.network ?? {};
  try {
    const cell = parseNb201(detail.nsc);
    return { ...detail, ir: buildNb201Network(cell, { ...(inputShape ? { inputShape } : {}), ...(classes ? { classes } : {}) }).ir };
  } catch {
    return detail; // not an arch string: a row without an IR stays one
  }
}
