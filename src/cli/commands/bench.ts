/** `blockqnn bench <suite>`: benchmarks that print ratios measured side by side in one run. */
import type { Command } from 'commander';

export function registerBench(program: Command): void {
  program.command('bench').description('run a benchmark suite (see subcommands)');
}
