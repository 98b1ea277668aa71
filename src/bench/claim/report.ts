/**
 * The claim's report: one row per network (accuracy mean ± std over seeds,
 * multiply-adds, parameters, density, wall time), every training beside it,
 * the verdict, and the configuration the numbers were measured under. JSON as
 * it is; Markdown for people (the README's table is this output). Pure.
 */
import type { ClaimScale } from './scales.js';
import { MAC_TOLERANCE } from './scales.js';
import { type Summary, type Verdict, summarize, verdictOf } from './stats.js';

export interface NetworkPlan {
  /** `searched-1`.. or the baseline's registry name. */
  key: string;
  kind: 'searched' | 'baseline';
  label: string;
  nsc: string | null;
  candidateHash: string | null;
  /** The search's early-stop accuracy (validation), for searched blocks. */
  proxyAccuracy: number | null;
  /** The searched block's network's base filters (its MAC match). */
  baseFilters: number | null;
  /** The baseline's width multiplier (its MAC match). */
  width: number | null;
  rounded: boolean;
  macs: number;
  params: number;
  density: number;
  /** (macs - reference) / reference. */
  offset: number;
  within: boolean;
}

export interface TrainingRow {
  network: string;
  seed: number;
  trainingId: number;
  status: string;
  /** Test accuracy; null until finished ok. */
  accuracy: number | null;
  /** Training plus test seconds the worker measured. */
  seconds: number | null;
}

export interface NetworkSummary extends NetworkPlan {
  accuracy: Summary;
  /** Mean seconds per training (train + test). */
  seconds: number | null;
}

export interface ClaimReport {
  scale: ClaimScale;
  engine: string;
  db: string;
  dataset: string;
  searchRunId: string;
  searchFinished: boolean;
  /** The reference's multiply-adds every network is matched to. */
  targetMacs: number | null;
  networks: NetworkSummary[];
  trainings: TrainingRow[];
  /** Trainings planned: networks × seeds. */
  planned: number;
  complete: boolean;
  verdict: Verdict;
  /** Wall seconds of this invocation (not of earlier, resumed ones). */
  seconds: number;
  /** With --emit-jobs: the job files written (nothing was trained here). */
  emitted?: number;
}

export function buildReport(input: {
  scale: ClaimScale;
  engine: string;
  db: string;
  searchRunId: string;
  searchFinished: boolean;
  target: number | null;
  networks: NetworkPlan[];
  rows: TrainingRow[];
  seconds: number;
}): ClaimReport {
  const networks = input.networks.map((n): NetworkSummary => {
    const done = input.rows.filter((r) => r.network === n.key && r.status === 'ok' && r.accuracy !== null);
    const secs = done.map((r) => r.seconds).filter((s): s is number => s !== null);
    return {
      ...n,
      accuracy: summarize(done.map((r) => r.accuracy!)),
      seconds: secs.length ? secs.reduce((a, b) => a + b, 0) / secs.length : null,
    };
  });
  const planned = input.networks.length * input.scale.final.seeds.length;
  const trainings = [...input.rows].sort(
    (a, b) =>
      a.seed - b.seed || input.networks.findIndex((n) => n.key === a.network) - input.networks.findIndex((n) => n.key === b.network),
  );
  return {
    scale: input.scale,
    engine: input.engine,
    db: input.db,
    dataset: 'fashion-mnist',
    searchRunId: input.searchRunId,
    searchFinished: input.searchFinished,
    targetMacs: input.target,
    networks,
    trainings,
    planned,
    complete: input.searchFinished && trainings.length === planned && trainings.every((r) => r.status === 'ok'),
    verdict: verdictOf(networks.map((n) => ({ name: n.key, kind: n.kind, accuracy: n.accuracy }))),
    seconds: input.seconds,
  };
}

const pct = (x: number) => (x * 100).toFixed(2);

function accuracyCell(s: Summary): string {
  if (s.mean === null) return '–';
  return s.std === null ? `${pct(s.mean)} (n=${s.n})` : `${pct(s.mean)} ± ${pct(s.std)} (n=${s.n})`;
}

/** The configuration line: what the numbers were measured under. */
export function configurationOf(r: ClaimReport): string {
  const s = r.scale;
  return [
    `scale ${s.name}: Fashion-MNIST at ${s.imageSize}x${s.imageSize}, engine ${r.engine}`,
    `search: default strategy, ${s.search.budget} candidates, early-stop proxy on ${s.search.subset} images (${s.search.validationSize} held out), ${s.search.epochs} epoch(s), batch ${s.search.batchSize}, lr ${s.search.learningRate}, ${s.network.stages} stages x ${s.network.blocksPerStage} block(s), max index ${s.search.maxIndex}`,
    `final: ${s.final.subset ?? 60_000} training images, ${s.final.epochs} epoch(s), batch ${s.final.batchSize}, SGD Nesterov lr ${(0.1 * s.final.batchSize) / 128} cosine wd 5e-4 crop, test on all 10,000 test images, seeds ${s.final.seeds.join(', ')}`,
    `cost: multiply-adds matched to ResNet-20 at width ${s.referenceWidth}${r.targetMacs === null ? '' : ` (${(r.targetMacs / 1e6).toFixed(2)} M)`}, ±${MAC_TOLERANCE * 100} %`,
  ].join('\n');
}

export function formatClaimReport(r: ClaimReport): string {
  const lines: string[] = [configurationOf(r), ''];
  if (!r.searchFinished) {
    lines.push(`The search (run ${r.searchRunId}) has not finished: run the same command again to resume it.`);
    return lines.join('\n');
  }
  lines.push(
    '| network | kind | test accuracy % (mean ± std) | M multiply-adds | vs reference | params | density | seconds per training | match |',
  );
  lines.push('|---|---|---|---|---|---|---|---|---|');
  for (const n of r.networks) {
    const match = n.kind === 'searched' ? `base filters ${n.baseFilters}` : `width ${+n.width!.toFixed(4)}${n.rounded ? ' (rounded)' : ''}`;
    lines.push(
      `| ${n.kind === 'searched' ? `${n.key} \`${n.nsc}\`` : n.key} | ${n.kind} | ${accuracyCell(n.accuracy)} | ${(n.macs / 1e6).toFixed(2)} | ${n.offset >= 0 ? '+' : ''}${(n.offset * 100).toFixed(1)} %${n.within ? '' : ' (outside ±10 %)'} | ${n.params.toLocaleString('en')} | ${n.density.toFixed(2)} | ${n.seconds === null ? '–' : n.seconds.toFixed(0)} | ${match} |`,
    );
  }
  lines.push('');
  lines.push('| network | seed | training | status | test accuracy % | seconds |');
  lines.push('|---|---|---|---|---|---|');
  for (const t of r.trainings)
    lines.push(
      `| ${t.network} | ${t.seed} | ${t.trainingId} | ${t.status} | ${t.accuracy === null ? '–' : pct(t.accuracy)} | ${t.seconds === null ? '–' : t.seconds.toFixed(0)} |`,
    );
  lines.push('');
  if (r.emitted !== undefined)
    lines.push(`${r.emitted} training(s) written as job files (nothing trained here); the table holds the trainings finished before.`, '');
  lines.push(`Verdict: ${r.verdict.text}.`);
  if (!r.complete)
    lines.push(
      `Incomplete: ${r.trainings.filter((t) => t.status === 'ok').length} of ${r.planned} trainings finished ok; run the same command again to resume.`,
    );
  lines.push(`Wall time of this invocation: ${(r.seconds / 60).toFixed(1)} min; database ${r.db} (search run ${r.searchRunId}).`);
  return lines.join('\n');
}
