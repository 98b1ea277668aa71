/**
 * The controller's search-quality benchmark on NAS-Bench-201 (CIFAR-10), with the
 * issue's protocol: fitness c10valid_val_12ep, report c10_test_200ep, 100
 * evaluations × 500 runs, every strategy side by side. Extra flags pass through,
 * e.g. `npx tsx bench/search.ts --runs 100 --json`.
 */
import { BUNDLED_NB201_TABLE } from '../src/engines/table/index.js';
import { main } from '../src/cli/main.js';

process.exitCode = await main([
  process.argv[0]!,
  'blockqnn',
  'bench',
  'search',
  '--table',
  BUNDLED_NB201_TABLE,
  '--fitness',
  'c10valid_val_12ep',
  '--report',
  'c10_test_200ep',
  '--budget',
  '100',
  '--runs',
  '500',
  ...process.argv.slice(2),
]);
