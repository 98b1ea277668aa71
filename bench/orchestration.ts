/**
 * The orchestration benchmark of issue 4: end-to-end candidates per second
 * through controller + queue + store (table engine, NAS-Bench-201) beside raw
 * BullMQ jobs per second on the same Redis, 64-worker scaling with 100 ms jobs,
 * and with --memory the controller's RSS after 100,000 candidates and a worker
 * slot's RSS across 1,000 jobs. Extra flags pass through, e.g.
 * `npx tsx bench/orchestration.ts --json` or `... --memory`.
 */
import { main } from '../src/cli/main.js';

process.exitCode = await main([process.argv[0]!, 'blockqnn', 'bench', 'orchestration', ...process.argv.slice(2)]);
