/**
 * `blockqnn` from the same build as the bench (sources under tsx, or dist/),
 * for the worker process of the memory figure: bin/blockqnn.js always runs
 * dist/, which may be older than the controller being measured. Run as a
 * script only; importing it runs the CLI.
 */
import { main } from './main.js';

process.exitCode = await main(process.argv);
