/** The chart computations: Pareto front against a brute-force check, bounded history, layer shares. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ResultPoint, accuracyVsFlops, history, layerShares, paretoFront, throughput } from '../../src/server/analytics.js';

const point = (i: number, accuracy: number | null, flops = 1000 + i): ResultPoint => ({
  hash: `h${i}`,
  sequence: i + 1,
  finishedAt: 1000 + i,
  accuracy,
  reward: accuracy,
  flops,
  ok: accuracy !== null,
});

describe('paretoFront', () => {
  it('keeps exactly the points no other point dominates', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ flops: fc.integer({ min: 1, max: 50 }), accuracy: fc.integer({ min: 0, max: 20 }) }), { maxLength: 60 }),
        (pts) => {
          const front = new Set(paretoFront(pts));
          for (const p of pts) {
            const dominated = pts.some(
              (q) => q !== p && q.flops <= p.flops && q.accuracy >= p.accuracy && (q.flops < p.flops || q.accuracy > p.accuracy),
            );
            if (dominated) expect(front.has(p)).toBe(false);
          }
          // One representative per non-dominated (flops, accuracy) value.
          const undominated = new Set(
            pts
              .filter(
                (p) => !pts.some((q) => q.flops <= p.flops && q.accuracy >= p.accuracy && (q.flops < p.flops || q.accuracy > p.accuracy)),
              )
              .map((p) => `${p.flops}:${p.accuracy}`),
          );
          expect(new Set([...front].map((p) => `${p.flops}:${p.accuracy}`))).toEqual(undominated);
        },
      ),
    );
  });
});

describe('history', () => {
  it('returns every result with the running best when small', () => {
    const { points, downsampled } = history([point(0, 0.5), point(1, 0.4), point(2, 0.7), point(3, null)]);
    expect(downsampled).toBe(false);
    expect(points.map((p) => p[3])).toEqual([0.5, 0.5, 0.7, 0.7]);
  });

  it('bounds 100,000 results to at most 2,000 points and keeps the final best exact', () => {
    const results = Array.from({ length: 100_000 }, (_, i) => point(i, ((i * 7919) % 10_007) / 10_007));
    const { points, downsampled } = history(results);
    expect(downsampled).toBe(true);
    expect(points.length).toBeLessThanOrEqual(2000);
    expect(points.at(-1)![3]).toBeCloseTo(Math.max(...results.map((r) => r.accuracy!)), 5);
    const { scatter, pareto } = accuracyVsFlops(results);
    expect(scatter.length).toBeLessThanOrEqual(80 * 80);
    expect(pareto.length).toBeGreaterThan(0);
  });
});

describe('layerShares and throughput', () => {
  it('gives shares per window that sum to one', () => {
    const blocks = Array.from({ length: 100 }, (_, i) => ({ sequence: i + 1, types: i < 50 ? ['conv', 'conv', 'add'] : ['max_pool'] }));
    const { types, windows } = layerShares(blocks, 4);
    expect(types).toEqual(['add', 'conv', 'max_pool']);
    expect(windows).toHaveLength(4);
    for (const w of windows) expect(w.shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1);
    expect(windows[0]!.shares).toEqual([1 / 3, 2 / 3, 0]);
    expect(windows[3]!.shares).toEqual([0, 0, 1]);
  });

  it('counts results per minute over the recent window', () => {
    const now = 10_000_000;
    const results = Array.from({ length: 120 }, (_, i) => ({ ...point(i, 0.5), finishedAt: now - 120_000 + i * 1000 }));
    expect(throughput(results, now)).toBeCloseTo(60, 0);
    expect(throughput([], now)).toBe(0);
  });
});
