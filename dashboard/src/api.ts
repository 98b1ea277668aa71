/** Fetch helpers and the event-stream hook. Types come from the server (type-only imports). */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiError } from '../../src/server/api-types.js';

const TOKEN_KEY = 'blockqnn-token';

export const token = {
  get: (): string => localStorage.getItem(TOKEN_KEY) ?? '',
  set: (value: string): void => (value ? localStorage.setItem(TOKEN_KEY, value) : localStorage.removeItem(TOKEN_KEY)),
};

export class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && token.get()) headers.Authorization = `Bearer ${token.get()}`;
  let res: Response;
  try {
    res = await fetch(`./api${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  } catch {
    throw new RequestError(0, 'the dashboard server does not answer', 'is `blockqnn dashboard` still running?');
  }
  const data = (await res.json().catch(() => null)) as (T & Partial<ApiError>) | null;
  if (!res.ok || data === null) throw new RequestError(res.status, data?.error?.message ?? `HTTP ${res.status}`, data?.error?.hint);
  return data;
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {}),
};

/** Loads `path` (again whenever `key` changes); keeps the previous data while reloading. */
export function useFetch<T>(path: string | null, key: unknown = null): { data: T | null; error: RequestError | null; loading: boolean } {
  const [state, setState] = useState<{ data: T | null; error: RequestError | null; loading: boolean }>({
    data: null,
    error: null,
    loading: true,
  });
  useEffect(() => {
    if (path === null) return;
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    api.get<T>(path).then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error: RequestError) => live && setState((s) => ({ data: s.data, error, loading: false })),
    );
    return () => {
      live = false;
    };
  }, [path, key]);
  return state;
}

export type StreamState = 'connecting' | 'live' | 'reconnecting';

/** Subscribes to a server-sent event stream; handlers are kept current without reconnecting. */
export function useStream(path: string, handlers: Record<string, (data: any) => void>): StreamState {
  const [state, setState] = useState<StreamState>('connecting');
  const ref = useRef(handlers);
  ref.current = handlers;
  useEffect(() => {
    const source = new EventSource(`./api${path}`);
    source.onopen = () => setState('live');
    source.onerror = () => setState('reconnecting');
    const names = Object.keys(ref.current);
    for (const name of names) source.addEventListener(name, (e) => ref.current[name]?.(JSON.parse((e as MessageEvent).data)));
    return () => source.close();
  }, [path]);
  return state;
}
