/** A run's hand-designed baselines beside its best searched candidate: the same recipe and reward, side by side. */
import type { BaselineComparisonResponse } from '../../../src/server/api-types.js';
import { useFetch } from '../api.js';
import { Card, ErrorNote, Status } from '../components/bits.js';
import { SampleThumb } from '../components/sample-grid.js';
import { count, num, pct } from '../format.js';

type Row = NonNullable<BaselineComparisonResponse['best']>;

/** Reward gap to the best searched block: positive when the baseline is ahead. */
function Gap({ row }: { row: Row }) {
  if (row.kind === 'searched') return <span class="muted">reference</span>;
  if (row.rewardGap === null) return <span class="muted">–</span>;
  return <span class={row.rewardGap > 0 ? 'gap-ahead' : 'gap-behind'}>{`${row.rewardGap > 0 ? '+' : ''}${row.rewardGap.toFixed(4)}`}</span>;
}

export function BaselinesView({ runId, version }: { runId: string; version: string }) {
  const { data, error } = useFetch<BaselineComparisonResponse>(`/runs/${runId}/baselines`, version);
  if (error) return <ErrorNote error={error} />;
  if (!data) return <p class="empty">Loading the baselines…</p>;
  if (data.baselines.length === 0)
    return (
      <p class="empty">
        This run evaluates no baselines (start one with <code>--baselines all</code>).
      </p>
    );
  const rows: Row[] = [...(data.best ? [data.best] : []), ...data.baselines];
  // Metrics the table shows already (the torch engine reports params as a check) get no second column.
  const metrics = [...new Set(rows.flatMap((r) => Object.keys(r.metrics ?? {})))]
    .filter((m) => !['accuracy', 'flops', 'macs', 'params', 'density', 'reward'].includes(m))
    .sort();
  const done = data.baselines.filter((b) => b.accuracy !== null);
  const ahead = done.filter((b) => b.rewardGap !== null && b.rewardGap > 0).length;
  return (
    <Card
      title="Best searched block vs baselines"
      actions={
        <span class="muted">
          {data.best
            ? `${ahead} of ${done.length} evaluated baseline(s) beat the best searched block on shaped reward`
            : 'no searched result yet'}
        </span>
      }
    >
      <table class="table baselines-table">
        <thead>
          <tr>
            <th>architecture</th>
            <th>status</th>
            <th class="num">accuracy</th>
            <th class="num">MACs</th>
            <th class="num">params</th>
            <th class="num">density</th>
            <th class="num">reward</th>
            <th class="num">vs best searched</th>
            {metrics.map((m) => (
              <th class="num" key={m}>
                {m}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.hash} data-kind={r.kind}>
              <td>
                {r.kind === 'baseline' ? (
                  <span class="badge baseline-badge">baseline</span>
                ) : (
                  <span class="badge searched-badge">best searched</span>
                )}{' '}
                <a href={`#/runs/${runId}/c/${r.hash}`}>{r.kind === 'baseline' ? r.name : <code>{r.nsc}</code>}</a>
                <SampleThumb runId={runId} hash={r.hash} />
              </td>
              <td>
                <Status status={r.status} />
              </td>
              <td class="num">{pct(r.accuracy)}</td>
              <td class="num">{count(r.flops)}</td>
              <td class="num">{count(r.params)}</td>
              <td class="num">{r.density.toFixed(3)}</td>
              <td class="num">{num(r.reward)}</td>
              <td class="num">
                <Gap row={r} />
              </td>
              {metrics.map((m) => (
                <td class="num" key={m}>
                  {num(r.metrics?.[m] ?? null)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}
