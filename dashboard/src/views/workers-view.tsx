/** Worker slots from the Redis registry, live: stale and dead ones stand out. */
import { useState } from 'preact/hooks';
import type { WorkerRow } from '../../../src/server/api-types.js';
import { useStream } from '../api.js';
import { Card } from '../components/bits.js';
import { num, shortHash } from '../format.js';

export function WorkersView() {
  const [workers, setWorkers] = useState<WorkerRow[] | null>(null);
  const state = useStream('/stream', { workers: setWorkers });
  const by = (h: string) => workers?.filter((w) => w.health === h).length ?? 0;
  return (
    <div class="page">
      <div class="page-head">
        <h1>Workers</h1>
        <div class="actions">
          <span class={`live ${state}`}>{state}</span>
        </div>
      </div>
      {workers && workers.length > 0 && (
        <p class="muted">
          {by('alive')} alive · <span class={by('stale') ? 'warn-text' : ''}>{by('stale')} stale</span> ·{' '}
          <span class={by('dead') ? 'error-text' : ''}>{by('dead')} dead</span>
        </p>
      )}
      <Card>
        {workers === null ? (
          <p class="empty">Loading workers…</p>
        ) : workers.length === 0 ? (
          <p class="empty">
            No workers have registered. Start some with <code>blockqnn worker --redis URL</code> on each host (or{' '}
            <code>blockqnn search</code> starts local ones).
          </p>
        ) : (
          <table class="table workers">
            <thead>
              <tr>
                <th>Health</th>
                <th>Host</th>
                <th>Slot</th>
                <th>Engine</th>
                <th>Current job</th>
                <th class="num">Images/s</th>
                <th class="num">Jobs done</th>
                <th class="num">Last heartbeat</th>
              </tr>
            </thead>
            <tbody>
              {workers.map((w) => (
                <tr key={w.id} class={`row-${w.health}`}>
                  <td>
                    <span class={`badge health-${w.health}`}>{w.health}</span>
                  </td>
                  <td>
                    {w.host} <span class="muted">pid {w.pid}</span>
                  </td>
                  <td>{w.gpu === null ? `${w.slot} (CPU)` : `${w.slot} · GPU ${w.gpu}`}</td>
                  <td title={w.engineDescription}>{w.engine}</td>
                  <td>
                    {w.currentJob ? (
                      <div>
                        <a href={`#/runs/${w.currentJob.runId}/c/${w.currentJob.candidateHash}`} class="mono">
                          {shortHash(w.currentJob.candidateHash)}
                        </a>{' '}
                        epoch {w.currentJob.epoch}/{w.currentJob.epochs}
                        <div class="progress thin">
                          <div style={{ width: `${w.currentJob.epochs ? (w.currentJob.epoch / w.currentJob.epochs) * 100 : 0}%` }} />
                        </div>
                        {w.currentJob.valAccuracy !== null && <span class="muted"> val {num(w.currentJob.valAccuracy, 3)}</span>}
                      </div>
                    ) : (
                      <span class="muted">idle</span>
                    )}
                  </td>
                  <td class="num">{w.currentJob?.imagesPerSecond ? Math.round(w.currentJob.imagesPerSecond).toLocaleString() : '–'}</td>
                  <td class="num">{w.jobsDone}</td>
                  <td class="num">{w.heartbeatAgeSeconds < 1 ? 'now' : `${w.heartbeatAgeSeconds.toFixed(0)} s ago`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  );
}
