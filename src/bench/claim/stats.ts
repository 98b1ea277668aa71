/**
 * The numbers of the claim's table: per network the mean and sample standard
 * deviation of the test accuracy over its seeds, and the verdict, which
 * compares the best searched block's mean with the best baseline's by the
 * difference over its standard error, √(s₁²/n₁ + s₂²/n₂) (Welch). With one
 * seed there is no spread, so no standard error: the verdict then says so
 * rather than inventing one. Pure.
 */

export interface Summary {
  n: number;
  mean: number | null;
  /** Sample standard deviation (n - 1); null below 2 values. */
  std: number | null;
}

export function summarize(values: readonly number[]): Summary {
  const n = values.length;
  if (n === 0) return { n, mean: null, std: null };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { n, mean, std: null };
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1);
  return { n, mean, std: Math.sqrt(variance) };
}

export interface Verdict {
  searched: string | null;
  baseline: string | null;
  /** Mean accuracy of the best searched block minus the best baseline's. */
  difference: number | null;
  /** The difference in standard errors; null without a spread on both sides. */
  standardErrors: number | null;
  /** Whether the best searched block's mean is above the best baseline's. */
  searchedWins: boolean | null;
  text: string;
}

interface Entry {
  name: string;
  kind: 'searched' | 'baseline';
  accuracy: Summary;
}

const best = (entries: readonly Entry[]) =>
  entries
    .filter((e) => e.accuracy.mean !== null)
    .reduce<Entry | null>((a, e) => (a === null || e.accuracy.mean! > a.accuracy.mean! ? e : a), null);

export function verdictOf(entries: readonly Entry[]): Verdict {
  const s = best(entries.filter((e) => e.kind === 'searched'));
  const b = best(entries.filter((e) => e.kind === 'baseline'));
  if (!s || !b) {
    return {
      searched: s?.name ?? null,
      baseline: b?.name ?? null,
      difference: null,
      standardErrors: null,
      searchedWins: null,
      text: 'no verdict: a side has no finished training yet',
    };
  }
  const difference = s.accuracy.mean! - b.accuracy.mean!;
  const spread =
    s.accuracy.std !== null && b.accuracy.std !== null
      ? Math.sqrt(s.accuracy.std ** 2 / s.accuracy.n + b.accuracy.std ** 2 / b.accuracy.n)
      : null;
  const standardErrors =
    spread === null ? null : spread === 0 ? (difference === 0 ? 0 : Math.sign(difference) * Infinity) : difference / spread;
  const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
  const wins = difference > 0;
  const se =
    standardErrors === null ? 'no standard error (fewer than 2 seeds on a side)' : `${Math.abs(standardErrors).toFixed(2)} standard errors`;
  const text = `${wins ? 'the searched block wins' : 'the searched block loses'}: ${s.name} ${pct(s.accuracy.mean!)} vs ${b.name} ${pct(b.accuracy.mean!)}, ${difference >= 0 ? '+' : '−'}${pct(Math.abs(difference))} (${se})`;
  return { searched: s.name, baseline: b.name, difference, standardErrors, searchedWins: wins, text };
}
