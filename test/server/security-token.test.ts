/**
 * The token compare is crypto.timingSafeEqual over two SHA-256 digests: the
 * real function, wrapped only to see its arguments, is what every guarded
 * request goes through — equal-length buffers whatever the length of the
 * token sent, so its running time does not depend on where the first wrong
 * character is.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const calls = vi.hoisted(() => [] as [Buffer, Buffer][]);
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  return {
    ...real,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      calls.push([Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)]);
      return real.timingSafeEqual(a, b);
    },
  };
});

const { startDashboard, TOKEN } = await import('./harness.js');
let dash: Awaited<ReturnType<typeof startDashboard>>;
beforeAll(async () => {
  dash = await startDashboard();
});
afterAll(async () => dash?.close());

describe('the token compare', () => {
  it('goes through timingSafeEqual on equal-length digests for every guarded request, right or wrong', async () => {
    const sent = ['x', TOKEN.slice(0, -1), `${TOKEN}x`, 'y'.repeat(5000), TOKEN];
    for (const token of sent) {
      calls.length = 0;
      const res = await fetch(`${dash.url}/api/runs/no-such-run/stop`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
      expect(res.status).toBe(token === TOKEN ? 404 : 401);
      expect(calls).toHaveLength(1);
      const [a, b] = calls[0]!;
      expect(a.length).toBe(32);
      expect(b.length).toBe(32);
    }
  });
});
