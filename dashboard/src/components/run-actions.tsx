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
  // The server decides by the rule the CLI follows (src/orchestrator/controller-state.ts): a run whose
  // controller is dead offers both, Resume taking it over at once.
  const { stop: canStop, resume: canResume } = run.actions;
  return (
    <div class="actions">
      {canStop && (
        <button class="btn danger" disabled={busy} onClick={() => act('stop')} data-action="stop">
          Stop
        </button>
      )}
      {canResume && (
        <button class="btn" disabled={busy} onClick={() => act('resume')} data-action="resume">
          Resume
        </button>
      )}
      {run.status === 'stopping' && run.controller === 'alive' && <span class="muted">stopping…</span>}
      {run.controller === 'dead' && (
        <span class="muted" data-note="controller-dead">
          its controller is dead
        </span>
      )}
      <ErrorNote error={error} />
    </div>
  );
}
