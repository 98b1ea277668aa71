/**
 * The JSON shapes of the dashboard API. The front-end (dashboard/) imports
 * these as types only, so the server and the page cannot drift apart silently.
 * Dates travel as ISO strings; numbers that may be missing are null.
 */
import type { RunComparison } from '../orchestrator/compare.js';
import type { CandidateStatus, CurvePoint, RunStatus } from '../store/types.js';
import type { NoWorkerNotice } from '../queue/worker-hint.js';

export interface ApiError {
  error: { code: string; message: string; hint?: string; details?: Record<string, unknown> };
}

export interface RunSummary {
  id: string;
  name: string;
  status: RunStatus;
  strategy: string;
  /** What the strategy does (its registry description; null for a name this server does not know). */
  strategyDescription: string | null;
  engine: string;
  space: string;
  dataset: string;
  candidateCount: number;
  resultCount: number;
  budget: { candidates: number | null; seconds: number | null };
  /** resultCount / budget.candidates when a candidate budget exists. */
  progress: number | null;
  bestReward: number | null;
  bestAccuracy: number | null;
  /** Sum of train seconds of this run's results, in hours (GPU or CPU slot hours); 0 before the first result. */
  slotHours: number;
  controllerId: string | null;
  /** controller === 'alive'. */
  controllerAlive: boolean;
  /** The run's controller: alive, known dead (its process is gone, or its heartbeat is stale), or none. */
  controller: 'alive' | 'dead' | 'none';
  /** The buttons the page shows: what stop and resume would do by the same rule as the CLI. */
  actions: { stop: boolean; resume: boolean };
  /** This server process drives the run's controller. */
  drivenHere: boolean;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Hand-designed baselines the run evaluates beside its search. */
  baselineCount: number;
}

/** GET /api/runs/:id/baselines: the best searched candidate beside every baseline. */
export type BaselineComparisonResponse = RunComparison;

export interface CandidateRow {
  hash: string;
  sequence: number;
  nsc: string;
  status: CandidateStatus;
  accuracy: number | null;
  reward: number | null;
  flops: number;
  params: number;
  density: number;
  trainSeconds: number | null;
  workerId: string | null;
  engine: string | null;
  attempts: number;
  fromCache: boolean;
  createdAt: string;
  finishedAt: string | null;
  /** The hand-designed baseline this row is; null for a searched candidate. */
  baseline: string | null;
  /** Extra numbers the engine reported (robust accuracy, ...). */
  metrics: Record<string, number> | null;
}

export interface CandidatePageResponse {
  items: CandidateRow[];
  nextCursor: string | null;
  total: number;
}

export interface GraphNode {
  id: string;
  label: string;
  /** Colour class: conv, pool, identity, merge, io, other. */
  kind: string;
  detail?: string;
}

export interface GraphEdge {
  from: string;
  to: string;
  label?: string;
}

export interface BlockGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export interface NodeCostRow {
  id: string;
  op: string;
  /** First segment of the node id: stem, s1b1, pool1, head, ... */
  scope: string;
  outputShape: number[];
  params: number;
  macs: number;
}

export interface CandidateDetailResponse {
  candidate: CandidateRow & { error: string | null; evalSeconds: number | null; startedAt: string | null; curve: CurvePoint[] | null };
  space: string;
  block: BlockGraph | null;
  /** The full network by scope (stem, blocks, pools, head), with MACs per scope. */
  network: BlockGraph | null;
  costs: NodeCostRow[];
  totals: { params: number; macs: number } | null;
  /** Epochs of the run's recipe (null for a lookup task): a pruned candidate's curve stops short of them. */
  recipeEpochs: number | null;
}

export interface BestBlock {
  candidate: CandidateRow;
  block: BlockGraph | null;
}

export interface SeriesResponse {
  /** Results in the series; `points` may be fewer when downsampled. */
  results: number;
  downsampled: boolean;
  /** Per result (or per bucket: its best point) in finish order: [index, accuracy, reward, bestAccuracy, bestReward]. */
  points: [number, number | null, number | null, number | null, number | null][];
  /** Accuracy against FLOPs: a grid sample of ok results, plus the Pareto front (all of it). */
  scatter: [number, number][];
  pareto: [number, number, string][];
  /** Share of each layer type among the sampled blocks, per window of candidates in sequence order. */
  layers: { types: string[]; windows: { from: number; to: number; shares: number[] }[] };
  /** Results per minute over the last 5 minutes. */
  throughputPerMinute: number;
  /** The strategy's ε schedule as [ε, candidates] pairs and the run's position on it (candidates sampled); null without one. */
  epsilon: { schedule: [number, number][]; position: number; current: number } | null;
  /**
   * The run's pruner at work: candidates it stopped, epochs trained by all results, and epochs saved (the
   * recipe's epochs minus those trained, over pruned candidates); null when the run has no pruner.
   */
  pruning: { pruner: string; recipeEpochs: number; pruned: number; epochsTrained: number; epochsSaved: number } | null;
}

export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  completed: number;
  failed: number;
  prioritized: number;
}

export interface RunOverview {
  run: RunSummary;
  counts: Record<CandidateStatus, number>;
  queue: QueueCounts | null;
  /**
   * A running run whose jobs have waited a while (30 s; BLOCKQNN_NO_WORKER_WARN_SECONDS) with no live worker of its
   * engine registered under the server's prefix: what to start (src/queue/worker-hint.ts). Null otherwise.
   */
  workerHint: NoWorkerNotice | null;
}

export interface WorkerRow {
  id: string;
  host: string;
  pid: number;
  slot: string;
  gpu: number | null;
  engine: string;
  engineDescription: string;
  health: 'alive' | 'stale' | 'dead';
  heartbeatAgeSeconds: number;
  jobsDone: number;
  currentJob: {
    runId: string;
    candidateHash: string;
    epoch: number;
    epochs: number;
    loss: number | null;
    valAccuracy: number | null;
    imagesPerSecond: number | null;
  } | null;
}

export interface RunEventRow {
  id: number;
  time: string;
  kind: string;
  payload: Record<string, unknown>;
}

/** Pushed on /api/runs/:id/stream as `overview`; `events` carries new run events as `event`. */
export interface StreamOverview extends RunOverview {
  /** Changes whenever a result, a candidate or the status changed: refetch charts then. */
  version: string;
}

/** GET /api/runs/:id/dataset: what the run trains on, for the run page's Dataset tab. */
export interface RunDatasetView {
  /** The dataset as the run names it: `fashion-mnist`, or a source such as `folder:./photos`. */
  name: string;
  /** `pack`: a user source, pinned by the sha-256 of its pack; `built-in`: a registered dataset. */
  kind: 'pack' | 'built-in' | 'none';
  sha256: string | null;
  /** False when this host lacks the pack (the dashboard runs elsewhere than the controller that packed it). */
  available: boolean;
  /** The spec's transforms: resize and channels the jobs apply after the split. */
  spec: Record<string, unknown>;
  /** `[height, width, channels]` as decoded. */
  shape: number[] | null;
  /** Each class with its image counts per split (null where the host does not know them). */
  classes: { name: string; train: number | null; test: number | null }[];
  notes: string[];
  /** Whether GET …/dataset/samples.png draws a grid. */
  samples: boolean;
  hint: string | null;
}
