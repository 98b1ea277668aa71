import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../src/datasets/prng.js';
import { frechetDistance, gaussianFit, symmetricEigen, symmetricSqrt } from '../../../src/task/image2image/frechet.js';

/** Standard normal rows (Box–Muller from mulberry32), `count × dim`, with per-feature scales. */
function gaussianRows(count: number, dim: number, seed: number, scales: number[]): Float64Array {
  const next = mulberry32(seed);
  const u = () => (next() + 0.5) / 4294967296;
  return Float64Array.from(
    { length: count * dim },
    (_, i) => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()) * scales[i % dim]!,
  );
}

describe('Fréchet distance', () => {
  it('Jacobi eigendecomposition reproduces a symmetric matrix and its square root squares back', () => {
    const m = Float64Array.of(4, 1, 0.5, 1, 3, 0.2, 0.5, 0.2, 2);
    const { values, vectors } = symmetricEigen(m, 3);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let sum = 0;
        for (let k = 0; k < 3; k++) sum += vectors[i * 3 + k]! * values[k]! * vectors[j * 3 + k]!;
        expect(sum).toBeCloseTo(m[i * 3 + j]!, 10);
      }
    }
    expect([...values].reduce((a, b) => a + b, 0)).toBeCloseTo(9, 10);
    const root = symmetricSqrt(m, 3);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let sum = 0;
        for (let k = 0; k < 3; k++) sum += root[i * 3 + k]! * root[k * 3 + j]!;
        expect(sum).toBeCloseTo(m[i * 3 + j]!, 10);
      }
    }
  });

  it('is 0 for identical sets and |Δμ|² for a shifted copy', () => {
    const a = gaussianRows(200, 5, 1, [1, 2, 0.5, 1, 3]);
    expect(frechetDistance(a, a, 5)).toBeCloseTo(0, 6);
    const shift = [0.5, -1, 2, 0, 0.25];
    const b = a.map((v, i) => v + shift[i % 5]!);
    expect(frechetDistance(a, b, 5)).toBeCloseTo(0.25 + 1 + 4 + 0.0625, 6);
  });

  it('matches the closed form for diagonal covariances: Σ (σ₁ − σ₂)²', () => {
    // Exact covariances by construction: ±σ on each axis in turn (mean 0, covariance diagonal).
    const rows = (sigmas: number[]) => {
      const dim = sigmas.length;
      const out: number[] = [];
      for (let k = 0; k < dim; k++)
        for (const sign of [1, -1]) out.push(...sigmas.map((s, i) => (i === k ? (sign * s * Math.sqrt(2 * dim - 1)) / Math.sqrt(2) : 0)));
      return Float64Array.from(out);
    };
    const a = rows([1, 2, 3]);
    const b = rows([2, 2, 1]);
    expect(gaussianFit(a, 3).cov[0]).toBeCloseTo(1, 10);
    expect(frechetDistance(a, b, 3)).toBeCloseTo(1 + 0 + 4, 8);
  });

  it('names a set too small to fit', () => {
    expect(() => frechetDistance(Float64Array.of(1, 2), Float64Array.of(1, 2, 3, 4), 2)).toThrow(/at least 2 feature vectors/);
  });
});
