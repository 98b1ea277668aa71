/**
 * The `blockqnn` command line. Each command lives in commands/<name>.ts and
 * exports a `register(program)` function; this file wires them and turns every
 * error into one message a user can act on.
 */
import { Command, CommanderError } from 'commander';
import { toBlockqnnError } from '../common/errors.js';
import { registerBaseline } from './commands/baseline.js';
import { registerBench } from './commands/bench.js';
import { registerDashboard } from './commands/dashboard.js';
import { registerData } from './commands/data.js';
import { registerExport } from './commands/export.js';
import { registerInspect } from './commands/inspect.js';
import { registerRuns } from './commands/runs.js';
import { registerSearch } from './commands/search.js';
import { registerTrain } from './commands/train.js';
import { registerWorker } from './commands/worker.js';

export function buildProgram(): Command {
  const program = new Command('blockqnn')
    .description('BlockQNN neural architecture search: Q-learning over Network Structure Codes')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerInspect(program);
  registerSearch(program);
  registerWorker(program);
  registerRuns(program);
  registerBench(program);
  registerDashboard(program);
  registerData(program);
  registerExport(program);
  registerTrain(program);
  registerBaseline(program);
  return program;
}

/** Runs the CLI and returns the exit code: 0 ok, 1 usage error, 2 a reported error. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    // A command may end without an error and still owe its caller a status (a run stopped by Ctrl-C: 130).
    return Number(process.exitCode ?? 0);
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander already printed the usage problem (or the help text).
      return error.exitCode === 0 ? 0 : 1;
    }
    const e = toBlockqnnError(error);
    process.stderr.write(`blockqnn: error [${e.code}]: ${e.describe()}\n`);
    if (e.code === 'INTERNAL' && e.cause instanceof Error && e.cause.stack) {
      process.stderr.write(`${e.cause.stack}\n`);
    }
    return 2;
  }
}
