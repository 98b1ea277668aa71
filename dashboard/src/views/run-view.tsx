/** One run, live over its event stream: summary, charts, best blocks, candidates, events. */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { RunEventRow, RunOverview, SeriesResponse, StreamOverview } from '../../../src/server/api-types.js';
import { RequestError, api, useFetch, useStream } from '../api.js';
import { Card, ErrorNote, Stat, Status } from '../components/bits.js';
import { RunActions } from '../components/run-actions.js';
import { ago, num, pct } from '../format.js';
import { BaselinesView } from './baselines.js';
import { BestBlocks } from './best-blocks.js';
import { CandidateTable } from './candidate-table.js';
import { DatasetView } from './dataset-view.js';
import { type QueueSample, RunCharts } from './run-charts.js';

const TABS = [
  ['', 'Overview'],
  ['best', 'Best blocks'],
  ['candidates', 'Candidates'],
  ['baselines', 'Baselines'],
  ['dataset', 'Dataset'],
  ['events', 'Events'],
] as const;

/** `value`, but changing at most once per `ms`: the last change always lands. */
function useThrottled<T>(value: T, ms: number): T {
  const [out, setOut] = useState(value);
  const last = useRef(0);
  useEffect(() => {
    const wait = Math.max(0, last.current + ms - Date.now());
    const t = setTimeout(() => {
      last.current = Date.now();
      setOut(value);
    }, wait);
    return () => clearTimeout(t);
  }, [value, ms]);
  return out;
}

/** Epochs saved as a share of the epochs every result would have trained without pruning. */
function savedShare(p: NonNullable<SeriesResponse['pruning']>): string {
  const whole = p.epochsTrained + p.epochsSaved;
  return whole > 0 ? `${Math.round((100 * p.epochsSaved) / whole)} %` : '0 %';
}

export function RunView({ runId, tab }: { runId: string; tab: string }) {
  const [streamed, setOverview] = useState<StreamOverview | null>(null);
  // One plain GET beside the stream: whichever answers first paints the page; the stream keeps it live.
  const { data: fetched } = useFetch<RunOverview>(`/runs/${runId}`);
  const overview: StreamOverview | null =
    streamed ??
    (fetched ? { ...fetched, version: `${fetched.run.resultCount}:${fetched.run.candidateCount}:${fetched.run.status}` } : null);
  const [events, setEvents] = useState<RunEventRow[]>([]);
  const [queue, setQueue] = useState<QueueSample[]>([]);
  const [failure, setFailure] = useState<RequestError | null>(null);
  const state = useStream(`/runs/${runId}/stream`, {
    overview: (o: StreamOverview) => {
      setOverview(o);
      setQueue((q) =>
        [
          ...q,
          { t: Date.now(), waiting: o.queue?.waiting ?? 0, active: o.queue?.active ?? 0, inFlight: o.counts.queued + o.counts.running },
        ].slice(-300),
      );
    },
    events: (e: RunEventRow[]) => setEvents((old) => [...old, ...e].slice(-200)),
    failure: (f: { message: string }) => setFailure(new RequestError(500, f.message)),
  });
  // A stream that cannot open (unknown run, server gone): ask once in plain HTTP for the reason.
  useEffect(() => {
    if (state !== 'reconnecting' || overview) return;
    api.get(`/runs/${runId}`).catch((e: RequestError) => setFailure(e));
  }, [state, overview, runId]);
  const version = useThrottled(overview?.version ?? '', 1500);
  // Asked at once, beside the stream, so the charts do not wait for the first overview.
  const { data: series, error } = useFetch<SeriesResponse>(`/runs/${runId}/series`, version);
  if (failure)
    return (
      <div class="page">
        <ErrorNote error={failure} />
        <a href="#/">← all runs</a>
      </div>
    );
  if (!overview)
    return (
      <div class="page">
        <p class="empty">{state === 'reconnecting' ? 'Cannot reach this run’s stream; retrying…' : 'Loading the run…'}</p>
      </div>
    );
  const { run, counts } = overview;
  return (
    <div class="page">
      <div class="page-head">
        <div>
          <div class="crumbs">
            <a href="#/">Runs</a> / <span class="mono">{run.id}</span>
          </div>
          <h1>
            {run.name} <Status status={run.status} />
          </h1>
          <div class="muted">
            <span title={run.strategyDescription ?? undefined}>{run.strategy}</span> · {run.engine} · {run.space} · {run.dataset} · started{' '}
            {ago(run.startedAt ?? run.createdAt)}
            {run.controllerId && ` · controller ${run.controllerId}${run.controller === 'dead' ? ' (dead)' : ''}`}
          </div>
          {run.strategyDescription && <div class="muted">strategy: {run.strategyDescription}</div>}
        </div>
        <div class="actions">
          <span class={`live ${state}`}>{state}</span>
          <RunActions run={run} />
        </div>
      </div>
      {run.error && <div class="error">Run error: {run.error}</div>}
      {overview.workerHint && (
        <div class="error worker-hint">
          No live {overview.workerHint.engine} worker on prefix <span class="mono">{overview.workerHint.prefix}</span>
          {overview.workerHint.otherEngines.length > 0 &&
            ` (live slots of other engines: ${overview.workerHint.otherEngines.join(', ')}; they never take this run's jobs)`}
          : the run's jobs wait. Start one with: <code class="mono">{overview.workerHint.command}</code>
        </div>
      )}
      <div class="stats">
        <Stat
          label="results"
          value={run.resultCount.toLocaleString()}
          sub={`${run.candidateCount.toLocaleString()} sampled${run.budget.candidates ? ` · budget ${run.budget.candidates}` : ''}`}
        />
        <Stat label="best accuracy" value={pct(run.bestAccuracy)} />
        <Stat label="best reward" value={num(run.bestReward)} />
        <Stat
          label="in flight"
          value={counts.queued + counts.running}
          sub={overview.queue ? `${overview.queue.waiting} waiting · ${overview.queue.active} active` : 'queue unreachable'}
        />
        <Stat label="throughput" value={series ? `${series.throughputPerMinute.toFixed(1)}/min` : '–'} sub="last 5 min" />
        <Stat
          label="failed"
          value={counts.failed + counts.diverged + counts.too_large}
          sub={`${counts.diverged} diverged · ${counts.too_large} too large`}
        />
        {series?.pruning && (
          <Stat
            label="pruned"
            value={counts.pruned}
            sub={`${series.pruning.epochsSaved.toLocaleString()} epochs saved (${series.pruning.pruner}) · ${savedShare(series.pruning)} of the recipe's`}
          />
        )}
      </div>
      <nav class="tabs">
        {TABS.filter(([key]) => key !== 'baselines' || run.baselineCount > 0 || tab === 'baselines').map(([key, label]) => (
          <a key={key} href={`#/runs/${runId}${key ? `/${key}` : ''}`} class={tab === key ? 'active' : ''}>
            {label}
          </a>
        ))}
      </nav>
      <ErrorNote error={error} />
      {tab === '' && <RunCharts series={series} queue={queue} throughput={series?.throughputPerMinute ?? null} />}
      {tab === 'best' && <BestBlocks runId={runId} version={version} />}
      {tab === 'candidates' && <CandidateTable runId={runId} version={version} />}
      {tab === 'baselines' && <BaselinesView runId={runId} version={version} />}
      {tab === 'dataset' && <DatasetView runId={runId} />}
      {tab === 'events' && (
        <Card title="Events">
          {events.length === 0 ? (
            <p class="empty">No events yet.</p>
          ) : (
            <ul class="events">
              {[...events].reverse().map((e) => (
                <li key={e.id}>
                  <span class="muted">{new Date(e.time).toLocaleTimeString()}</span> <strong>{e.kind}</strong>{' '}
                  <code>{JSON.stringify(e.payload)}</code>
                </li>
              ))}
            </ul>
          )}
        </Card>
      )}
    </div>
  );
}
