/**
 * Counting what a fault did to a run, the way the reliability bench and the
 * fault tests report it (pure, no I/O). With the table engine every candidate
 * has a real result, so:
 * - lost: candidates of the budget without an `ok` result at the end (never
 *   recorded, or recorded as a failure the fault caused), plus sequence gaps;
 * - duplicated: results recorded more than once (rows sharing a hash, results
 *   counted into the run's counter twice);
 * - retrained: trainings beyond one per recorded result (a job done twice, e.g.
 *   because the fault destroyed a finished job's delivery), not counting
 *   trainings a scenario repeats on purpose. Recorded once all the same.
 */
import { RECORDED_STATUSES } from '../../common/statuses.js';

export interface RecordedRow {
  sequence: number;
  hash: string;
  status: string;
}

export interface RunRecord {
  /** Candidates the run was asked for. */
  budget: number;
  rows: readonly RecordedRow[];
  /** The run's own result counter (incremented once per committed result). */
  resultCount: number;
  /** Jobs the workers completed for the run, when the scenario can know (worker registry). */
  trainings?: number;
  /** Trainings the scenario caused on purpose (a re-delivered job), not a fault of the system. */
  intendedExtraTrainings?: number;
}

export interface Counted {
  lost: number;
  duplicated: number;
  /** Null when the scenario cannot count trainings. */
  retrained: number | null;
}

export const RESULT_STATUSES = RECORDED_STATUSES;

export function countOutcome(record: RunRecord): Counted {
  const okHashes = new Set(record.rows.filter((r) => r.status === 'ok').map((r) => r.hash));
  const sequences = new Set(record.rows.filter((r) => r.sequence > 0).map((r) => r.sequence));
  let gaps = 0;
  for (let s = 1; s <= Math.min(record.budget, Math.max(0, ...sequences)); s++) if (!sequences.has(s)) gaps++;
  const lost = Math.max(0, record.budget - okHashes.size) + gaps;
  const distinct = new Set(record.rows.map((r) => r.hash)).size;
  const withResult = record.rows.filter((r) => (RESULT_STATUSES as readonly string[]).includes(r.status)).length;
  const retrained =
    record.trainings === undefined ? null : Math.max(0, record.trainings - (record.intendedExtraTrainings ?? 0) - withResult);
  const duplicated = record.rows.length - distinct + Math.max(0, record.resultCount - withResult);
  return { lost, duplicated, retrained };
}

/** One scenario run as the bench reports it. */
export interface ScenarioOutcome extends Counted {
  scenario: string;
  /** Seconds from the end of the fault to the run's next committed result (null when the scenario has no such moment). */
  recoverySeconds: number | null;
  /** The run's status at the end ('finished', or 'paused'/'stopped' for scenarios that stop it). */
  status: string;
  /** Whether the finished run proposed exactly what an uninterrupted run of the same seed proposed (null: not compared). */
  sameAsUninterrupted: boolean | null;
  /** What happened, in a few words a reader can check against the test. */
  note: string;
}

export interface ScenarioSummary {
  scenario: string;
  runs: number;
  lost: number;
  duplicated: number;
  retrained: number | null;
  recoveryMedianSeconds: number | null;
  recoveryMaxSeconds: number | null;
  /** Every compared run matched the uninterrupted run (null: none compared). */
  exact: boolean | null;
  statuses: string[];
}

/** Per-scenario totals, in the order scenarios first appear. */
export function summarise(outcomes: readonly ScenarioOutcome[]): ScenarioSummary[] {
  const by = new Map<string, ScenarioOutcome[]>();
  for (const o of outcomes) by.set(o.scenario, [...(by.get(o.scenario) ?? []), o]);
  return [...by].map(([scenario, list]) => {
    const times = list
      .map((o) => o.recoverySeconds)
      .filter((t): t is number => t !== null)
      .sort((a, b) => a - b);
    const compared = list.filter((o) => o.sameAsUninterrupted !== null);
    return {
      scenario,
      runs: list.length,
      lost: list.reduce((n, o) => n + o.lost, 0),
      duplicated: list.reduce((n, o) => n + o.duplicated, 0),
      retrained: list.some((o) => o.retrained !== null) ? list.reduce((n, o) => n + (o.retrained ?? 0), 0) : null,
      recoveryMedianSeconds: times.length ? times[Math.floor((times.length - 1) / 2)]! : null,
      recoveryMaxSeconds: times.length ? times.at(-1)! : null,
      exact: compared.length ? compared.every((o) => o.sameAsUninterrupted) : null,
      statuses: [...new Set(list.map((o) => o.status))],
    };
  });
}

const seconds = (s: number | null): string => (s === null ? '-' : `${s.toFixed(1)} s`);

/** The table `blockqnn bench reliability` prints. */
export function formatSummary(rows: readonly ScenarioSummary[]): string {
  const header = [
    'scenario',
    'runs',
    'results lost',
    'results duplicated',
    'retrained',
    'time to recover (median / max)',
    'resume exact',
    'final status',
  ];
  const body = rows.map((r) => [
    r.scenario,
    String(r.runs),
    String(r.lost),
    String(r.duplicated),
    r.retrained === null ? '-' : String(r.retrained),
    `${seconds(r.recoveryMedianSeconds)} / ${seconds(r.recoveryMaxSeconds)}`,
    r.exact === null ? '-' : r.exact ? 'yes' : 'NO',
    r.statuses.join(', '),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
