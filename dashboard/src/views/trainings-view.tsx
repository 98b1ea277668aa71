/** Final trainings (`blockqnn train`): status, epoch progress, test accuracy, and the accuracy curve of each. */
import { useEffect, useState } from 'preact/hooks';
import type { TrainingRow } from '../../../src/server/trainings-routes.js';
import { useFetch } from '../api.js';
import { Card, ErrorNote, Status } from '../components/bits.js';
import { Chart, line } from '../components/chart.js';
import { count, pct, seconds } from '../format.js';

/** Polls while a training runs: progress comes from the worker's job, results are collected by the server. */
function usePoll(ms: number): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((t) => t + 1), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return tick;
}

function Curve({ t }: { t: TrainingRow }) {
  if (t.curve.length < 2) return null;
  const data: [number[], (number | null)[]] = [t.curve.map((p) => p.epoch), t.curve.map((p) => p.accuracy)];
  return (
    <Chart
      label={`training ${t.id} test accuracy`}
      height={120}
      data={data}
      options={{
        series: [{ label: 'epoch' }, line('test accuracy', '#2f7ed8')],
        axes: [{}, { values: (_u, v) => v.map((x) => pct(x, 0)) }],
      }}
    />
  );
}

export function TrainingsView() {
  const tick = usePoll(3000);
  const { data, error } = useFetch<{ trainings: TrainingRow[] }>('/trainings', tick);
  const rows = data?.trainings ?? null;
  return (
    <div class="page">
      <div class="page-head">
        <h1>Final trainings</h1>
      </div>
      <ErrorNote error={error} />
      <Card>
        {rows === null ? (
          <p class="empty">Loading trainings…</p>
        ) : rows.length === 0 ? (
          <p class="empty">
            No final trainings yet. Train a run's best block to convergence with <code>blockqnn train --run RUN --best --epochs E</code>.
          </p>
        ) : (
          <table class="table trainings">
            <thead>
              <tr>
                <th>#</th>
                <th>Status</th>
                <th>Architecture</th>
                <th>Dataset</th>
                <th>Engine</th>
                <th>Epoch</th>
                <th>Test accuracy</th>
                <th>Parameters</th>
                <th>Train time</th>
                <th>Checkpoint</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((t) => (
                <>
                  <tr key={t.id}>
                    <td>{t.id}</td>
                    <td>
                      <Status status={t.status} />
                    </td>
                    <td>
                      {t.baseline ? (
                        `baseline ${t.baseline}`
                      ) : (
                        <a href={`#/runs/${encodeURIComponent(t.runId ?? '')}`}>
                          candidate {t.candidateId} of {t.runId}
                        </a>
                      )}
                    </td>
                    <td>{t.dataset ?? '–'}</td>
                    <td>{t.engine}</td>
                    <td>
                      {t.epoch}/{t.epochs ?? '?'}
                      {t.epochs ? <progress max={t.epochs} value={t.epoch} /> : null}
                    </td>
                    <td>{pct(t.accuracy)}</td>
                    <td>{count(t.params)}</td>
                    <td>{seconds(t.trainSeconds)}</td>
                    <td title={t.checkpointPath ?? t.error ?? ''}>
                      {t.checkpointPath ? 'kept' : t.error ? <span class="error-text">{t.error.split('\n')[0]!.slice(0, 60)}</span> : '–'}
                    </td>
                  </tr>
                  {t.curve.length > 1 && (
                    <tr key={`${t.id}-curve`}>
                      <td colSpan={10}>
                        <Curve t={t} />
                      </td>
                    </tr>
                  )}
                </>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  );
}
