/**
 * An online performance predictor: Gaussian-process regression over a space's
 * feature vectors, the surrogate of Bayesian-optimisation NAS (Kandasamy et
 * al., "Neural Architecture Search with Bayesian Optimisation and Optimal
 * Transport", NeurIPS 2018; White et al., "BANANAS", AAAI 2021, for the
 * screen-many-proposals pattern). It is what lets the controller look before
 * it trains, as the BlockQNN journal version does with predicted performance.
 *
 * Kernel: a normalised polynomial of the feature dot product,
 *   k(x, x') = ((1 + x·x') / √((1 + x·x)(1 + x'·x')))^degree,
 * with degree 2 by default. On one-hot op features x·x' counts the edges two
 * cells share, so the kernel models every op and every pair of ops jointly and
 * extrapolates to cells far from those measured, which a distance-decay kernel
 * does not. Targets are standardised; `noise` is the observation variance in
 * those units. Points arrive one at a time and the Cholesky factor grows by one
 * row each (O(n²)), so a search of n results costs O(n³) in all, not per step.
 *
 * Pure arithmetic: deterministic for the same points in the same order.
 */
import { BlockqnnError, ErrorCode } from '../common/errors.js';

export interface GpOptions {
  /** Polynomial degree of the kernel (default 2). */
  degree?: number;
  /** Observation noise variance, in standardised target units (default 0.05). */
  noise?: number;
}

export class GaussianProcessPredictor {
  readonly degree: number;
  readonly noise: number;
  /** Training points, sparse: non-zero feature indices and values. */
  private readonly indices: Int32Array[] = [];
  private readonly values: Float64Array[] = [];
  /** 1 + x·x of each training point. */
  private readonly selfNorm: number[] = [];
  private readonly targets: number[] = [];
  /** Rows of the lower Cholesky factor of K + noise·I; row i has i + 1 entries. */
  private readonly chol: Float64Array[] = [];
  private fitted = true;
  private fit_: { alpha: Float64Array; mean: number; scale: number } = { alpha: new Float64Array(0), mean: 0, scale: 1 };

  constructor(
    readonly dimension: number,
    options: GpOptions = {},
  ) {
    this.degree = options.degree ?? 2;
    this.noise = options.noise ?? 0.05;
    if (!Number.isInteger(this.degree) || this.degree < 1 || this.degree > 8) {
      throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `predictor kernel degree must be an integer from 1 to 8, got ${this.degree}`);
    }
    if (!Number.isFinite(this.noise) || this.noise <= 0) {
      throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `predictor noise must be a positive number, got ${this.noise}`);
    }
  }

  get size(): number {
    return this.targets.length;
  }

  private checkFeatures(x: Float64Array): void {
    if (x.length !== this.dimension) {
      throw new BlockqnnError(ErrorCode.INTERNAL, `predictor expects ${this.dimension} features, got ${x.length}`);
    }
  }

  /** k(x, training point i), x dense, xNorm = 1 + x·x. */
  kernelTo(x: Float64Array, xNorm: number, i: number): number {
    const idx = this.indices[i]!;
    const val = this.values[i]!;
    let dot = 0;
    for (let j = 0; j < idx.length; j++) dot += x[idx[j]!]! * val[j]!;
    return ((1 + dot) / Math.sqrt(xNorm * this.selfNorm[i]!)) ** this.degree;
  }

  /** Adds a measured point: one new row of the Cholesky factor. */
  add(x: Float64Array, y: number): void {
    this.checkFeatures(x);
    if (!Number.isFinite(y)) throw new BlockqnnError(ErrorCode.INVALID_INPUT, `predictor: target ${y} is not finite and is not learned`);
    const nz: number[] = [];
    for (let j = 0; j < x.length; j++) if (x[j] !== 0) nz.push(j);
    const norm = 1 + nz.reduce((s, j) => s + x[j]! * x[j]!, 0);
    const n = this.size;
    const row = new Float64Array(n + 1);
    let sq = 0;
    for (let i = 0; i < n; i++) {
      let s = this.kernelTo(x, norm, i);
      const li = this.chol[i]!;
      for (let k = 0; k < i; k++) s -= li[k]! * row[k]!;
      row[i] = s / li[i]!;
      sq += row[i]! * row[i]!;
    }
    // The self-kernel is 1 by normalisation; the noise keeps the diagonal positive.
    row[n] = Math.sqrt(Math.max(1 + this.noise - sq, 1e-9));
    this.indices.push(Int32Array.from(nz));
    this.values.push(Float64Array.from(nz, (j) => x[j]!));
    this.selfNorm.push(norm);
    this.targets.push(y);
    this.chol.push(row);
    this.fitted = false;
  }

  /** Row i of the Cholesky factor (i + 1 entries). */
  cholRow(i: number): Float64Array {
    return this.chol[i]!;
  }

  /** Weights and target standardisation for the current points, refitted when points were added. */
  weights(): { readonly alpha: Float64Array; readonly mean: number; readonly scale: number } {
    if (!this.fitted) this.fit();
    return this.fit_;
  }

  /**
   * A candidate to predict repeatedly while points keep arriving: its kernel row
   * and its solve against the Cholesky factor grow by one entry per new point
   * instead of being recomputed, giving the same numbers as {@link predict}.
   */
  query(x: Float64Array): GpQuery {
    this.checkFeatures(x);
    return new GpQuery(this, x);
  }

  /** Recomputes the weights for the current points: O(n²). */
  private fit(): void {
    const n = this.size;
    const mean = this.targets.reduce((s, v) => s + v, 0) / Math.max(n, 1);
    const variance = this.targets.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(n, 1);
    const scale = variance > 0 ? Math.sqrt(variance) : 1;
    const z = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const li = this.chol[i]!;
      let s = (this.targets[i]! - mean) / scale;
      for (let k = 0; k < i; k++) s -= li[k]! * z[k]!;
      z[i] = s / li[i]!;
    }
    const a = new Float64Array(n);
    for (let i = n - 1; i >= 0; i--) {
      let s = z[i]!;
      for (let k = i + 1; k < n; k++) s -= this.chol[k]![i]! * a[k]!;
      a[i] = s / this.chol[i]![i]!;
    }
    this.fit_ = { alpha: a, mean, scale };
    this.fitted = true;
  }

  /** Kernel values of x against every training point (reusable for mean and spread). */
  kernelRow(x: Float64Array): Float64Array {
    this.checkFeatures(x);
    let norm = 1;
    for (let j = 0; j < x.length; j++) norm += x[j]! * x[j]!;
    const row = new Float64Array(this.size);
    for (let i = 0; i < row.length; i++) row[i] = this.kernelTo(x, norm, i);
    return row;
  }

  /** Posterior mean in target units, from a kernel row. */
  meanFromRow(row: Float64Array): number {
    const { alpha, mean, scale } = this.weights();
    let s = 0;
    for (let i = 0; i < row.length; i++) s += row[i]! * alpha[i]!;
    return mean + scale * s;
  }

  /** Predictive standard deviation of a new measurement, in target units, from a kernel row: O(n²). */
  spreadFromRow(row: Float64Array): number {
    const n = row.length;
    const v = new Float64Array(n);
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const li = this.chol[i]!;
      let s = row[i]!;
      for (let k = 0; k < i; k++) s -= li[k]! * v[k]!;
      v[i] = s / li[i]!;
      sq += v[i]! * v[i]!;
    }
    return this.weights().scale * Math.sqrt(Math.max(1 + this.noise - sq, 1e-12));
  }

  predict(x: Float64Array): { mean: number; std: number } {
    const row = this.kernelRow(x);
    return { mean: this.meanFromRow(row), std: this.spreadFromRow(row) };
  }
}

/** A cached prediction target of a {@link GaussianProcessPredictor} (see `query`). */
export class GpQuery {
  private readonly norm: number;
  private row: Float64Array;
  private rowLength = 0;
  private solved: Float64Array = EMPTY;
  private solvedLength = 0;
  private solvedSquares = 0;

  constructor(
    private readonly gp: GaussianProcessPredictor,
    readonly features: Float64Array,
  ) {
    let norm = 1;
    for (let j = 0; j < features.length; j++) norm += features[j]! * features[j]!;
    this.norm = norm;
    this.row = new Float64Array(gp.size + 32);
  }

  private extendRow(): number {
    const n = this.gp.size;
    if (n > this.row.length) this.row = grow(this.row, n);
    for (let i = this.rowLength; i < n; i++) this.row[i] = this.gp.kernelTo(this.features, this.norm, i);
    this.rowLength = n;
    return n;
  }

  /** Posterior mean in target units. */
  mean(): number {
    const n = this.extendRow();
    const { alpha, mean, scale } = this.gp.weights();
    let s = 0;
    for (let i = 0; i < n; i++) s += this.row[i]! * alpha[i]!;
    return mean + scale * s;
  }

  /** Predictive standard deviation of a new measurement, in target units. */
  spread(): number {
    const n = this.extendRow();
    if (n > this.solved.length) this.solved = grow(this.solved, n);
    const v = this.solved;
    for (let i = this.solvedLength; i < n; i++) {
      const li = this.gp.cholRow(i);
      let s = this.row[i]!;
      for (let k = 0; k < i; k++) s -= li[k]! * v[k]!;
      v[i] = s / li[i]!;
      this.solvedSquares += v[i]! * v[i]!;
    }
    this.solvedLength = n;
    return this.gp.weights().scale * Math.sqrt(Math.max(1 + this.gp.noise - this.solvedSquares, 1e-12));
  }
}

const EMPTY = new Float64Array(0);

function grow(values: Float64Array, atLeast: number): Float64Array {
  const next = new Float64Array(Math.max(atLeast, values.length * 2));
  next.set(values);
  return next;
}
