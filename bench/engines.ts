/**
 * The engines benchmark: torch engine vs a plain PyTorch loop on the same
 * generated BlockQNN module, with the tfjs engine beside them (see
 * src/bench/engines.ts). Extra flags pass through, e.g.
 * `npx tsx bench/engines.ts --json --rounds 3`. For the GPU check without Node,
 * see bench/gpu.sh.
 */
import { main } from '../src/cli/main.js';

process.exitCode = await main([process.argv[0]!, 'blockqnn', 'bench', 'engines', ...process.argv.slice(2)]);
