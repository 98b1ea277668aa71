/** `blockqnn bench <suite>`: benchmarks that print ratios measured side by side in one run. One line per suite below. */
import type { Command } from 'commander';
import { registerBenchEngines } from './bench-engines.js';
import { registerBenchOrchestration } from './bench-orchestration/index.js';
import { registerBenchReliability } from './bench-reliability/index.js';
import { registerBenchSearch } from './bench-search.js';

export function registerBench(program: Command): void {
  const bench = program.command('bench').description('run a benchmark suite (see subcommands)');
  registerBenchSearch(bench);
  registerBenchEngines(bench);
  registerBenchOrchestration(bench);
  registerBenchReliability(bench);
}
