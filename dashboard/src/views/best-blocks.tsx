/** The top-K blocks of a run, each drawn as a DAG with its code and numbers, linking to its detail. */
import type { BestBlock } from '../../../src/server/api-types.js';
import { useFetch } from '../api.js';
import { ErrorNote } from '../components/bits.js';
import { Dag } from '../components/dag.js';
import { count, num, pct } from '../format.js';

export function BestBlocks({ runId, version }: { runId: string; version: string }) {
  const { data, error } = useFetch<{ best: BestBlock[] }>(`/runs/${runId}/best?limit=8`, version);
  if (error) return <ErrorNote error={error} />;
  if (!data) return <p class="empty">Loading the best blocks…</p>;
  if (data.best.length === 0) return <p class="empty">No results yet: the best blocks appear as candidates finish.</p>;
  return (
    <div class="blocks">
      {data.best.map((b, i) => (
        <article class="card block-card" key={b.candidate.hash} data-best={i + 1}>
          <header class="card-head">
            <h2>
              #{i + 1} <span class="muted">reward</span> {num(b.candidate.reward)}
            </h2>
            <a href={`#/runs/${runId}/c/${b.candidate.hash}`}>details →</a>
          </header>
          <div class="block-graph">
            {b.block ? <Dag graph={b.block} compact maxHeight={340} /> : <p class="empty">This code cannot be drawn.</p>}
          </div>
          <code class="nsc" title={b.candidate.nsc}>
            {b.candidate.nsc}
          </code>
          <dl class="facts">
            <dt>accuracy</dt>
            <dd>{pct(b.candidate.accuracy)}</dd>
            <dt>MACs</dt>
            <dd>{count(b.candidate.flops)}</dd>
            <dt>params</dt>
            <dd>{count(b.candidate.params)}</dd>
            <dt>density</dt>
            <dd>{b.candidate.density.toFixed(3)}</dd>
          </dl>
        </article>
      ))}
    </div>
  );
}
