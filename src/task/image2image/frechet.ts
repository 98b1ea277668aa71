/**
 * Fréchet distance between Gaussian fits of two feature sets (Heusel et al., "GANs Trained by a
 * Two Time-Scale Update Rule Converge to a Local Nash Equilibrium", NeurIPS 2017 — FID, with the
 * frozen classifier's hidden layer in place of Inception's pool features):
 *
 *   FD = ‖μ₁ − μ₂‖² + tr(Σ₁) + tr(Σ₂) − 2 tr((Σ₁ Σ₂)^½)
 *
 * with unbiased covariances (divisor n − 1, numpy's `cov` as pytorch-fid uses). The matrix
 * square root's trace comes from symmetric eigendecompositions only: Σ₁Σ₂ is similar to the
 * symmetric PSD matrix M = Σ₁^½ Σ₂ Σ₁^½ (same eigenvalues), so tr((Σ₁Σ₂)^½) = Σ √λᵢ(M), where
 * Σ₁^½ = V diag(√λ) Vᵀ from Σ₁'s eigendecomposition. Eigenvalues are computed with cyclic Jacobi
 * rotations (exact for symmetric matrices, no complex arithmetic, unlike scipy's sqrtm on the
 * non-symmetric product); tiny negative eigenvalues from rounding are clipped to 0.
 */
import { BlockqnnError, ErrorCode } from '../../common/errors.js';

/** Mean and unbiased covariance (d × d, row-major) of `count` rows of `dim` features. */
export function gaussianFit(features: Float64Array, dim: number): { mean: Float64Array; cov: Float64Array; count: number } {
  const count = features.length / dim;
  if (!Number.isInteger(count) || count < 2) {
    throw new BlockqnnError(
      ErrorCode.INVALID_INPUT,
      `a Fréchet distance needs at least 2 feature vectors of ${dim} values, got ${features.length} values`,
    );
  }
  const mean = new Float64Array(dim);
  for (let n = 0; n < count; n++) for (let i = 0; i < dim; i++) mean[i]! += features[n * dim + i]!;
  for (let i = 0; i < dim; i++) mean[i]! /= count;
  const cov = new Float64Array(dim * dim);
  const centred = new Float64Array(dim);
  for (let n = 0; n < count; n++) {
    for (let i = 0; i < dim; i++) centred[i] = features[n * dim + i]! - mean[i]!;
    for (let i = 0; i < dim; i++) for (let j = i; j < dim; j++) cov[i * dim + j]! += centred[i]! * centred[j]!;
  }
  for (let i = 0; i < dim; i++) {
    for (let j = i; j < dim; j++) {
      cov[i * dim + j]! /= count - 1;
      cov[j * dim + i] = cov[i * dim + j]!;
    }
  }
  return { mean, cov, count };
}

/**
 * Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations: `values` and the
 * eigenvectors as the columns of `vectors` (row-major d × d). Stops when the off-diagonal mass
 * is below 1e-22 of the total or after 100 sweeps.
 */
export function symmetricEigen(matrix: Float64Array, dim: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) v[i * dim + i] = 1;
  let total = 0;
  for (const x of a) total += x * x;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < dim; p++) for (let q = p + 1; q < dim; q++) off += a[p * dim + q]! ** 2;
    if (off <= 1e-22 * total || off === 0) break;
    for (let p = 0; p < dim; p++) {
      for (let q = p + 1; q < dim; q++) {
        const apq = a[p * dim + q]!;
        if (apq === 0) continue;
        const theta = (a[q * dim + q]! - a[p * dim + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < dim; k++) {
          // A ← Jᵀ A J, columns then rows; V ← V J.
          const akp = a[k * dim + p]!;
          const akq = a[k * dim + q]!;
          a[k * dim + p] = c * akp - s * akq;
          a[k * dim + q] = s * akp + c * akq;
        }
        for (let k = 0; k < dim; k++) {
          const apk = a[p * dim + k]!;
          const aqk = a[q * dim + k]!;
          a[p * dim + k] = c * apk - s * aqk;
          a[q * dim + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < dim; k++) {
          const vkp = v[k * dim + p]!;
          const vkq = v[k * dim + q]!;
          v[k * dim + p] = c * vkp - s * vkq;
          v[k * dim + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: Float64Array.from({ length: dim }, (_, i) => a[i * dim + i]!), vectors: v };
}

function multiply(a: Float64Array, b: Float64Array, dim: number): Float64Array {
  const out = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) {
    for (let k = 0; k < dim; k++) {
      const aik = a[i * dim + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < dim; j++) out[i * dim + j]! += aik * b[k * dim + j]!;
    }
  }
  return out;
}

/** Σ^½ of a symmetric PSD matrix (negative rounding eigenvalues clipped to 0). */
export function symmetricSqrt(matrix: Float64Array, dim: number): Float64Array {
  const { values, vectors } = symmetricEigen(matrix, dim);
  const out = new Float64Array(dim * dim);
  for (let k = 0; k < dim; k++) {
    const root = Math.sqrt(Math.max(0, values[k]!));
    if (root === 0) continue;
    for (let i = 0; i < dim; i++) {
      const vik = vectors[i * dim + k]! * root;
      for (let j = 0; j < dim; j++) out[i * dim + j]! += vik * vectors[j * dim + k]!;
    }
  }
  return out;
}

/** Trace of a covariance: the total variance of a feature set (the synthesis score's FD scale). */
export function trace(matrix: Float64Array, dim: number): number {
  let sum = 0;
  for (let i = 0; i < dim; i++) sum += matrix[i * dim + i]!;
  return sum;
}

/** FD between two feature sets of `dim` features per row (see the file header). */
export function frechetDistance(a: Float64Array, b: Float64Array, dim: number): number {
  const fa = gaussianFit(a, dim);
  const fb = gaussianFit(b, dim);
  let meanTerm = 0;
  for (let i = 0; i < dim; i++) meanTerm += (fa.mean[i]! - fb.mean[i]!) ** 2;
  const root = symmetricSqrt(fa.cov, dim);
  const m = multiply(multiply(root, fb.cov, dim), root, dim);
  for (let i = 0; i < dim; i++) for (let j = i + 1; j < dim; j++) m[i * dim + j] = m[j * dim + i] = (m[i * dim + j]! + m[j * dim + i]!) / 2; // rounding asymmetry
  const { values } = symmetricEigen(m, dim);
  let crossTrace = 0;
  for (const lambda of values) crossTrace += Math.sqrt(Math.max(0, lambda));
  return Math.max(0, meanTerm + trace(fa.cov, dim) + trace(fb.cov, dim) - 2 * crossTrace);
}
