/** Small shared pieces: status badges, stat tiles, error and empty notes. */
import type { ComponentChildren } from 'preact';
import type { RequestError } from '../api.js';

export function Status({ status }: { status: string }) {
  return <span class={`badge status-${status}`}>{status.replace('_', ' ')}</span>;
}

export function Stat({ label, value, sub }: { label: string; value: ComponentChildren; sub?: ComponentChildren }) {
  return (
    <div class="stat">
      <div class="stat-label">{label}</div>
      <div class="stat-value">{value}</div>
      {sub !== undefined && <div class="stat-sub">{sub}</div>}
    </div>
  );
}

export function ErrorNote({ error }: { error: RequestError | null }) {
  if (!error) return null;
  return (
    <div class="error" role="alert">
      <strong>{error.status === 404 ? 'Not found' : error.status === 401 ? 'Not allowed' : 'Something went wrong'}:</strong> {error.message}
      {error.hint && <div class="hint">{error.hint}</div>}
    </div>
  );
}

export function Card({
  title,
  children,
  actions,
  class: cls,
}: {
  title?: string;
  children: ComponentChildren;
  actions?: ComponentChildren;
  class?: string;
}) {
  return (
    <section class={`card ${cls ?? ''}`}>
      {(title || actions) && (
        <header class="card-head">
          {title && <h2>{title}</h2>}
          {actions}
        </header>
      )}
      {children}
    </section>
  );
}
