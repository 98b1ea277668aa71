/**
 * Candidates of a space whose rows keep no IR (`storesIr` false in the
 * search-space registry; NAS-Bench-201) are stored without it: it is a pure
 * function of the key (the `nsc` column) and the run's configuration. Readers
 * that want the network (candidate detail, export, final training) get it
 * rebuilt here, so to them the row looks as if it had been stored.
 *
 * The store does not interpret the run's configuration: it hands the stored
 * configuration and the key to an {@link IrRebuild} from outside
 * (openStore passes the search-space registry's `rebuildStoredIr`).
 */
import type { NetworkIr } from '../search-space/index.js';
import type { Db } from './db.js';
import type { CandidateDetail } from './types.js';

/** The IR of a stored candidate's key under its run's stored configuration, or null where none is to be rebuilt. */
export type IrRebuild = (runConfig: unknown, key: string) => NetworkIr | null;

/** The candidate with its IR: as stored, or rebuilt by `rebuild` for a row that keeps none. */
export async function withRecomputedIr(db: Db, detail: CandidateDetail, rebuild: IrRebuild | undefined): Promise<CandidateDetail> {
  if (detail.ir !== null || detail.baseline !== null || !rebuild) return detail;
  const run = await db.run.findUnique({ where: { id: detail.runId }, select: { config: true } });
  if (!run) return detail;
  let config: unknown;
  try {
    config = JSON.parse(run.config);
  } catch {
    return detail;
  }
  const ir = rebuild(config, detail.nsc);
  return ir ? { ...detail, ir } : detail;
}
