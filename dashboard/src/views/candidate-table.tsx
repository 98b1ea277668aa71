/** Every candidate of a run: sorted, filtered and paginated by the server (keyset cursors), never loaded whole. */
import { useState } from 'preact/hooks';
import type { CandidatePageResponse } from '../../../src/server/api-types.js';
import { useFetch } from '../api.js';
import { ErrorNote, Status } from '../components/bits.js';
import { count, num, pct, seconds, shortHash } from '../format.js';

const SORTS = ['sequence', 'reward', 'accuracy', 'flops'] as const;
const STATUSES = ['', 'ok', 'pruned', 'queued', 'running', 'failed', 'diverged', 'too_large', 'cancelled'];

export function CandidateTable({ runId, version }: { runId: string; version: string }) {
  const [sort, setSort] = useState<(typeof SORTS)[number]>('reward');
  const [order, setOrder] = useState<'asc' | 'desc'>('desc');
  const [status, setStatus] = useState('');
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors[cursors.length - 1];
  const path = `/runs/${runId}/candidates?sort=${sort}&order=${order}&limit=25${status ? `&status=${status}` : ''}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
  // Live on the first page only; deeper pages stay put while the user reads them.
  const { data, error, loading } = useFetch<CandidatePageResponse>(path, cursors.length === 0 ? version : null);
  const sortBy = (key: (typeof SORTS)[number]) => {
    if (key === sort) setOrder(order === 'asc' ? 'desc' : 'asc');
    else {
      setSort(key);
      setOrder(key === 'sequence' || key === 'flops' ? 'asc' : 'desc');
    }
    setCursors([]);
  };
  const head = (key: (typeof SORTS)[number], label: string) => (
    <th
      class={`num sortable ${sort === key ? 'sorted' : ''}`}
      onClick={() => sortBy(key)}
      aria-sort={sort === key ? (order === 'asc' ? 'ascending' : 'descending') : 'none'}
    >
      {label} {sort === key ? (order === 'asc' ? '▲' : '▼') : ''}
    </th>
  );
  const page = cursors.length + 1;
  return (
    <div class="card">
      <header class="card-head">
        <h2>Candidates {data && <span class="muted">({data.total.toLocaleString()})</span>}</h2>
        <label class="filter">
          status{' '}
          <select
            value={status}
            onChange={(e) => {
              setStatus((e.target as HTMLSelectElement).value);
              setCursors([]);
            }}
          >
            {STATUSES.map((s) => (
              <option value={s} key={s}>
                {s || 'all'}
              </option>
            ))}
          </select>
        </label>
      </header>
      <ErrorNote error={error} />
      <table class={`table candidates ${loading ? 'loading' : ''}`}>
        <thead>
          <tr>
            {head('sequence', '#')}
            <th>Code</th>
            <th>Status</th>
            {head('accuracy', 'Accuracy')}
            {head('reward', 'Reward')}
            {head('flops', 'MACs')}
            <th class="num">Params</th>
            <th class="num">Density</th>
            <th class="num">Train</th>
            <th>Worker</th>
          </tr>
        </thead>
        <tbody>
          {data?.items.map((c) => (
            <tr key={c.hash}>
              <td class="num">{c.sequence}</td>
              <td class="code-cell">
                <a href={`#/runs/${runId}/c/${c.hash}`} title={c.nsc}>
                  {c.nsc}
                </a>
              </td>
              <td>
                <Status status={c.status} />
              </td>
              <td class="num">{pct(c.accuracy)}</td>
              <td class="num">{num(c.reward)}</td>
              <td class="num">{count(c.flops)}</td>
              <td class="num">{count(c.params)}</td>
              <td class="num">{c.density.toFixed(2)}</td>
              <td class="num">{c.fromCache ? 'cache' : seconds(c.trainSeconds)}</td>
              <td class="muted mono" title={c.workerId ?? ''}>
                {c.workerId ? shortHash(c.workerId.split(':').slice(-1)[0] ?? '') : '–'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {data && data.items.length === 0 && <p class="empty">No candidates match.</p>}
      <footer class="pager">
        <button class="btn" disabled={cursors.length === 0} onClick={() => setCursors([])}>
          First
        </button>
        <button class="btn" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
          ← Previous
        </button>
        <span class="muted">page {page}</span>
        <button class="btn" disabled={!data?.nextCursor} onClick={() => data?.nextCursor && setCursors([...cursors, data.nextCursor])}>
          Next →
        </button>
      </footer>
    </div>
  );
}
