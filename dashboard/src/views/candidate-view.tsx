/** One candidate: block and network graphs, training curve, cost per node, where and how it ran, JSON export. */
import type uPlot from 'uplot';
import { useMemo, useState } from 'preact/hooks';
import type { CandidateDetailResponse } from '../../../src/server/api-types.js';
import { useFetch } from '../api.js';
import { Card, ErrorNote, Stat, Status } from '../components/bits.js';
import { Chart, line } from '../components/chart.js';
import { Dag } from '../components/dag.js';
import { SampleGrid } from '../components/sample-grid.js';
import { count, num, pct, seconds } from '../format.js';

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#9333ea', '#0891b2'];

/** The curve on an axis to `epochs` (the recipe's) when given, so a pruned candidate's curve visibly stops short. */
function Curve({ curve, epochs }: { curve: NonNullable<CandidateDetailResponse['candidate']['curve']>; epochs?: number | undefined }) {
  const keys = useMemo(() => [...new Set(curve.flatMap((p) => Object.keys(p)))].filter((k) => k !== 'epoch'), [curve]);
  const options = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(
    () => ({
      scales: { x: { time: false, ...(epochs ? { range: [1, Math.max(epochs, curve.length)] as [number, number] } : {}) } },
      axes: [{ label: 'epoch', incrs: [1, 2, 5, 10, 20, 50, 100] }, { size: 60 }],
      series: [{ label: 'epoch' }, ...keys.map((k, i) => line(k, COLORS[i % COLORS.length]!, { points: { show: true, size: 5 } }))],
    }),
    [keys, epochs, curve.length],
  );
  const data = useMemo<uPlot.AlignedData>(
    () => [curve.map((p, i) => p.epoch ?? i + 1), ...keys.map((k) => curve.map((p) => p[k] ?? null))],
    [curve, keys],
  );
  return <Chart options={options} data={data} height={220} label="training curve" />;
}

/** Formats the server exports (GET /api/runs/:id/candidates/:hash/export); weights come from the newest final training when there is one. */
const EXPORTS = [
  ['json', 'JSON'],
  ['pytorch', 'PyTorch'],
  ['onnx', 'ONNX'],
  ['tfjs', 'tfjs'],
  ['svg', 'SVG'],
  ['png', 'PNG'],
] as const;

export function CandidateView({ runId, hash }: { runId: string; hash: string }) {
  const { data, error } = useFetch<CandidateDetailResponse>(`/runs/${runId}/candidates/${hash}`);
  const [allNodes, setAllNodes] = useState(false);
  if (error)
    return (
      <div class="page">
        <ErrorNote error={error} />
      </div>
    );
  if (!data)
    return (
      <div class="page">
        <p class="empty">Loading the candidate…</p>
      </div>
    );
  const c = data.candidate;
  const costs = [...data.costs].sort((a, b) => b.macs - a.macs);
  const shown = allNodes ? costs : costs.slice(0, 15);
  return (
    <div class="page">
      <div class="page-head">
        <div>
          <div class="crumbs">
            <a href="#/">Runs</a> / <a href={`#/runs/${runId}`}>{runId}</a> / <a href={`#/runs/${runId}/candidates`}>candidates</a> /{' '}
            <span class="mono">{c.hash.slice(0, 12)}</span>
          </div>
          <h1>
            {c.baseline ? (
              <>
                Baseline {c.baseline} <span class="badge baseline-badge">baseline</span>
              </>
            ) : (
              <>Candidate #{c.sequence}</>
            )}{' '}
            <Status status={c.status} />
          </h1>
          <code class="nsc big">{c.nsc}</code>
        </div>
        <div class="actions">
          <span class="muted">Export</span>
          {EXPORTS.map(([format, label]) => (
            <a
              key={format}
              class="btn"
              href={`./api/runs/${runId}/candidates/${c.hash}/export?format=${format}`}
              download
              title={`download this architecture as ${label}`}
            >
              {label}
            </a>
          ))}
        </div>
      </div>
      <div class="stats">
        <Stat label="accuracy" value={pct(c.accuracy)} />
        <Stat label="reward" value={num(c.reward)} />
        <Stat label="multiply-adds" value={count(c.flops)} />
        <Stat label="params" value={count(c.params)} />
        <Stat label="density" value={c.density.toFixed(3)} />
        <Stat
          label="training"
          value={c.fromCache ? 'cached' : seconds(c.trainSeconds)}
          sub={`eval ${seconds(c.evalSeconds)} · ${c.attempts} attempt(s)`}
        />
      </div>
      {c.error && <div class="error">Error: {c.error}</div>}
      <SampleGrid runId={runId} hash={c.hash} />
      <div class="grid-2">
        <Card title="Block">{data.block ? <Dag graph={data.block} /> : <p class="empty">This code cannot be drawn.</p>}</Card>
        <Card title="Full network (by scope)">
          {data.network ? <Dag graph={data.network} compact /> : <p class="empty">No network IR stored for this candidate.</p>}
        </Card>
        <Card title="Training curve">
          {c.status === 'pruned' && c.curve && (
            <p class="muted pruned-note">
              Pruned after epoch {c.curve.length} of {data.recipeEpochs ?? '?'}: the run's pruner judged it below its peers there; its
              accuracy is that epoch's.
            </p>
          )}
          {c.curve && c.curve.length > 0 ? (
            <Curve curve={c.curve} epochs={c.status === 'pruned' ? (data.recipeEpochs ?? undefined) : undefined} />
          ) : (
            <p class="empty">No training curve (not trained yet, a table lookup, or a cached result).</p>
          )}
        </Card>
        <Card title="Where and when">
          <dl class="facts wide">
            <dt>worker</dt>
            <dd class="mono">{c.workerId ?? '–'}</dd>
            <dt>engine</dt>
            <dd>{c.engine ?? '–'}</dd>
            <dt>attempts</dt>
            <dd>{c.attempts}</dd>
            <dt>queued</dt>
            <dd>{new Date(c.createdAt).toLocaleString()}</dd>
            <dt>started</dt>
            <dd>{c.startedAt ? new Date(c.startedAt).toLocaleString() : '–'}</dd>
            <dt>finished</dt>
            <dd>{c.finishedAt ? new Date(c.finishedAt).toLocaleString() : '–'}</dd>
            <dt>hash</dt>
            <dd class="mono">{c.hash}</dd>
          </dl>
        </Card>
      </div>
      <Card
        title={`Cost per node${data.totals ? ` · ${count(data.totals.macs)} MACs · ${count(data.totals.params)} params` : ''}`}
        actions={
          costs.length > 15 && (
            <button class="btn small" onClick={() => setAllNodes(!allNodes)}>
              {allNodes ? 'Top 15' : `All ${costs.length} nodes`}
            </button>
          )
        }
      >
        {costs.length === 0 ? (
          <p class="empty">No IR stored, so no per-node cost.</p>
        ) : (
          <table class="table costs">
            <thead>
              <tr>
                <th>Node</th>
                <th>Op</th>
                <th>Output</th>
                <th class="num">MACs</th>
                <th class="num">Share</th>
                <th class="num">Params</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((n) => (
                <tr key={n.id}>
                  <td class="mono">{n.id}</td>
                  <td>{n.op}</td>
                  <td class="mono">{n.outputShape.join('×')}</td>
                  <td class="num">{count(n.macs)}</td>
                  <td class="num">
                    <div class="share">
                      <div style={{ width: `${data.totals && data.totals.macs > 0 ? (n.macs / data.totals.macs) * 100 : 0}%` }} />
                    </div>
                  </td>
                  <td class="num">{count(n.params)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  );
}
