/**
 * Plain training vs WINN (recipe.introspective) of the same network, same seed,
 * same data, on one engine: clean accuracy and accuracy under FGSM on the
 * validation split, with the WINN metrics and the machine. Not a test: a figure
 * for notes.
 *
 *   npx tsx bench/winn.ts [--engine torch|tfjs] [--subset 2000] [--epochs 6] [--size 28]
 *                         [--synthesis 200] [--steps 100] [--network resnet-block|resnet-20-cifar]
 */
import { cpus, platform, release } from 'node:os';
import { parseArgs } from 'node:util';
import type { Engine, TrainOutcome } from '../src/engines/engine.js';
import { TfjsEngine } from '../src/engines/tfjs/engine.js';
import { loadTfjs } from '../src/engines/tfjs/index.js';
import { TorchEngine, findTorchPython } from '../src/engines/torch/index.js';
import { PAPER_BLOCKS, assembleNetwork, baselines } from '../src/search-space/index.js';
import { PAPER_FGSM_EPSILON, fgsmKey } from '../src/task/introspective.js';
import { parseTask } from '../src/task/task.js';

const { values: args } = parseArgs({
  options: {
    engine: { type: 'string', default: 'torch' },
    subset: { type: 'string', default: '2000' },
    validation: { type: 'string', default: '1000' },
    epochs: { type: 'string', default: '6' },
    size: { type: 'string', default: '28' },
    synthesis: { type: 'string', default: '200' },
    steps: { type: 'string', default: '100' },
    network: { type: 'string', default: 'resnet-block' },
    seed: { type: 'string', default: '1' },
  },
});
const size = Number(args.size);
const epsilons = [0, 0.05, 0.1, PAPER_FGSM_EPSILON, 0.2];
const checked =
  args.network === 'resnet-block'
    ? assembleNetwork(PAPER_BLOCKS.resnet, { inputShape: [size, size, 1], classes: 10, blocksPerStage: 1, baseFilters: 16, stages: 2 })
    : baselines.get(args.network!).build({ inputShape: [size, size, 1], classes: 10 });

const taskFor = (introspective: boolean) =>
  parseTask({
    kind: 'classification',
    dataset: { name: 'mnist', subset: Number(args.subset), validationSize: Number(args.validation), imageSize: size },
    recipe: {
      epochs: Number(args.epochs),
      batchSize: 50,
      robustness: { fgsmEpsilons: epsilons },
      ...(introspective ? { introspective: { synthesisPerEpoch: Number(args.synthesis), synthesisSteps: Number(args.steps) } } : {}),
    },
  });

async function makeEngine(): Promise<Engine> {
  if (args.engine === 'tfjs') return new TfjsEngine(await loadTfjs({ logger: () => {} }));
  const found = (await findTorchPython()).found;
  if (!found) throw new Error('no Python with torch');
  return new TorchEngine({ python: found });
}

const engine = await makeEngine();
const rows: [string, TrainOutcome, number][] = [];
for (const [label, introspective] of [
  ['plain', false],
  ['WINN', true],
] as const) {
  const started = performance.now();
  const outcome = await engine.train(
    { ir: checked.ir, task: taskFor(introspective), seed: Number(args.seed) },
    new AbortController().signal,
    (p) =>
      console.error(
        `${label} epoch ${p.epoch}/${p.epochs}: loss ${p.loss.toFixed(4)}, val ${p.valAccuracy.toFixed(4)}, ${p.seconds.toFixed(1)} s`,
      ),
  );
  rows.push([label, outcome, (performance.now() - started) / 1000]);
}
await engine.close?.();

console.log(
  `engine ${engine.describe()}; machine ${cpus()[0]?.model.trim()} × ${cpus().length}, ${platform()} ${release()}, node ${process.version}`,
);
console.log(
  `network ${args.network} (${checked.ir.nodes.length} nodes), MNIST ${size}x${size}, ${args.subset} train / ${args.validation} validation, ${args.epochs} epochs, batch 50, Adam 1e-3 step decay; WINN synthesis ${args.synthesis}/epoch, <= ${args.steps} steps`,
);
console.log(['mode', 'status', 'clean', ...epsilons.filter((e) => e > 0).map((e) => `FGSM ${e}`), 'seconds'].join('\t'));
for (const [label, outcome, seconds] of rows) {
  const e = outcome.extra ?? {};
  console.log(
    [
      label,
      outcome.status,
      outcome.accuracy?.toFixed(4),
      ...epsilons.filter((x) => x > 0).map((x) => e[fgsmKey(x)]?.toFixed(4)),
      seconds.toFixed(0),
    ].join('\t'),
  );
}
const winn = rows[1]![1].extra ?? {};
console.log(
  `WINN metrics: ${Object.entries(winn)
    .filter(([k]) => k.startsWith('winn'))
    .map(([k, v]) => `${k} ${v.toFixed(4)}`)
    .join(', ')}`,
);
