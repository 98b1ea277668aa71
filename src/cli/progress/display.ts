/**
 * What a long command (`search`, `resume`, `baseline`, `train`) shows on stderr while it works, in one of four modes:
 *
 * - `bar`: a TTY; one status line redrawn in place (cli-progress) with a bar and ETA when the total is known,
 *   the rate and the best so far; log lines scroll above it.
 * - `lines`: off a TTY (or `--log-format lines`); one line per printed report, throttled: the first report, each
 *   milestone (the first result, a new best) at once, any other change at most once per interval, and the end.
 *   A 10,000-candidate run writes a few hundred lines, not 10,000.
 * - `json`: as `lines`, one JSON object per line: progress reports (`event: "progress"`, see ProgressReport.fields)
 *   and log lines (`event: "log"`), so a script reads stderr without parsing prose.
 * - `quiet`: no progress and no log lines but warnings; errors still reach stderr (main.ts).
 *
 * The command's answer (the summary on stdout) is not this module's business: it prints in every mode.
 */
import cliProgress from 'cli-progress';
import type { Writable } from 'node:stream';

export type DisplayMode = 'bar' | 'lines' | 'json' | 'quiet';

/** Why an off-TTY report was printed (the `reason` field of a JSON progress event). */
export type PrintReason = 'start' | 'first-result' | 'best' | 'interval' | 'end';

/** One report of a long task, in the form each mode shows. Built by reports.ts from the task's own progress. */
export interface ProgressReport {
  /** The figures whose change is worth a line; a report whose state equals the last printed one is not printed again. */
  state: string;
  /** Printed at once whatever the interval. */
  milestone: 'first-result' | 'best' | null;
  /** The `lines` form. */
  line: string;
  /** The `json` form (display adds `event`, `reason` and `time`). */
  fields: Record<string, unknown>;
  /** The `bar` form: a bar and ETA only with a known total. */
  bar: { label: string; value: number; total: number | null; etaSeconds: number | null; status: string };
}

/** A stream the display writes to; `isTTY` picks `bar` in `auto` mode. */
export type DisplayStream = Writable & { isTTY?: boolean; columns?: number };

export interface DisplayOptions {
  stream: DisplayStream;
  mode: DisplayMode;
  /** Least time between two printed reports off a TTY that are neither the first, a milestone nor the end; 0 prints every change. */
  intervalMs: number;
  /** Milliseconds now (tests give their own clock). */
  now?: () => number;
}

/** Lines that `--quiet` still lets through: the log's warnings (errors are thrown, and printed by main.ts). */
const WARNING = /^warning\b/i;

export class ProgressDisplay {
  readonly mode: DisplayMode;
  private readonly now: () => number;
  private last: ProgressReport | undefined;
  private lastPrinted: { state: string; line: string; at: number } | undefined;
  private bars: cliProgress.MultiBar | undefined;
  private bar: cliProgress.SingleBar | undefined;
  private finished = false;

  constructor(private readonly options: DisplayOptions) {
    this.mode = options.mode;
    this.now = options.now ?? Date.now;
  }

  /** A report of the task; off a TTY printed or not as the class comment says. */
  update(report: ProgressReport): void {
    if (this.finished) return;
    this.last = report;
    if (this.mode === 'quiet') return;
    if (this.mode === 'bar') return this.draw(report);
    const now = this.now();
    const reason: PrintReason | null =
      this.lastPrinted === undefined
        ? 'start'
        : (report.milestone ??
          (report.state !== this.lastPrinted.state && now - this.lastPrinted.at >= this.options.intervalMs ? 'interval' : null));
    if (reason) this.print(report, reason, now);
  }

  /** A log line: above the bar on a TTY, a JSON `log` event in `json`, dropped in `quiet` unless it is a warning. */
  log(line: string): void {
    if (this.mode === 'quiet' && !WARNING.test(line)) return;
    if (this.mode === 'json')
      return this.write(`${JSON.stringify({ event: 'log', time: new Date(this.now()).toISOString(), message: line })}\n`);
    if (this.bars) return this.bars.log(`${line}\n`);
    this.write(`${line}\n`);
  }

  /** The task ended: the last report is printed if it was not (always in `json`, as `reason: "end"`), and the bar stops. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.bars) {
      // A redraw first: it writes the log lines still buffered above the bar, which stop() alone would drop.
      this.bars.update();
      this.bars.stop();
      this.bars = undefined;
      return;
    }
    const last = this.last;
    if (!last || this.mode === 'quiet' || this.mode === 'bar') return;
    if (this.mode === 'json' || last.line !== this.lastPrinted?.line) this.print(last, 'end', this.now());
  }

  private print(report: ProgressReport, reason: PrintReason, now: number): void {
    this.lastPrinted = { state: report.state, line: report.line, at: now };
    if (this.mode === 'json')
      this.write(`${JSON.stringify({ event: 'progress', reason, time: new Date(now).toISOString(), ...report.fields })}\n`);
    else this.write(`${report.line}\n`);
  }

  private draw(report: ProgressReport): void {
    const { bar } = report;
    const payload = { report: bar };
    if (!this.bars) {
      this.bars = new cliProgress.MultiBar({
        stream: this.options.stream as NodeJS.WritableStream,
        format: formatBar,
        barsize: 24,
        // Neither hides the cursor nor turns the terminal's line wrapping off (cli-progress's linewrap: false does):
        // a second Ctrl-C exits at once, and would leave the terminal so. The status line is cut to the width instead.
        hideCursor: false,
        linewrap: true,
        // The run handles SIGINT itself (it stops after the commit in progress); the bar stops in finish().
        gracefulExit: false,
        // Worker slots write to the same terminal: redraw every tick, so their lines never leave the status line half gone.
        forceRedraw: true,
        fps: 5,
      });
      this.bar = this.bars.create(bar.total ?? 0, bar.value, payload);
      return;
    }
    this.bar!.setTotal(bar.total ?? 0);
    this.bar!.update(bar.value, payload);
  }

  private write(text: string): void {
    this.options.stream.write(text);
  }
}

/** The status line: `label [bar] 42% · 420/1000 · ETA 3m20s · status`, or `label · status` with no known total. */
function formatBar(options: cliProgress.Options, params: cliProgress.Params, payload: { report?: ProgressReport['bar'] }): string {
  const r = payload.report;
  if (!r) return '';
  if (r.total === null || r.total <= 0) return `${r.label} · ${r.status}`;
  const percent = Math.min(100, Math.floor((r.value / r.total) * 100));
  const eta = r.etaSeconds === null ? '–' : formatDuration(r.etaSeconds);
  const bar = cliProgress.Format.BarFormat(params.progress, options);
  return `${r.label} ${bar} ${percent}% · ${r.value}/${r.total} · ETA ${eta} · ${r.status}`;
}

/** 75 → `1m15s`, 7300 → `2h01m`: short enough for a status line. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
