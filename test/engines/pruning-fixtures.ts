/** What the engine pruning tests share: a tiny MNIST task and a real pruner's decision on a hand-made board view. */
import { createPruner } from '../../src/controller/pruners/index.js';
import type { EpochRecord } from '../../src/engines/engine.js';
import { PAPER_BLOCKS, assembleNetwork } from '../../src/search-space/index.js';
import { parseTask } from '../../src/task/task.js';

export const tinyIr = assembleNetwork(PAPER_BLOCKS.resnet, {
  inputShape: [8, 8, 1],
  classes: 10,
  blocksPerStage: 1,
  baseFilters: 4,
  stages: 2,
}).ir;
export const tinyTask = (epochs: number) =>
  parseTask({
    kind: 'classification',
    dataset: { name: 'mnist', subset: 100, validationSize: 50, imageSize: 8 },
    recipe: { epochs, batchSize: 25 },
  });

/**
 * The median pruner's decision for a candidate whose only rivals completed the recipe with a perfect
 * validation accuracy at every epoch: a tiny network after one epoch on 100 digits is below it, so the
 * pruner stops it after epoch 1. Records every question asked.
 */
export function medianAgainstPerfectRivals(epochs: number): {
  asked: EpochRecord[];
  shouldContinue: (record: EpochRecord) => Promise<boolean>;
} {
  const pruner = createPruner({ name: 'median', options: { startupCandidates: 3 } }, epochs);
  const asked: EpochRecord[] = [];
  const curve: number[] = [];
  return {
    asked,
    shouldContinue: async (record) => {
      asked.push(record);
      curve[record.epoch - 1] = record.valAccuracy;
      if (!pruner.needs(record.epoch)) return true;
      return pruner.decide(curve, { epoch: record.epoch, completedCount: 3, completed: [1, 1, 1], reported: [] }) === 'continue';
    },
  };
}
