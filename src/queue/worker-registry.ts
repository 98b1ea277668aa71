/**
 * Live registry of workers in Redis (never the database: workers on other hosts
 * need only Redis). Each slot writes its state with a heartbeat; readers judge
 * liveness from the heartbeat's age, so a worker killed with -9 shows up as dead
 * instead of lingering as busy. Heartbeats are stamped with the Redis server's
 * clock, not the worker host's, so a worker host whose clock is off (an hour
 * ahead or behind) is judged like any other.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';

export const workerStateSchema = z.object({
  id: z.string(),
  host: z.string(),
  pid: z.number().int(),
  slot: z.string(),
  /** GPU index the slot is pinned to, or null for a CPU slot. */
  gpu: z.number().int().nullable(),
  engine: z.string(),
  engineDescription: z.string(),
  startedAt: z.number(),
  heartbeatAt: z.number(),
  currentJob: z
    .object({
      jobId: z.string(),
      runId: z.string(),
      candidateHash: z.string(),
      epoch: z.number(),
      epochs: z.number(),
      loss: z.number().nullable(),
      valAccuracy: z.number().nullable(),
      imagesPerSecond: z.number().nullable(),
    })
    .nullable(),
  jobsDone: z.number().int(),
});

export type WorkerState = z.infer<typeof workerStateSchema>;
export type WorkerHealth = 'alive' | 'stale' | 'dead';

export const HEARTBEAT_MS = 5_000;

/** How soon the registry shows a job a slot started or finished: slots coalesce those writes over this period. */
export const JOB_NOTE_MS = 200;

export function registryKey(prefix: string): string {
  return `${prefix}:workers`;
}

/** alive: heartbeat within 3 periods; stale: within 12; dead beyond (entries are pruned after an hour). */
export function workerHealth(state: WorkerState, now = Date.now()): WorkerHealth {
  const age = now - state.heartbeatAt;
  return age <= 3 * HEARTBEAT_MS ? 'alive' : age <= 12 * HEARTBEAT_MS ? 'stale' : 'dead';
}

/** The Redis server's clock in ms: one clock for every host's heartbeats. */
export async function redisClock(client: Redis): Promise<number> {
  const [seconds, micros] = await client.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

export async function writeWorkerState(client: Redis, prefix: string, state: WorkerState): Promise<void> {
  await client.hset(registryKey(prefix), state.id, JSON.stringify(state));
}

export async function removeWorker(client: Redis, prefix: string, id: string): Promise<void> {
  await client.hdel(registryKey(prefix), id);
}

/** Every live-enough entry with its health; `now` defaults to the Redis server's clock, the one heartbeats are stamped with. */
export async function listWorkers(client: Redis, prefix: string, at?: number): Promise<(WorkerState & { health: WorkerHealth })[]> {
  const now = at ?? (await redisClock(client));
  const entries = await client.hgetall(registryKey(prefix));
  const workers: (WorkerState & { health: WorkerHealth })[] = [];
  for (const [id, json] of Object.entries(entries)) {
    const parsed = workerStateSchema.safeParse(safeJson(json));
    if (!parsed.success || now - parsed.data.heartbeatAt > 3_600_000) {
      await client.hdel(registryKey(prefix), id);
      continue;
    }
    workers.push({ ...parsed.data, health: workerHealth(parsed.data, now) });
  }
  return workers.sort((a, b) => a.id.localeCompare(b.id));
}

/**
 * Every entry as it stands once the slots' coalesced job notes have landed: read until two reads
 * a few note periods apart agree on each slot's jobs done and current job. For counting what was
 * trained (tests, benches) right after a run ends, when the last job's note may still be pending.
 */
export async function settledWorkers(client: Redis, prefix: string, maxWaitMs = 10_000): Promise<WorkerState[]> {
  const deadline = Date.now() + maxWaitMs;
  let previous = await readEntries(client, prefix);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 3 * JOB_NOTE_MS));
    const current = await readEntries(client, prefix);
    if (jobView(current) === jobView(previous) || Date.now() > deadline) return current;
    previous = current;
  }
}

async function readEntries(client: Redis, prefix: string): Promise<WorkerState[]> {
  const entries = Object.values(await client.hgetall(registryKey(prefix)));
  return entries.flatMap((json) => {
    const parsed = workerStateSchema.safeParse(safeJson(json));
    return parsed.success ? [parsed.data] : [];
  });
}

/** What a job note changes, ignoring the heartbeat stamps that move on their own. */
function jobView(entries: WorkerState[]): string {
  return JSON.stringify(entries.map((e) => [e.id, e.jobsDone, e.currentJob?.jobId ?? null]).sort());
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
