/**
 * The flags that choose how a long command reports (`--log-format`, `--quiet`, `--progress-interval`), and the
 * process's active display: `log` (context.ts) writes through it, so every line a command logs, the status line
 * and the JSON events share one stream and one mode.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import { type DisplayMode, type DisplayStream, ProgressDisplay } from './display.js';

export const LOG_FORMATS = ['auto', 'lines', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Seconds between two throttled progress lines off a TTY when neither the flag nor the environment says. */
export const DEFAULT_PROGRESS_INTERVAL_SECONDS = 10;
export const PROGRESS_INTERVAL_ENV = 'BLOCKQNN_PROGRESS_INTERVAL';

export interface ProgressFlags {
  logFormat?: LogFormat;
  quiet?: boolean;
  progressInterval?: number;
}

const seconds = z.coerce.number().finite().min(0);

/** Seconds ≥ 0 from a flag or the environment, or undefined when `value` is not such a number. */
function intervalSeconds(value: string): number | undefined {
  const parsed = seconds.safeParse(value.trim() === '' ? Number.NaN : value);
  return parsed.success ? parsed.data : undefined;
}

const INTERVAL_RULE = 'a number of seconds ≥ 0 (0 prints every change)';

export function withProgressOptions(command: Command): Command {
  return command
    .option(
      '--log-format <format>',
      'progress on stderr: auto (a status line with a bar on a TTY, else lines) | lines (one line per printed report) | ' +
        'json (one JSON object per event)',
      (v: string) => {
        if (!(LOG_FORMATS as readonly string[]).includes(v))
          throw new InvalidArgumentError(`--log-format must be one of ${LOG_FORMATS.join(', ')}, got "${v}"`);
        return v as LogFormat;
      },
    )
    .option('--quiet', 'print no progress and no log lines, only warnings and errors (the result on stdout stays)')
    .option(
      '--progress-interval <seconds>',
      `off a TTY, the least time between two progress lines besides the first, a new best and the end ` +
        `(default ${PROGRESS_INTERVAL_ENV}, else ${DEFAULT_PROGRESS_INTERVAL_SECONDS}; 0: every change)`,
      (v: string) => {
        const s = intervalSeconds(v);
        if (s === undefined) throw new InvalidArgumentError(`--progress-interval must be ${INTERVAL_RULE}, got "${v}"`);
        return s;
      },
    );
}

/** The display the flags, the environment and the stream ask for. */
export function displayFor(
  flags: ProgressFlags,
  stream: DisplayStream = process.stderr,
  env: NodeJS.ProcessEnv = process.env,
): ProgressDisplay {
  if (flags.quiet && flags.logFormat !== undefined && flags.logFormat !== 'auto') {
    throw new BlockqnnError(ErrorCode.INVALID_INPUT, `--quiet prints no progress, so --log-format ${flags.logFormat} would print nothing`, {
      hint: 'give one of them',
    });
  }
  const fromEnv = env[PROGRESS_INTERVAL_ENV];
  const envSeconds = fromEnv === undefined ? undefined : intervalSeconds(fromEnv);
  if (fromEnv !== undefined && envSeconds === undefined) {
    throw new BlockqnnError(ErrorCode.INVALID_INPUT, `${PROGRESS_INTERVAL_ENV} must be ${INTERVAL_RULE}, got "${fromEnv}"`, {
      hint: `set it to e.g. 10, or unset it for the default ${DEFAULT_PROGRESS_INTERVAL_SECONDS}`,
    });
  }
  const interval = flags.progressInterval ?? envSeconds ?? DEFAULT_PROGRESS_INTERVAL_SECONDS;
  const format = flags.logFormat ?? 'auto';
  const mode: DisplayMode = flags.quiet ? 'quiet' : format === 'auto' ? (stream.isTTY ? 'bar' : 'lines') : format;
  return new ProgressDisplay({ stream, mode, intervalMs: interval * 1000 });
}

let active: ProgressDisplay | undefined;

/** The display log lines go through: the running command's, else plain lines on stderr. */
export function activeDisplay(): ProgressDisplay {
  return (active ??= new ProgressDisplay({ stream: process.stderr, mode: 'lines', intervalMs: DEFAULT_PROGRESS_INTERVAL_SECONDS * 1000 }));
}

/** Runs `work` with the display the flags ask for as the active one; its last report and the bar are settled however it ends. */
export async function withDisplay<T>(flags: ProgressFlags, work: (display: ProgressDisplay) => Promise<T>): Promise<T> {
  const display = displayFor(flags);
  const before = active;
  active = display;
  try {
    return await work(display);
  } finally {
    display.finish();
    active = before;
  }
}
