/** Public surface of the store: open one, and the records it speaks in. Prisma stays inside this folder. */
export { openStore } from './open-store.js';
export type { OpenStoreOptions } from './open-store.js';
export type { IrRebuild } from './recomputed-ir.js';
export type { Store } from './store.js';
export { DEFAULT_DATABASE_URL, parseDatabaseUrl, redactUrl } from './url.js';
export { MAX_BATCH } from './input.js';
export { RUN_STATUSES, CANDIDATE_STATUSES, RESULT_STATUSES, OPEN_STATUSES, CACHEABLE_STATUSES, CANDIDATE_SORT_KEYS } from './types.js';
export { baselineNameSchema } from './types.js';
export type {
  RunStatus,
  CandidateStatus,
  ResultStatus,
  OpenStatus,
  CacheableStatus,
  JsonObject,
  CurvePoint,
  Run,
  NewRun,
  RunPatch,
  Candidate,
  CandidateDetail,
  NewCandidate,
  NewBaseline,
  CandidateMetrics,
  CandidatePatch,
  CandidateResult,
  CommitOutcome,
  CandidateSortKey,
  CandidateQuery,
  CandidatePage,
  Snapshot,
  SampleGridRecord,
  CachedResult,
  RunEvent,
} from './types.js';
export { TRAINING_STATUSES, OPEN_TRAINING_STATUSES, TRAINING_RESULT_STATUSES } from './trainings.js';
export type { Training, TrainingDetail, TrainingStatus, TrainingStore, NewTraining, TrainingResult, TrainingQuery } from './trainings.js';
export { COMMIT_DELAY_ENV } from './commit-results.js';
