/**
 * A per-run, in-memory digest of candidates for the charts, so a chart request
 * never reads 100,000 rows. It is built once by walking keyset pages and then
 * kept current incrementally: a refresh reads only the candidates from the
 * oldest one still open (queued, running, cancelled) onward, which is about
 * `maxInFlight` rows plus the new ones. Computed series are cached per version
 * (result and candidate counts), so clients that ask at once share one computation.
 */
import type { Candidate, Run, Store } from '../store/index.js';
import { RESULT_STATUSES } from '../store/types.js';
import { type ResultPoint, accuracyVsFlops, history, layerShares, throughput } from './analytics.js';
import type { SeriesResponse } from './api-types.js';
import { type SpaceName, layerTypes } from './block-graph.js';
import { epsilonSchedule, epsilonView } from './epsilon.js';

const RESULT = new Set<string>(RESULT_STATUSES);
const PAGE = 1000;

/** Epochs of a run's recipe, from its stored configuration; null for a task without epochs (a lookup table). */
export function recipeEpochsOf(run: Run): number | null {
  const epochs = (run.config as { task?: { recipe?: { epochs?: unknown } } }).task?.recipe?.epochs;
  return typeof epochs === 'number' ? epochs : null;
}

/** The run's pruner name, or null when it prunes nothing (runs stored before pruners have none). */
export function prunerOf(run: Run): string | null {
  const name = (run.config as { pruner?: { name?: unknown } }).pruner?.name;
  return typeof name === 'string' && name !== 'none' ? name : null;
}

interface Entry {
  sequence: number;
  types: string[];
  result: ResultPoint | null;
}

export class RunDigest {
  private readonly entries = new Map<number, Entry>();
  private seen = 0;
  private version = '';
  private series: SeriesResponse | null = null;
  private pending: Promise<SeriesResponse> | null = null;
  private jsonFor: SeriesResponse | null = null;
  private jsonText = '';
  private schedule: [number, number][] | null | undefined;
  /** Train seconds summed over results. */
  trainSeconds = 0;
  /** Epochs trained over results, and how many of them were pruned with how many epochs each. */
  private epochsTrained = 0;
  private readonly prunedEpochs: number[] = [];

  constructor(
    private readonly store: Store,
    readonly runId: string,
    private readonly space: SpaceName,
  ) {}

  /** Whether it has read the run once (before that, its sums are partial). */
  get built(): boolean {
    return this.series !== null;
  }

  /** The chart data for the run as it is now; cheap when nothing changed. */
  async get(run: Run): Promise<SeriesResponse> {
    const version = `${run.resultCount}:${run.candidateCount}`;
    if (this.series && version === this.version) return this.series;
    this.pending ??= this.refresh(run, version).finally(() => (this.pending = null));
    return this.pending;
  }

  /** {@link get} as JSON text, serialised once per version for every client. */
  async json(run: Run): Promise<string> {
    const series = await this.get(run);
    if (this.jsonFor !== series) {
      this.jsonText = JSON.stringify(series);
      this.jsonFor = series;
    }
    return this.jsonText;
  }

  private async refresh(run: Run, version: string): Promise<SeriesResponse> {
    if (this.schedule === undefined) this.schedule = epsilonSchedule(run);
    let offset = this.seen;
    for (const e of this.entries.values()) if (!e.result) offset = Math.min(offset, e.sequence - 1);
    let cursor: string | undefined;
    for (;;) {
      const page = await this.store.listCandidates(this.runId, {
        sort: 'sequence',
        order: 'asc',
        limit: PAGE,
        ...(cursor ? { cursor } : { offset }),
      });
      for (const c of page.items) this.note(c);
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    const results: ResultPoint[] = [];
    const blocks: { sequence: number; types: string[] }[] = [];
    for (const e of this.entries.values()) {
      blocks.push(e);
      if (e.result) results.push(e.result);
    }
    const { points, downsampled } = history(results);
    this.series = {
      results: results.length,
      downsampled,
      points,
      ...accuracyVsFlops(results),
      layers: layerShares(blocks),
      throughputPerMinute: throughput(results),
      epsilon: epsilonView(this.schedule, run),
      pruning: this.pruning(run),
    };
    this.version = version;
    return this.series;
  }

  private pruning(run: Run): SeriesResponse['pruning'] {
    const pruner = prunerOf(run);
    const recipeEpochs = recipeEpochsOf(run);
    if (pruner === null || recipeEpochs === null) return null;
    const epochsSaved = this.prunedEpochs.reduce((sum, trained) => sum + Math.max(0, recipeEpochs - trained), 0);
    return { pruner, recipeEpochs, pruned: this.prunedEpochs.length, epochsTrained: this.epochsTrained, epochsSaved };
  }

  private note(c: Candidate): void {
    this.seen = Math.max(this.seen, c.sequence);
    const known = this.entries.get(c.sequence);
    if (known?.result) return;
    const entry: Entry = known ?? { sequence: c.sequence, types: layerTypes(this.space, c.nsc), result: null };
    if (RESULT.has(c.status)) {
      entry.result = {
        hash: c.hash,
        sequence: c.sequence,
        finishedAt: (c.finishedAt ?? c.createdAt).getTime(),
        accuracy: c.accuracy,
        reward: c.reward,
        flops: c.flops,
        ok: c.status === 'ok',
      };
      this.trainSeconds += c.trainSeconds ?? 0;
      // Baselines are never pruned and stay outside the search's epochs.
      if (c.baseline === null) {
        this.epochsTrained += c.curve?.length ?? 0;
        if (c.status === 'pruned') this.prunedEpochs.push(c.curve?.length ?? 0);
      }
    }
    this.entries.set(c.sequence, entry);
  }
}
