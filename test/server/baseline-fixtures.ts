/** Baselines written through the store API for the dashboard tests: real IR and cost from the registry. */
import { materializeBaseline } from '../../src/orchestrator/baselines.js';
import type { Store } from '../../src/store/index.js';

const network = { inputShape: [8, 8, 1] as [number, number, number], classes: 10, blocksPerStage: 1, baseFilters: 4, stages: 2 };

/** Adds two baselines to a seeded run: one better than every searched block, one still queued. */
export async function seedBaselines(store: Store, runId: string): Promise<{ ahead: string; queued: string }> {
  const made = ['resnet-20-cifar', 'blockqnn-inception-block'].map((name) =>
    materializeBaseline(name, { network, baselines: { width: 0.25 } }),
  );
  await store.upsertQueuedBaselines(
    runId,
    made.map((m) => ({ hash: m.hash, nsc: m.key, ir: m.ir, flops: m.flops, params: m.params, density: m.density, baseline: m.baseline })),
  );
  await store.commitBaselineResults(runId, [
    {
      hash: made[0]!.hash,
      result: {
        status: 'ok',
        accuracy: 0.95,
        reward: 0.99,
        trainSeconds: 4,
        engine: 'tfjs',
        attempts: 1,
        metrics: { robustAccuracy: 0.31 },
      },
    },
  ]);
  return { ahead: made[0]!.hash, queued: made[1]!.hash };
}
