/**
 * Candidates of a space whose rows keep no IR (`storesIr` false in the
 * search-space registry; NAS-Bench-201) are stored without it: it is a pure
 * function of the key (the `nsc` column) and the run's network. Readers that
 * want the network (candidate detail, export, final training) get it rebuilt
 * here by the space's entry, so to them the row looks as if it had been stored.
 *
 * This reads two fields of the run's stored configuration: `space` and `network`.
 */
import { z } from 'zod';
import { searchSpaces } from '../search-space/index.js';
import type { Db } from './db.js';
import type { CandidateDetail } from './types.js';

const runSpace = z.object({
  space: z.string(),
  network: z.object({ inputShape: z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]), classes: z.number().int().positive() }).partial().optional(),
});

/** The candidate with its IR: as stored, or rebuilt for a row of a space that stores none. */
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
  const parsed = runSpace.safeParse(config);
  if (!parsed.success || !searchSpaces.has(parsed.data.space)) return detail;
  const space = searchSpaces.get(parsed.data.space);
  if (space.storesIr) return detail;
  const { inputShape, classes } = parsed.data.network ?? {};
  try {
    return { ...detail, ir: space.build(detail.nsc, {}, { inputShape, classes }).ir };
  } catch {
    return detail; // not a key of the space: a row without an IR stays one
  }
}
