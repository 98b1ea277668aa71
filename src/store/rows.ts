/**
 * Database rows → store records. Every JSON column and status string is
 * validated here, so a row edited or damaged outside blockqnn fails with an
 * IO_ERROR that names the table, the row and the field, instead of surfacing
 * later as a confusing crash in the controller or the dashboard.
 */
import { z } from 'zod';
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import { parseWith } from '../common/parse.js';
import { networkIrSchema } from '../search-space/index.js';
import type { NetworkIr } from '../search-space/index.js';
import type {
  Candidate as CandidateRow,
  ControllerSnapshot as SnapshotRow,
  Event as EventRow,
  ResultCache as CacheRow,
  Run as RunRow,
} from './generated/sqlite/client.js';
import {
  CACHEABLE_STATUSES,
  CANDIDATE_STATUSES,
  RUN_STATUSES,
  curveSchema,
  jsonObjectSchema,
  metricsSchema,
  type CachedResult,
  type Candidate,
  type CandidateDetail,
  type CurvePoint,
  type JsonObject,
  type Run,
  type RunEvent,
  type Snapshot,
} from './types.js';

/** A candidate row as listed: everything but the (large) IR. */
export type CandidateSummaryRow = Omit<CandidateRow, 'ir'>;

function corrupted(where: string, problem: string): BlockqnnError {
  return new BlockqnnError(ErrorCode.IO_ERROR, `corrupted row: ${where}: ${problem}`, {
    hint: 'the row was changed outside blockqnn; restore the database from a backup, or delete the run',
    details: { where },
  });
}

const check = <T>(schema: z.ZodType<T>, value: unknown, where: string): T =>
  parseWith(schema, value, { what: where, error: (problem) => corrupted(where, problem) });

/** Parses a JSON text column; `where` names the row and field for the error. */
export function readJson<T>(text: string, schema: z.ZodType<T>, where: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw corrupted(where, `not valid JSON (${(error as Error).message})`);
  }
  return check(schema, value, where);
}

const runStatus = z.enum(RUN_STATUSES);
const candidateStatus = z.enum(CANDIDATE_STATUSES);
const cacheableStatus = z.enum(CACHEABLE_STATUSES);
const anyJson = z.unknown().refine((v) => v !== undefined, 'missing value');

const readCurve = (text: string | null, where: string): CurvePoint[] | null => (text === null ? null : readJson(text, curveSchema, where));

export function toRun(row: RunRow): Run {
  const where = `Run ${row.id}`;
  return {
    id: row.id,
    name: row.name,
    status: check(runStatus, row.status, `${where}.status`),
    strategy: row.strategy,
    engine: row.engine,
    taskKey: row.taskKey,
    seed: Number(row.seed),
    config: readJson(row.config, jsonObjectSchema, `${where}.config`),
    budget: { candidates: row.budgetCandidates, seconds: row.budgetSeconds },
    candidateCount: row.candidateCount,
    resultCount: row.resultCount,
    resultsByStatus: {
      ok: row.okCount,
      diverged: row.divergedCount,
      too_large: row.tooLargeCount,
      failed: row.failedCount,
      pruned: row.prunedCount,
    },
    best: row.bestCandidateId !== null && row.bestReward !== null ? { candidateId: row.bestCandidateId, reward: row.bestReward } : null,
    controllerId: row.controllerId,
    heartbeatAt: row.heartbeatAt,
    secondsSpent: row.secondsSpent,
    error: row.error,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
  };
}

export function toCandidate(row: CandidateSummaryRow): Candidate {
  const where = `Candidate ${row.runId}/${row.hash}`;
  return {
    id: row.id,
    runId: row.runId,
    hash: row.hash,
    sequence: row.sequence,
    nsc: row.nsc,
    flops: row.flops,
    params: row.params,
    density: row.density,
    status: check(candidateStatus, row.status, `${where}.status`),
    accuracy: row.accuracy,
    reward: row.reward,
    curve: readCurve(row.curve, `${where}.curve`),
    trainSeconds: row.trainSeconds,
    evalSeconds: row.evalSeconds,
    workerId: row.workerId,
    engine: row.engine,
    attempts: row.attempts,
    error: row.error,
    fromCache: row.fromCache,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    baseline: row.baseline ?? null,
    metrics: row.metrics === null || row.metrics === undefined ? null : readJson(row.metrics, metricsSchema, `${where}.metrics`),
  };
}

export function toCandidateDetail(row: CandidateRow): CandidateDetail {
  const ir: NetworkIr | null = row.ir === null ? null : readJson(row.ir, networkIrSchema, `Candidate ${row.runId}/${row.hash}.ir`);
  return { ...toCandidate(row), ir };
}

export function toSnapshot(row: SnapshotRow): Snapshot {
  return {
    runId: row.runId,
    sequence: row.sequence,
    resultCount: row.resultCount,
    state: readJson(row.state, anyJson, `ControllerSnapshot ${row.runId}#${row.sequence}.state`),
    createdAt: row.createdAt,
  };
}

export function toCachedResult(row: CacheRow): CachedResult {
  const where = `ResultCache ${row.hash}`;
  return {
    taskKey: row.taskKey,
    hash: row.hash,
    status: check(cacheableStatus, row.status, `${where}.status`),
    accuracy: row.accuracy,
    curve: readCurve(row.curve, `${where}.curve`),
    trainSeconds: row.trainSeconds,
    evalSeconds: row.evalSeconds,
    engine: row.engine,
    workerId: row.workerId,
    sourceRunId: row.sourceRunId,
    createdAt: row.createdAt,
    metrics: row.metrics === null ? null : readJson(row.metrics, metricsSchema, `${where}.metrics`),
  };
}

export function toEvent(row: EventRow): RunEvent {
  const payload: JsonObject = readJson(row.payload, jsonObjectSchema, `Event ${row.id}.payload`);
  return { id: row.id, runId: row.runId, time: row.time, kind: row.kind, payload };
}
