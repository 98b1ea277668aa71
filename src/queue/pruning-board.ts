/**
 * The pruning board: per run, what candidates reported at each epoch end, in
 * Redis, so that a worker learns whether to continue without the controller in
 * its training loop and without a round trip per batch. At the end of an epoch
 * where its pruner can decide, a worker records its validation accuracy and
 * reads what the decision needs in ONE atomic script call (REPORT), then runs
 * the pure pruner (src/controller/pruners) on that frozen view. A candidate that
 * completes the recipe records its whole curve as completed (RECORD), which is
 * what the median pruner compares with. Every other epoch costs nothing.
 *
 * Keys (P = Redis prefix, R = run id; one Cluster slot per run through {R}):
 *   P:prune:{R}:reported:<k>   hash candidate → validation accuracy reported at epoch k
 *   P:prune:{R}:completed:<k>  hash candidate → accuracy at epoch k of a completed candidate ('nan' for none)
 *   P:prune:{R}:completed      set of completed candidates
 * Every key expires 30 days after its last write, so a forgotten run leaves nothing for good.
 *
 * The controller can rebuild the board from stored results after a crash or a Redis loss
 * (`seed`): it records each stored curve exactly as a live worker would have (RECORD, idempotent),
 * so the values decisions read — reported values at decision epochs, completed candidates'
 * curves — are the same as before the loss.
 */
import type { Redis } from 'ioredis';
import type { EpochNeeds, EpochView } from '../controller/pruners/index.js';
import { RECORD_SCRIPT, REPORT_SCRIPT } from './pruning-scripts.js';

export const PRUNING_BOARD_TTL_SECONDS = 30 * 24 * 3600;

/** One candidate's curve as the board records it: its validation accuracy after each epoch (null or NaN for none). */
export interface BoardCurve {
  candidateHash: string;
  valAccuracies: readonly (number | null)[];
  /** Trained every epoch of the recipe (status ok): it counts for the median pruner. */
  completed: boolean;
}

type ScriptClient = Redis & {
  blockqnnPruneReport(...args: (string | number)[]): Promise<[number, string[], string[]]>;
  blockqnnPruneRecord(...args: (string | number)[]): Promise<number>;
};

const encode = (v: number | null | undefined): string => (v === null || v === undefined || Number.isNaN(v) ? '' : String(v));
const decode = (v: string): number => (v === 'nan' ? Number.NaN : Number(v));

export class PruningBoard {
  private readonly client: ScriptClient;

  constructor(
    client: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds = PRUNING_BOARD_TTL_SECONDS,
  ) {
    // ioredis sends a defined command by EVALSHA and falls back to EVAL once per connection.
    if (!('blockqnnPruneReport' in client)) {
      client.defineCommand('blockqnnPruneReport', { numberOfKeys: 3, lua: REPORT_SCRIPT });
      client.defineCommand('blockqnnPruneRecord', { lua: RECORD_SCRIPT });
    }
    this.client = client as ScriptClient;
  }

  private key(runId: string, suffix: string): string {
    return `${this.prefix}:prune:{${runId}}:${suffix}`;
  }

  /**
   * A candidate at the end of `epoch`: records `value` (unless NaN) among the epoch's reported values and
   * returns the board as it is right after, with what `needs` asks for. One atomic round trip.
   */
  async report(runId: string, candidateHash: string, epoch: number, value: number, needs: EpochNeeds): Promise<EpochView> {
    const [completedCount, reported, completed] = await this.client.blockqnnPruneReport(
      this.key(runId, `reported:${epoch}`),
      this.key(runId, `completed:${epoch}`),
      this.key(runId, 'completed'),
      candidateHash,
      encode(value),
      needs.reported ? '1' : '0',
      needs.completed ? '1' : '0',
      this.ttlSeconds,
    );
    return { epoch, completedCount: Number(completedCount), reported: reported.map(decode), completed: completed.map(decode) };
  }

  /** Records a whole curve (and, when completed, the candidate's completion). One atomic round trip; idempotent. */
  async record(runId: string, curve: BoardCurve): Promise<void> {
    await this.client.blockqnnPruneRecord(...this.recordArgs(runId, curve));
  }

  /**
   * Rebuilds a run's board from stored results (after a controller crash or a Redis loss): each curve is
   * recorded exactly as its worker records it live, pipelined. What workers reported for candidates still
   * training stays; a board that survived is left as it was.
   */
  async seed(runId: string, curves: readonly BoardCurve[]): Promise<void> {
    for (let start = 0; start < curves.length; start += 500) {
      const pipeline = this.client.pipeline() as unknown as {
        blockqnnPruneRecord(...args: (string | number)[]): void;
        exec(): Promise<[Error | null, unknown][] | null>;
      };
      for (const curve of curves.slice(start, start + 500)) pipeline.blockqnnPruneRecord(...this.recordArgs(runId, curve));
      for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error;
    }
  }

  /** Deletes a run's board (its recipe has `epochs` epochs). */
  async clear(runId: string, epochs: number): Promise<void> {
    const keys = [this.key(runId, 'completed')];
    for (let k = 1; k <= epochs; k++) keys.push(this.key(runId, `reported:${k}`), this.key(runId, `completed:${k}`));
    await this.client.del(...keys);
  }

  private recordArgs(runId: string, curve: BoardCurve): (string | number)[] {
    const keys = [this.key(runId, 'completed')];
    curve.valAccuracies.forEach((_, i) => keys.push(this.key(runId, `reported:${i + 1}`), this.key(runId, `completed:${i + 1}`)));
    return [keys.length, ...keys, curve.candidateHash, this.ttlSeconds, curve.completed ? '1' : '0', ...curve.valAccuracies.map(encode)];
  }
}

/** A stored result as the board records it: completed when it trained the whole recipe (status ok). */
export function boardCurve(candidateHash: string, status: string, curve: readonly { valAccuracy: number | null }[]): BoardCurve {
  return { candidateHash, valAccuracies: curve.map((r) => r.valAccuracy), completed: status === 'ok' };
}
