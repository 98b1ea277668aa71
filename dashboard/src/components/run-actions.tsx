/** Stop and resume buttons; they need the token, and say so when it is missing or wrong. */
import { useState } from 'preact/hooks';
import type { RunSummary } from '../../../src/server/api-types.js';
import { RequestError, api } from '../api.js';
import { ErrorNote } from './bits.js';

export function RunActions({ run }: { run: RunSummary }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<RequestError | null>(null);
  const act = async (what: 'stop' | 'resume') => {
    setBusy(true);
    setError(null);
    try {
      await api.post(`/runs/${run.id}/${what}`);
    } catch (e) {
      setError(e as RequestError);
    } finally {
      setBusy(false);
    }
  };
  const canStop = run.status === 'running' || run.status === 'pending';
  const canResume = !run.controllerAlive && ['stopped', 'paused', 'failed', 'pending', 'stopping', 'running'].includes(run.status) && run.status !== 'finished';
  return (
    <div class="actions">
      {canStop && (
        <button class="btn danger" disabled={busy} onClick={() => act('stop')} data-action="stop">
          Stop
        </button>
      )}
      {canResume && !canStop && (
        <button class="btn" disabled={busy} onClick={() => act('resume')} data-action="resume">
          Resume
        </button>
      )}
      {run.status === 'stopping' && <span class="muted">stopping…</span>}
      <ErrorNote error={error} />
    </div>
  );
}
