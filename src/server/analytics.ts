/**
 * Pure computations behind the run charts, on compact per-result records, each
 * bounded in output size so a 100,000-candidate run costs the page no more than
 * a small one: a downsampled reward/accuracy history with the running best, a
 * grid sample of accuracy against FLOPs plus the exact Pareto front (one sort,
 * O(n log n)), and layer-type shares per window of candidates.
 */
import type { SeriesResponse } from './api-types.js';

export interface ResultPoint {
  hash: string;
  sequence: number;
  finishedAt: number;
  accuracy: number | null;
  reward: number | null;
  flops: number;
  ok: boolean;
}

const MAX_POINTS = 2000;
/** Five decimals are more than a chart or a reader needs, and halve the payload. */
const r5 = (v: number | null): number | null => (v === null ? null : Math.round(v * 1e5) / 1e5);
const GRID = 80;

/**
 * Non-dominated points when maximising accuracy and minimising FLOPs: sort by
 * FLOPs ascending (accuracy descending on ties) and keep each point that beats
 * the best accuracy seen so far.
 */
export function paretoFront<T extends { flops: number; accuracy: number }>(points: readonly T[]): T[] {
  const sorted = [...points].sort((a, b) => a.flops - b.flops || b.accuracy - a.accuracy);
  const front: T[] = [];
  let best = -Infinity;
  for (const p of sorted) {
    if (p.accuracy > best) {
      front.push(p);
      best = p.accuracy;
    }
  }
  return front;
}

/** Results in finish order with the running best; above MAX_POINTS each bucket keeps its highest-reward result. */
export function history(results: readonly ResultPoint[]): { points: SeriesResponse['points']; downsampled: boolean } {
  const ordered = [...results].sort((a, b) => a.finishedAt - b.finishedAt || a.sequence - b.sequence);
  const full: SeriesResponse['points'] = [];
  let bestAcc: number | null = null;
  let bestReward: number | null = null;
  ordered.forEach((r, i) => {
    if (r.accuracy !== null && (bestAcc === null || r.accuracy > bestAcc)) bestAcc = r.accuracy;
    if (r.reward !== null && (bestReward === null || r.reward > bestReward)) bestReward = r.reward;
    full.push([i + 1, r5(r.accuracy), r5(r.reward), r5(bestAcc), r5(bestReward)]);
  });
  if (full.length <= MAX_POINTS) return { points: full, downsampled: false };
  const size = Math.ceil(full.length / MAX_POINTS);
  const points: SeriesResponse['points'] = [];
  for (let start = 0; start < full.length; start += size) {
    let pick = full[start]!;
    for (let i = start + 1; i < Math.min(full.length, start + size); i++) {
      const p = full[i]!;
      if ((p[2] ?? -Infinity) > (pick[2] ?? -Infinity)) pick = p;
    }
    const last = full[Math.min(full.length, start + size) - 1]!;
    // The running best at the bucket's end stays exact.
    points.push([pick[0], pick[1], pick[2], last[3], last[4]]);
  }
  return { points, downsampled: true };
}

/** One ok result per cell of an 80×80 grid over log-FLOPs × accuracy, and the whole Pareto front. */
export function accuracyVsFlops(results: readonly ResultPoint[]): Pick<SeriesResponse, 'scatter' | 'pareto'> {
  const ok = results.filter((r): r is ResultPoint & { accuracy: number } => r.ok && r.accuracy !== null && r.flops > 0);
  if (ok.length === 0) return { scatter: [], pareto: [] };
  const front = paretoFront(ok);
  let [fMin, fMax, aMin, aMax] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const r of ok) {
    const f = Math.log(r.flops);
    fMin = Math.min(fMin, f);
    fMax = Math.max(fMax, f);
    aMin = Math.min(aMin, r.accuracy);
    aMax = Math.max(aMax, r.accuracy);
  }
  const cell = new Map<number, [number, number]>();
  for (const r of ok) {
    const x = fMax > fMin ? Math.min(GRID - 1, Math.floor(((Math.log(r.flops) - fMin) / (fMax - fMin)) * GRID)) : 0;
    const y = aMax > aMin ? Math.min(GRID - 1, Math.floor(((r.accuracy - aMin) / (aMax - aMin)) * GRID)) : 0;
    if (!cell.has(x * GRID + y)) cell.set(x * GRID + y, [r.flops, r5(r.accuracy)!]);
  }
  return { scatter: [...cell.values()], pareto: front.map((r) => [r.flops, r5(r.accuracy)!, r.hash]) };
}

/** Results per minute over the last `windowMs` (default 5 minutes) before `now`. */
export function throughput(results: readonly ResultPoint[], now = Date.now(), windowMs = 300_000): number {
  let n = 0;
  let first = now;
  for (const r of results) {
    if (r.finishedAt > now - windowMs) {
      n++;
      first = Math.min(first, r.finishedAt);
    }
  }
  if (n === 0) return 0;
  // At least 10 s, so the first results of a young run do not read as a huge rate.
  const span = Math.max(now - first, 10_000);
  return (n / span) * 60_000;
}

/** Shares of each type per window of sequence numbers (at most `windows` windows). */
export function layerShares(blocks: readonly { sequence: number; types: readonly string[] }[], windows = 24): SeriesResponse['layers'] {
  if (blocks.length === 0) return { types: [], windows: [] };
  const ordered = [...blocks].sort((a, b) => a.sequence - b.sequence);
  const names = [...new Set(ordered.flatMap((b) => b.types))].sort();
  const index = new Map(names.map((n, i) => [n, i]));
  const size = Math.max(1, Math.ceil(ordered.length / windows));
  const out: SeriesResponse['layers']['windows'] = [];
  for (let start = 0; start < ordered.length; start += size) {
    const slice = ordered.slice(start, start + size);
    const counts = new Array<number>(names.length).fill(0);
    let total = 0;
    for (const b of slice) {
      for (const t of b.types) {
        counts[index.get(t)!]!++;
        total++;
      }
    }
    out.push({ from: slice[0]!.sequence, to: slice[slice.length - 1]!.sequence, shares: counts.map((c) => (total ? c / total : 0)) });
  }
  return { types: names, windows: out };
}
