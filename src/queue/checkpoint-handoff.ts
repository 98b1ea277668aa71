/**
 * Trained weights from a worker to the controller, through Redis: the worker
 * may run on another host and has no database nor shared disk, but it always
 * reaches Redis. The worker stores the checkpoint's bytes under a key next to
 * its job (with a TTL, so a controller that never comes back leaves nothing
 * behind for long) and names the key, size and sha-256 in the job's result; the
 * controller fetches and verifies them, writes the file, commits the training,
 * and only then deletes the key. A checkpoint over the job's size limit is never
 * stored: the job reports `failed` with the size and the limit.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import type { CheckpointRef } from './contract.js';

export const CHECKPOINT_KEY = (prefix: string, jobId: string): string => `${prefix}:checkpoint:${jobId}`;

const megabytes = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(bytes < 1024 * 1024 ? 3 : 1)} MB`;

/** The error a too-large checkpoint becomes: the job fails with it, nothing is written to Redis. */
export function checkpointTooLarge(bytes: number, maxBytes: number): BlockqnnError {
  return new BlockqnnError(
    ErrorCode.TOO_LARGE,
    `the trained checkpoint is ${megabytes(bytes)} (${bytes} bytes), over the job's limit of ${megabytes(maxBytes)} (${maxBytes} bytes)`,
    {
      hint: 'train with fewer filters (--filters), or raise the limit with --checkpoint-max-mb (Redis holds at most 512 MB per value)',
      details: { bytes, maxBytes },
    },
  );
}

/** Worker side: stores the bytes with a TTL and returns the reference the result carries. */
export async function putCheckpoint(
  client: Redis,
  prefix: string,
  jobId: string,
  bytes: Uint8Array,
  ttlSeconds: number,
): Promise<CheckpointRef> {
  const key = CHECKPOINT_KEY(prefix, jobId);
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  await client.set(key, buffer, 'EX', ttlSeconds);
  return { key, bytes: buffer.length, sha256: createHash('sha256').update(buffer).digest('hex') };
}

/** Controller side: the bytes, checked against the reference's size and digest. */
export async function getCheckpoint(client: Redis, ref: CheckpointRef): Promise<Buffer> {
  const data = await client.getBuffer(ref.key);
  if (data === null) {
    throw new BlockqnnError(
      ErrorCode.NOT_FOUND,
      `the trained checkpoint is no longer in Redis (key ${ref.key}): its time to live ran out or Redis restarted empty`,
      {
        hint: 'train again; collect results sooner (blockqnn trainings, or keep --watch on), or give the job a longer checkpoint TTL',
      },
    );
  }
  const digest = createHash('sha256').update(data).digest('hex');
  if (data.length !== ref.bytes || digest !== ref.sha256) {
    throw new BlockqnnError(
      ErrorCode.IO_ERROR,
      `the checkpoint in Redis (key ${ref.key}) is ${data.length} bytes with sha-256 ${digest.slice(0, 12)}…, the worker reported ${ref.bytes} bytes and ${ref.sha256.slice(0, 12)}…`,
    );
  }
  return data;
}

export async function dropCheckpoint(client: Redis, ref: CheckpointRef): Promise<void> {
  await client.del(ref.key);
}
