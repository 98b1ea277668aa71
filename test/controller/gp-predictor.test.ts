import { describe, expect, it } from 'vitest';
import { GaussianProcessPredictor, Nb201Space, Sfc32, randomEpisode } from '../../src/controller/index.js';
import { nb201Fitness } from './helpers.js';

/** The textbook GP posterior with a dense solve, independent of the incremental Cholesky under test. */
function naivePosterior(xs: Float64Array[], ys: number[], x: Float64Array, degree: number, noise: number): { mean: number; std: number } {
  const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * b[i]!, 0);
  const k = (a: Float64Array, b: Float64Array) => ((1 + dot(a, b)) / Math.sqrt((1 + dot(a, a)) * (1 + dot(b, b)))) ** degree;
  const n = xs.length;
  const mean = ys.reduce((s, v) => s + v, 0) / n;
  const scale = Math.sqrt(ys.reduce((s, v) => s + (v - mean) ** 2, 0) / n) || 1;
  // Gauss-Jordan on [K + noise·I | y_std | k*]
  const a = xs.map((xi, i) => [...xs.map((xj, j) => k(xi, xj) + (i === j ? noise : 0)), (ys[i]! - mean) / scale, k(xi, x)]);
  for (let c = 0; c < n; c++) {
    const pivot = a[c]![c]!;
    for (let j = 0; j < n + 2; j++) a[c]![j]! /= pivot;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r]![c]!;
      for (let j = 0; j < n + 2; j++) a[r]![j]! -= f * a[c]![j]!;
    }
  }
  const kStar = xs.map((xi) => k(xi, x));
  const alpha = a.map((row) => row[n]!);
  const solved = a.map((row) => row[n + 1]!);
  return {
    mean: mean + scale * kStar.reduce((s, v, i) => s + v * alpha[i]!, 0),
    std: scale * Math.sqrt(1 + noise - kStar.reduce((s, v, i) => s + v * solved[i]!, 0)),
  };
}

const space = new Nb201Space();
const sample = (rng: Sfc32) => space.candidateOf(randomEpisode(space, rng).state);

describe('Gaussian-process predictor', () => {
  it('matches the textbook posterior mean and spread', () => {
    const rng = Sfc32.fromSeed(1);
    const gp = new GaussianProcessPredictor(space.featureCount, { degree: 2, noise: 0.05 });
    const xs: Float64Array[] = [];
    const ys: number[] = [];
    for (let i = 0; i < 25; i++) {
      const c = sample(rng);
      xs.push(space.features(c));
      ys.push(nb201Fitness(space.keyOf(c)));
      gp.add(xs[i]!, ys[i]!);
    }
    for (let i = 0; i < 10; i++) {
      const x = space.features(sample(rng));
      const ours = gp.predict(x);
      const reference = naivePosterior(xs, ys, x, 2, 0.05);
      expect(ours.mean).toBeCloseTo(reference.mean, 8);
      expect(ours.std).toBeCloseTo(reference.std, 8);
    }
  });

  it('nearly interpolates its points with little noise, and is unsure far from them', () => {
    const gp = new GaussianProcessPredictor(space.featureCount, { noise: 1e-6 });
    const rng = Sfc32.fromSeed(2);
    const points = Array.from({ length: 8 }, () => sample(rng));
    points.forEach((c) => gp.add(space.features(c), nb201Fitness(space.keyOf(c))));
    for (const c of points) expect(gp.predict(space.features(c)).mean).toBeCloseTo(nb201Fitness(space.keyOf(c)), 3);
    expect(gp.predict(space.features(points[0]!)).std).toBeLessThan(gp.predict(space.features([4, 4, 4, 4, 4, 4])).std);
  });

  it('gives cached queries the same numbers as fresh predictions while points keep arriving', () => {
    const gp = new GaussianProcessPredictor(space.featureCount);
    const rng = Sfc32.fromSeed(3);
    const targets = Array.from({ length: 5 }, () => space.features(sample(rng)));
    const queries = targets.map((x) => gp.query(x));
    for (let i = 0; i < 40; i++) {
      const c = sample(rng);
      gp.add(space.features(c), nb201Fitness(space.keyOf(c)));
      if (i % 7 === 0) {
        targets.forEach((x, j) => {
          const fresh = gp.predict(x);
          expect(queries[j]!.mean()).toBe(fresh.mean);
          expect(queries[j]!.spread()).toBe(fresh.std);
        });
      }
    }
  });

  it('rejects bad settings and non-finite targets', () => {
    expect(() => new GaussianProcessPredictor(3, { degree: 0 })).toThrow(/degree/);
    expect(() => new GaussianProcessPredictor(3, { noise: 0 })).toThrow(/noise/);
    const gp = new GaussianProcessPredictor(3);
    expect(() => gp.add(new Float64Array(3), Number.NaN)).toThrow(/not finite/);
    expect(() => gp.add(new Float64Array(2), 1)).toThrow(/expects 3 features/);
  });
});
