/** The fault scenarios at the tests' scale: the machine's Redis, the NAS-Bench-201 table bundled in data/, short outages. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ScenarioOptions } from '../../src/bench/reliability/index.js';

const REPO = resolve(import.meta.dirname, '../..');
if (!existsSync(resolve(REPO, 'dist/cli/main.js'))) {
  throw new Error('test/reliability runs the built CLI: run `npm run build` first (dist/cli/main.js is missing)');
}

export const quick: ScenarioOptions = {
  table: resolve(REPO, 'data/nasbench201/cifar10.csv.gz'),
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  quick: true,
  redisDownSeconds: 15,
  log: () => {},
};
