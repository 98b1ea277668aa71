/**
 * The controller's search-quality benchmark on NAS-Bench-201 (CIFAR-10), with the
 * issue's protocol: fitness c10valid_val_12ep, report c10_test_200ep, 100
 * evaluations × 500 runs, every strategy side by side. Extra flags pass through,
 * e.g. `npx tsx bench/search.ts --runs 100 --json`.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../src/cli/main.js';

const table = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../shared/data/nasbench201/cifar10.csv');
process.exitCode = await main([
  process.argv[0]!, 'blockqnn', 'bench', 'search',
  '--table', table, '--fitness', 'c10valid_val_12ep', '--report', 'c10_test_200ep', '--budget', '100', '--runs', '500',
  ...process.argv.slice(2),
]);
