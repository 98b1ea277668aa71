/**
 * The comparison a run's baselines exist for: the best searched candidate
 * beside every baseline, under the run's one recipe and reward shaping
 * (accuracy, multiply-adds, parameters, density, shaped reward, and the
 * engine's extra metrics). Used by `blockqnn runs compare`, `blockqnn
 * baseline` and the dashboard API alike.
 */
import type { Candidate, Run, Store } from '../store/index.js';

export interface ComparisonRow {
  /** 'searched' for the run's best candidate; 'baseline' for a hand-designed one. */
  kind: 'searched' | 'baseline';
  /** The baseline's name, or 'best searched'. */
  name: string;
  hash: string;
  nsc: string;
  status: Candidate['status'];
  accuracy: number | null;
  flops: number;
  params: number;
  density: number;
  reward: number | null;
  metrics: Record<string, number> | null;
  trainSeconds: number | null;
  /** Reward minus the best searched candidate's (null without either). */
  rewardGap: number | null;
}

export interface RunComparison {
  run: { id: string; name: string; status: Run['status']; engine: string; dataset: string | null; resultCount: number };
  /** The searched candidate with the highest reward; null before the first result. */
  best: ComparisonRow | null;
  baselines: ComparisonRow[];
}

function row(c: Candidate, kind: ComparisonRow['kind'], bestReward: number | null): ComparisonRow {
  return {
    kind,
    name: kind === 'baseline' ? (c.baseline ?? c.nsc) : 'best searched',
    hash: c.hash,
    nsc: c.nsc,
    status: c.status,
    accuracy: c.accuracy,
    flops: c.flops,
    params: c.params,
    density: c.density,
    reward: c.reward,
    metrics: c.metrics,
    trainSeconds: c.trainSeconds,
    rewardGap: c.reward !== null && bestReward !== null ? c.reward - bestReward : null,
  };
}

/** The dataset a run trains on, from its stored configuration. */
export function datasetOf(run: Run): string | null {
  const task = (run.config as { task?: { kind?: string; dataset?: { name?: string } } }).task;
  return task?.kind === 'classification' ? (task.dataset?.name ?? null) : null;
}

export async function compareRun(store: Store, runId: string): Promise<RunComparison> {
  const run = await store.getRun(runId);
  const [[best], baselines] = await Promise.all([store.bestCandidates(runId, { limit: 1 }), store.listBaselines(runId)]);
  const bestReward = best?.reward ?? null;
  return {
    run: { id: run.id, name: run.name, status: run.status, engine: run.engine, dataset: datasetOf(run), resultCount: run.resultCount },
    best: best ? row(best, 'searched', bestReward) : null,
    baselines: baselines.map((b) => row(b, 'baseline', bestReward)),
  };
}

/** Columns the table has already; an engine reporting them again (the torch engine's params check) adds nothing. */
const SHOWN = new Set(['accuracy', 'flops', 'macs', 'params', 'density', 'reward']);

/** The engine metrics worth a column of their own, sorted by name. */
export function extraMetricNames(rows: readonly Pick<ComparisonRow, 'metrics'>[]): string[] {
  return [...new Set(rows.flatMap((r) => Object.keys(r.metrics ?? {})))].filter((m) => !SHOWN.has(m)).sort();
}

const metricText = (v: number | null): string => (v === null ? '–' : Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(4));
const pct = (v: number | null): string => (v === null ? '–' : `${(v * 100).toFixed(2)}%`);
const num = (v: number | null, digits: number): string => (v === null ? '–' : v.toFixed(digits));

/** The comparison as a fixed-width text table. */
export function formatComparison(c: RunComparison, options: { baselinesOnly?: boolean } = {}): string {
  const rows = [...(c.best ? [c.best] : []), ...c.baselines];
  const metricNames = extraMetricNames(rows);
  const header = ['', 'status', 'accuracy', 'MFLOPs', 'params', 'density', 'reward', 'vs best', ...metricNames];
  const body = rows.map((r) => [
    r.kind === 'baseline' ? `${r.name} (baseline)` : r.name,
    r.status,
    pct(r.accuracy),
    (r.flops / 1e6).toFixed(2),
    Math.round(r.params).toLocaleString('en-US'),
    r.density.toFixed(3),
    num(r.reward, 4),
    r.kind === 'searched' ? '' : r.rewardGap === null ? '–' : `${r.rewardGap >= 0 ? '+' : ''}${r.rewardGap.toFixed(4)}`,
    ...metricNames.map((m) => metricText(r.metrics?.[m] ?? null)),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  const title = `run ${c.run.id} "${c.run.name}": ${c.run.status} · ${c.run.engine}${c.run.dataset ? ` on ${c.run.dataset}` : ''} · ${c.run.resultCount} searched result(s), ${c.baselines.length} baseline(s)`;
  const lines = [title, line(header), ...body.map(line)];
  if (!c.best && !options.baselinesOnly) lines.push('(no searched result yet)');
  if (c.baselines.length === 0)
    lines.push('(no baselines in this run: start one with --baselines all, or evaluate one with `blockqnn baseline NAME`)');
  return lines.join('\n');
}
