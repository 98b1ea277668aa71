/**
 * The Store on Prisma, for SQLite and PostgreSQL alike (see db.ts for why one
 * implementation serves both). The hot paths live beside it in raw SQL
 * (sql.ts says why): queueing in queue-candidates.ts, committing in
 * commit-results.ts (both on a SqlDatabase: better-sqlite3 directly for
 * SQLite, see sql-runner.ts), pages and counts in candidate-reads.ts; row
 * validation in rows.ts. The rest uses Prisma's model API.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import { commitBaselineResults, listBaselines, upsertQueuedBaselines } from './baseline-rows.js';
import { failureReasons, listCandidatePage, resultTrainSeconds, statusCounts } from './candidate-reads.js';
import type { FailureCount } from '../common/failure-causes.js';
import { commitResults } from './commit-results.js';
import { Prisma, type Db } from './db.js';
import { isRecordMissing, isUniqueViolation, storeError } from './db-errors.js';
import { candidateNotFound, parseInput, runNotFound, toJsonText } from './input.js';
import { upsertQueuedCandidates } from './queue-candidates.js';
import { Serial } from './serial.js';
import { type SqlDatabase, prismaSql } from './sql-runner.js';
import { releaseReserve } from './disk-reserve.js';
import { type IrRebuild, withRecomputedIr } from './recomputed-ir.js';
import { readJson, toCachedResult, toCandidate, toCandidateDetail, toEvent, toRun, toSnapshot, type CandidateSummaryRow } from './rows.js';
import { CANDIDATE_COLUMNS, column, inList } from './sql.js';
import type { Store } from './store.js';
import { PrismaTrainingStore, checkpointFolder, type TrainingStore } from './trainings.js';
import {
  OPEN_STATUSES,
  RUN_STATUSES,
  candidatePatchSchema,
  candidateQuerySchema,
  eventKindSchema,
  jsonObjectSchema,
  newRunSchema,
  runPatchSchema,
  sampleGridSchema,
  type CachedResult,
  type Candidate,
  type CandidateDetail,
  type CandidatePage,
  type CandidatePatch,
  type CandidateQuery,
  type CandidateResult,
  type CandidateStatus,
  type CommitOutcome,
  type JsonObject,
  type NewBaseline,
  type NewCandidate,
  type NewRun,
  type Run,
  type RunEvent,
  type RunPatch,
  type RunStatus,
  type SampleGridRecord,
  type Snapshot,
} from './types.js';
import type { DatabaseTarget } from './url.js';

export interface PrismaStoreOptions {
  keepSnapshots: number;
  /** Where the write paths run their statements (Prisma's own client when absent); closed with the store. */
  writes?: SqlDatabase & { close(): void };
  /** The folder of final-training checkpoints (TrainingStore.checkpointDir); default: see checkpointFolder. */
  checkpointDir?: string | undefined;
  /** Rebuilds the IR of a candidate row that keeps none (see recomputed-ir.ts); without it such rows read back without an IR. */
  rebuildIr?: IrRebuild | undefined;
}

const listRunsSchema = z.strictObject({
  status: z.union([z.enum(RUN_STATUSES), z.array(z.enum(RUN_STATUSES)).min(1)]).optional(),
  limit: z.number().int().min(1).max(1000).default(100),
  offset: z.number().int().nonnegative().default(0),
});
const listEventsSchema = z.strictObject({
  afterId: z.number().int().nonnegative().default(0),
  limit: z.number().int().min(1).max(1000).default(100),
});
const bestSchema = z.strictObject({
  by: z.enum(['reward', 'accuracy']).default('reward'),
  limit: z.number().int().min(1).max(1000).default(10),
});

/** Time-ordered, job-id-safe run ids: 8 base-36 digits of milliseconds and 4 random ones. */
function newRunId(): string {
  const random = [...randomBytes(4)].map((b) => (b % 36).toString(36)).join('');
  return `${Date.now().toString(36).padStart(8, '0')}${random}`;
}

/** How long close() waits for the driver to let go of its connections. */
const CLOSE_TIMEOUT_MS = 5000;

export class PrismaStore implements Store {
  readonly provider: 'sqlite' | 'postgresql';
  readonly url: string;
  readonly trainings: TrainingStore;
  private closed = false;
  /** SQLite only: keeps every call out of another call's open transaction (see serial.ts). */
  private readonly serial: Serial | undefined;
  private readonly writes: SqlDatabase;

  constructor(
    private readonly db: Db,
    private readonly target: DatabaseTarget,
    private readonly options: PrismaStoreOptions,
  ) {
    this.provider = target.provider;
    this.url = target.display;
    this.serial = target.provider === 'sqlite' ? new Serial() : undefined;
    this.writes = options.writes ?? prismaSql(db);
    this.trainings = new PrismaTrainingStore(
      db,
      (action, work) => this.guard(action, work),
      checkpointFolder(target, options.checkpointDir),
      options.rebuildIr,
    );
  }

  /**
   * Runs one database operation (serialised on SQLite), mapping its errors;
   * `action` names it in INTERNAL messages. Operations never nest guard calls.
   */
  private async guard<T>(action: string, work: () => Promise<T>): Promise<T> {
    if (this.closed) throw new BlockqnnError(ErrorCode.INTERNAL, `the store for ${this.url} is closed`);
    try {
      return await (this.serial ? this.serial.run(work) : work());
    } catch (error) {
      const mapped = storeError(error, this.target, action);
      // Out of space: give up the reserve beside the file, so the next write (the run's 'paused') fits.
      if (this.target.provider === 'sqlite' && mapped.details?.diskFull) releaseReserve(this.target.path);
      throw mapped;
    }
  }

  async createRun(input: NewRun): Promise<Run> {
    const run = parseInput(newRunSchema, input, 'run');
    const data = {
      name: run.name,
      status: run.status ?? 'pending',
      strategy: run.strategy,
      engine: run.engine,
      taskKey: run.taskKey,
      seed: BigInt(run.seed),
      config: toJsonText(run.config, 'the run config'),
      budgetCandidates: run.budget?.candidates ?? null,
      budgetSeconds: run.budget?.seconds ?? null,
    };
    for (let attempt = 0; ; attempt++) {
      const id = run.id ?? newRunId();
      try {
        return toRun(await this.guard('create a run', () => this.db.run.create({ data: { id, ...data } })));
      } catch (error) {
        const duplicate = error instanceof BlockqnnError && isUniqueViolation(error.cause);
        if (duplicate && run.id === undefined && attempt < 3) continue;
        if (duplicate)
          throw new BlockqnnError(ErrorCode.INVALID_INPUT, `a run with id "${id}" already exists`, {
            hint: 'choose another id, or leave it out',
          });
        throw error;
      }
    }
  }

  async getRun(runId: string): Promise<Run> {
    const row = await this.guard('read a run', () => this.db.run.findUnique({ where: { id: runId } }));
    if (!row) throw runNotFound(runId);
    return toRun(row);
  }

  async listRuns(query: { status?: RunStatus | RunStatus[]; limit?: number; offset?: number } = {}): Promise<Run[]> {
    const q = parseInput(listRunsSchema, query, 'run query');
    const status = q.status === undefined ? undefined : { in: Array.isArray(q.status) ? q.status : [q.status] };
    const rows = await this.guard('list runs', () =>
      this.db.run.findMany({ where: { status }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: q.limit, skip: q.offset }),
    );
    return rows.map(toRun);
  }

  async updateRun(runId: string, patch: RunPatch, options: { ifStatus?: RunStatus[] } = {}): Promise<Run> {
    const p = parseInput(runPatchSchema, patch, 'run update');
    const { budget, ...fields } = p;
    const data = {
      ...fields,
      ...(budget?.candidates !== undefined ? { budgetCandidates: budget.candidates } : {}),
      ...(budget?.seconds !== undefined ? { budgetSeconds: budget.seconds } : {}),
    };
    if (options.ifStatus === undefined) {
      try {
        return toRun(await this.guard('update a run', () => this.db.run.update({ where: { id: runId }, data })));
      } catch (error) {
        if (error instanceof BlockqnnError && isRecordMissing(error.cause)) throw runNotFound(runId);
        throw error;
      }
    }
    const allowed = parseInput(z.array(z.enum(RUN_STATUSES)).min(1), options.ifStatus, 'ifStatus');
    const [row] = await this.guard('update a run', () =>
      this.db.run.updateManyAndReturn({ where: { id: runId, status: { in: allowed } }, data }),
    );
    if (row) return toRun(row);
    const current = await this.getRun(runId);
    throw new BlockqnnError(ErrorCode.INVALID_INPUT, `run ${runId} is ${current.status}, not ${allowed.join(' or ')}`, {
      details: { runId, status: current.status, expected: allowed },
    });
  }

  upsertQueuedCandidates(runId: string, candidates: readonly NewCandidate[]): Promise<{ candidate: Candidate; created: boolean }[]> {
    return this.guard('queue candidates', () => upsertQueuedCandidates(this.writes, this.target, runId, candidates));
  }

  async upsertQueuedCandidate(runId: string, candidate: NewCandidate): Promise<{ candidate: Candidate; created: boolean }> {
    return (await this.upsertQueuedCandidates(runId, [candidate]))[0]!;
  }

  async updateCandidate(runId: string, hash: string, patch: CandidatePatch): Promise<Candidate> {
    const p = parseInput(candidatePatchSchema, patch, 'candidate update');
    // Column names come from the strict schema's keys, never from the caller's object.
    const assignments = Object.entries(p)
      .filter(([, value]) => value !== undefined)
      .map(([field, value]) => Prisma.sql`${column(field)} = ${value}`);
    const [row] = await this.guard('update a candidate', () =>
      assignments.length === 0
        ? Promise.resolve([] as CandidateSummaryRow[])
        : this.db.$queryRaw<CandidateSummaryRow[]>`
            UPDATE "Candidate" SET ${Prisma.join(assignments, ', ')}
            WHERE "runId" = ${runId} AND "hash" = ${hash} AND "status" IN ${inList(OPEN_STATUSES)}
            RETURNING ${CANDIDATE_COLUMNS}`,
    );
    if (row) return toCandidate(row);
    // Unknown, nothing to change, or its result is in: a late "running" must not undo a result.
    const [existing] = await this.guard(
      'read a candidate',
      () =>
        this.db.$queryRaw<
          CandidateSummaryRow[]
        >`SELECT ${CANDIDATE_COLUMNS} FROM "Candidate" WHERE "runId" = ${runId} AND "hash" = ${hash}`,
    );
    if (!existing) throw candidateNotFound(runId, hash);
    return toCandidate(existing);
  }

  commitResults(runId: string, results: readonly { hash: string; result: CandidateResult }[], snapshot: unknown): Promise<CommitOutcome[]> {
    return this.guard('commit results', () => commitResults(this.writes, this.target, runId, results, snapshot, this.options));
  }

  async commitResult(runId: string, hash: string, result: CandidateResult, snapshot: unknown): Promise<CommitOutcome> {
    return (await this.commitResults(runId, [{ hash, result }], snapshot))[0]!;
  }

  upsertQueuedBaselines(runId: string, baselines: readonly NewBaseline[]): Promise<{ candidate: Candidate; created: boolean }[]> {
    return this.guard('queue baselines', () => upsertQueuedBaselines(this.writes, this.target, runId, baselines));
  }

  commitBaselineResults(runId: string, results: readonly { hash: string; result: CandidateResult }[]): Promise<CommitOutcome[]> {
    return this.guard('commit baseline results', () => commitBaselineResults(this.writes, this.target, runId, results));
  }

  listBaselines(runId: string): Promise<Candidate[]> {
    return this.guard('list baselines', () => listBaselines(this.db, runId));
  }

  async latestSnapshot(runId: string): Promise<Snapshot | null> {
    const row = await this.guard('read a snapshot', () =>
      this.db.controllerSnapshot.findFirst({ where: { runId }, orderBy: { sequence: 'desc' } }),
    );
    return row ? toSnapshot(row) : null;
  }

  async getCandidate(runId: string, hash: string): Promise<CandidateDetail | null> {
    return this.guard('read a candidate', async () => {
      const row = await this.db.candidate.findUnique({ where: { runId_hash: { runId, hash } } });
      return row ? withRecomputedIr(this.db, toCandidateDetail(row), this.options.rebuildIr) : null;
    });
  }

  async candidateSamples(runId: string, hash: string): Promise<SampleGridRecord | null> {
    return this.guard('read a sample grid', async () => {
      const row = await this.db.candidate.findUnique({ where: { runId_hash: { runId, hash } }, select: { samples: true } });
      return row?.samples ? readJson(row.samples, sampleGridSchema, `candidate ${runId}/${hash}.samples`) : null;
    });
  }

  async listCandidates(runId: string, query: CandidateQuery = {}): Promise<CandidatePage> {
    const q = parseInput(candidateQuerySchema, query, 'candidate query');
    return this.guard('list candidates', () => listCandidatePage(this.db, runId, q));
  }

  async bestCandidates(runId: string, options: { by?: 'reward' | 'accuracy'; limit?: number } = {}): Promise<Candidate[]> {
    const o = parseInput(bestSchema, options, 'best-candidates query');
    return (await this.listCandidates(runId, { sort: o.by, order: 'desc', limit: o.limit })).items;
  }

  async countByStatus(runId: string): Promise<Record<CandidateStatus, number>> {
    return (await this.guard('count candidates', () => statusCounts(this.db, runId))).byStatus;
  }

  async failureReasons(runId: string, limit = 5): Promise<FailureCount[]> {
    await this.getRun(runId);
    return this.guard('count failure reasons', () => failureReasons(this.db, runId, Math.max(1, Math.min(100, Math.floor(limit)))));
  }

  async trainSeconds(runId: string): Promise<number> {
    return this.guard('sum train seconds', () => resultTrainSeconds(this.db, runId));
  }

  async cachedResult(taskKey: string, hash: string): Promise<CachedResult | null> {
    const row = await this.guard('read the result cache', () =>
      this.db.resultCache.findUnique({ where: { taskKey_hash: { taskKey, hash } } }),
    );
    return row ? toCachedResult(row) : null;
  }

  async appendEvent(runId: string, kind: string, payload: JsonObject = {}): Promise<RunEvent> {
    const k = parseInput(eventKindSchema, kind, 'event kind');
    const body = toJsonText(parseInput(jsonObjectSchema, payload, 'event payload'), 'the event payload');
    try {
      return toEvent(await this.guard('append an event', () => this.db.event.create({ data: { runId, kind: k, payload: body } })));
    } catch (error) {
      if (error instanceof BlockqnnError && (error.cause as { code?: string } | undefined)?.code === 'P2003') throw runNotFound(runId);
      throw error;
    }
  }

  async listEvents(runId: string, query: { afterId?: number; limit?: number } = {}): Promise<RunEvent[]> {
    const q = parseInput(listEventsSchema, query, 'event query');
    const rows = await this.guard('list events', () =>
      this.db.event.findMany({ where: { runId, id: { gt: q.afterId } }, orderBy: { id: 'asc' }, take: q.limit }),
    );
    return rows.map(toEvent);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Let operations already queued on SQLite finish before the connection goes.
    const release = async () => {
      this.options.writes?.close();
      await this.db.$disconnect();
    };
    const disconnect = this.serial ? this.serial.run(release) : release();
    // A PostgreSQL pool whose server went away can wait forever for a connection that never comes back; its
    // timers do not keep Node alive, so the process would exit (code 13) before printing why it stopped.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([disconnect.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_TIMEOUT_MS)))]);
    clearTimeout(timer);
  }
}
