/** All runs, live from the global stream, with a form to start one from a JSON configuration. */
import { useState } from 'preact/hooks';
import type { RunSummary } from '../../../src/server/api-types.js';
import { RequestError, api, useStream } from '../api.js';
import { Card, ErrorNote, Status } from '../components/bits.js';
import { RunActions } from '../components/run-actions.js';
import { ago, num, pct } from '../format.js';

const EXAMPLE = JSON.stringify(
  {
    name: 'nb201-table',
    engine: 'table',
    task: { kind: 'lookup', table: 'nasbench201/cifar10.csv.gz', fitness: 'c10valid_val_12ep', delayMs: 50 },
    budget: { candidates: 200 },
  },
  null,
  2,
);

function StartRun({ onClose }: { onClose: () => void }) {
  const [text, setText] = useState(EXAMPLE);
  const [error, setError] = useState<RequestError | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    let config: unknown;
    try {
      config = JSON.parse(text);
    } catch (err) {
      setError(new RequestError(400, `not valid JSON: ${(err as Error).message}`));
      return;
    }
    setBusy(true);
    try {
      const { id } = await api.post<{ id: string }>('/runs', { config });
      location.hash = `#/runs/${id}`;
    } catch (err) {
      setError(err as RequestError);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title="Start a run">
      <form onSubmit={submit} class="start-form">
        <p class="muted">
          A JSON object with the keys of <code>blockqnn search --config</code> (space, strategy, engine, task, network, budget, …). The
          controller runs in the dashboard process; candidates are trained by workers attached to the same Redis.
        </p>
        <textarea
          value={text}
          onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
          rows={10}
          spellcheck={false}
          aria-label="run configuration (JSON)"
        />
        <div class="actions">
          <button class="btn primary" type="submit" disabled={busy}>
            {busy ? 'Starting…' : 'Start run'}
          </button>
          <button class="btn" type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
        <ErrorNote error={error} />
      </form>
    </Card>
  );
}

export function RunsList() {
  const [runs, setRuns] = useState<RunSummary[] | null>(null);
  const [starting, setStarting] = useState(false);
  const state = useStream('/stream', { runs: setRuns });
  return (
    <div class="page">
      <div class="page-head">
        <h1>Runs</h1>
        <div class="actions">
          <span class={`live ${state}`}>{state === 'live' ? 'live' : state}</span>
          <button class="btn primary" onClick={() => setStarting(true)} disabled={starting}>
            New run
          </button>
        </div>
      </div>
      {starting && <StartRun onClose={() => setStarting(false)} />}
      <Card>
        {runs === null ? (
          <p class="empty">Loading runs…</p>
        ) : runs.length === 0 ? (
          <p class="empty">
            No runs yet. Start one with <code>blockqnn search</code> or the <em>New run</em> button.
          </p>
        ) : (
          <table class="table runs">
            <thead>
              <tr>
                <th>Run</th>
                <th>Status</th>
                <th>Strategy · engine</th>
                <th>Dataset</th>
                <th>Progress</th>
                <th class="num">Best acc.</th>
                <th class="num">Best reward</th>
                <th class="num">Slot-hours</th>
                <th>Started</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {runs.map((r) => (
                <tr key={r.id} data-run={r.id}>
                  <td>
                    <a href={`#/runs/${r.id}`} class="run-name">
                      {r.name}
                    </a>
                    <div class="muted mono">{r.id}</div>
                  </td>
                  <td>
                    <Status status={r.status} />
                    {r.error && (
                      <div class="error-text" title={r.error}>
                        {r.error.slice(0, 60)}
                      </div>
                    )}
                  </td>
                  <td>
                    {r.strategy}
                    <div class="muted">
                      {r.engine} · {r.space}
                    </div>
                  </td>
                  <td>{r.dataset}</td>
                  <td>
                    <div class="progress" title={`${r.resultCount} results of ${r.candidateCount} candidates`}>
                      <div style={{ width: `${(r.progress ?? 0) * 100}%` }} />
                    </div>
                    <div class="muted">
                      {r.resultCount}
                      {r.budget.candidates ? ` / ${r.budget.candidates}` : ''} results
                    </div>
                  </td>
                  <td class="num">{pct(r.bestAccuracy)}</td>
                  <td class="num">{num(r.bestReward)}</td>
                  <td class="num">{r.slotHours.toFixed(2)}</td>
                  <td>{ago(r.startedAt ?? r.createdAt)}</td>
                  <td>
                    <RunActions run={r} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  );
}
