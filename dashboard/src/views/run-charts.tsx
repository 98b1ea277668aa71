/** The run's live charts: reward and accuracy over time, accuracy against FLOPs with the Pareto front, layer types, queue. */
import type uPlot from 'uplot';
import { useMemo } from 'preact/hooks';
import type { SeriesResponse } from '../../../src/server/api-types.js';
import { Card } from '../components/bits.js';
import { Chart, dots, line } from '../components/chart.js';
import { EpsilonChart } from '../components/epsilon-chart.js';
import { StackedBars } from '../components/stacked-bars.js';
import { count } from '../format.js';

export interface QueueSample {
  t: number;
  waiting: number;
  active: number;
  inFlight: number;
}

const INT_INCRS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000];

const HISTORY_OPTS: Omit<uPlot.Options, 'width' | 'height'> = {
  scales: { x: { time: false } },
  axes: [
    { label: 'result # (finish order)', incrs: INT_INCRS },
    { label: 'accuracy / reward', size: 60 },
  ],
  series: [
    { label: 'result' },
    dots('accuracy', '#60a5fa', 5),
    dots('reward', '#f59e0b', 4),
    line('best accuracy', '#1d4ed8'),
    line('best reward', '#b45309', { dash: [6, 4] }),
  ],
  legend: { live: true },
};

const PARETO_OPTS: Omit<uPlot.Options, 'width' | 'height'> = {
  scales: { x: { time: false, distr: 3 } },
  axes: [
    { label: 'multiply-adds (log)', values: (_u, vals) => vals.map((v) => (v === null || v === undefined ? '' : count(v))) },
    { label: 'accuracy', size: 60 },
  ],
  series: [
    { label: 'MACs', value: (_u, v) => (v === null ? '–' : count(v)) },
    dots('candidates', '#64748b', 4),
    line('Pareto front', '#dc2626', { points: { show: true, size: 6 } }),
  ],
};

const QUEUE_OPTS: Omit<uPlot.Options, 'width' | 'height'> = {
  scales: { x: { time: true } },
  axes: [
    {
      space: 90,
      incrs: [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600],
      values: (_u, vals) => vals.map((v) => new Date(v * 1000).toLocaleTimeString()),
    },
    { label: 'jobs', size: 50, incrs: INT_INCRS },
  ],
  series: [{}, line('waiting', '#6366f1'), line('active', '#16a34a'), line('in flight', '#f59e0b')],
};

export function RunCharts({
  series,
  queue,
  throughput,
}: {
  series: SeriesResponse | null;
  queue: QueueSample[];
  throughput: number | null;
}) {
  const history = useMemo<uPlot.AlignedData>(() => {
    const p = series?.points ?? [];
    return [p.map((r) => r[0]), p.map((r) => r[1]), p.map((r) => r[2]), p.map((r) => r[3]), p.map((r) => r[4])];
  }, [series]);
  const pareto = useMemo<uPlot.AlignedData>(() => {
    const rows: [number, number | null, number | null][] = [
      ...(series?.scatter ?? []).map(([f, a]) => [f, a, null] as [number, number | null, number | null]),
      ...(series?.pareto ?? []).map(([f, a]) => [f, null, a] as [number, number | null, number | null]),
    ];
    rows.sort((a, b) => a[0] - b[0]);
    return [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2])];
  }, [series]);
  const queueData = useMemo<uPlot.AlignedData>(
    () => [queue.map((q) => q.t / 1000), queue.map((q) => q.waiting), queue.map((q) => q.active), queue.map((q) => q.inFlight)],
    [queue],
  );
  const empty = !series || series.results === 0;
  return (
    <div class="grid-2">
      <Card title="Accuracy and reward of every result" class="wide">
        {empty ? (
          <p class="empty">No results yet: the charts fill in as candidates finish.</p>
        ) : (
          <Chart options={HISTORY_OPTS} data={history} label="accuracy and reward over time" />
        )}
        {series?.downsampled && (
          <p class="muted small">
            {series.results.toLocaleString()} results: each point is the best of its bucket; the running best is exact.
          </p>
        )}
      </Card>
      <Card title="Accuracy against multiply-adds">
        {empty ? (
          <p class="empty">No results yet.</p>
        ) : (
          <Chart options={PARETO_OPTS} data={pareto} label="accuracy against FLOPs with the Pareto front" />
        )}
        {series && series.pareto.length > 0 && (
          <p class="muted small">Pareto front: {series.pareto.length} candidates no other beats on both accuracy and cost.</p>
        )}
      </Card>
      <Card title="Layer types in sampled blocks">
        {series ? <StackedBars layers={series.layers} /> : <p class="empty">Loading…</p>}
        <p class="muted small">
          Share of each layer type (NSC) or edge op (NAS-Bench-201) per window of candidates, oldest left: how the policy shifts.
        </p>
      </Card>
      <Card title="Exploration (ε-greedy schedule)">
        {series?.epsilon ? (
          <>
            <EpsilonChart epsilon={series.epsilon} />
            <p class="muted small">
              ε = {series.epsilon.current} at {series.epsilon.position.toLocaleString()} candidates sampled: the share of layers chosen at
              random rather than by the Q-values.
            </p>
          </>
        ) : (
          <p class="empty">{series ? 'This strategy has no ε schedule (evolution and random search explore otherwise).' : 'Loading…'}</p>
        )}
      </Card>
      <Card title="Queue">
        {queue.length < 2 ? (
          <p class="empty">Collecting queue samples…</p>
        ) : (
          <Chart options={QUEUE_OPTS} data={queueData} height={160} label="queue depth over time" />
        )}
        <p class="muted small">Throughput: {throughput === null ? '–' : `${throughput.toFixed(1)} results/min`} over the last 5 minutes.</p>
      </Card>
    </div>
  );
}
