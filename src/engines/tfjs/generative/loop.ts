/**
 * The training loop every generative procedure shares on tfjs: compile the roles, run
 * `recipe.epochs` epochs of seeded batches through the procedure's step, report each
 * epoch's mean loss terms, then collect the outputs on the eval split.
 *
 * A non-finite loss term, or a non-finite output, ends the training as `diverged`
 * naming the term and the epoch (never a silent zero). The abort signal is checked
 * every batch, and the loop yields to the event loop after each step so lock
 * renewal, heartbeats and cancellation polls keep running (as the classification loop).
 */
import { mulberry32 } from '../../../datasets/prng.js';
import { TrainingAborted } from '../../engine.js';
import type { GenerativeEpochRecord, GenerativeOutcome, GenerativeProgress, GenerativeRequest } from '../../generative.js';
import type { Tfjs } from '../backend.js';
import { registerSecondOrderGradients } from '../second-order.js';
import { registerFastFilterGradient } from '../cpu-filter-gradient.js';
import { SplitReader, trainBatches } from './data.js';
import type { ProcedureDefinition, ProcedureRun } from './procedure.js';
import { NonFiniteLoss, compileRoles, disposeRoles } from './roles.js';

const yieldToEventLoop = () => new Promise((resolve) => setImmediate(resolve));

function firstNonFinite(values: Record<string, number>): [string, number] | undefined {
  return Object.entries(values).find(([, v]) => !Number.isFinite(v));
}

export async function runProcedure(
  tf: Tfjs,
  definition: ProcedureDefinition,
  request: GenerativeRequest,
  signal: AbortSignal,
  onProgress: (progress: GenerativeProgress) => void,
): Promise<GenerativeOutcome> {
  const { task, examples } = request;
  const recipe = task.recipe;
  // WGAN-GP (StarGAN, WINN) differentiates a gradient; registering is idempotent and harmless elsewhere.
  registerSecondOrderGradients(tf);
  // The pure-JS backend's filter gradient dominates every step (cpu-filter-gradient.ts).
  registerFastFilterGradient(tf);
  const random = mulberry32((request.seed ^ 0x47454e) >>> 0);
  const roles = compileRoles(tf, {
    procedure: definition.name,
    networks: request.networks,
    requirements: definition.requirements(task, examples),
    imageSize: task.imageSize,
    recipe,
    random,
  });
  const curve: GenerativeEpochRecord[] = [];
  let trainSeconds = 0;
  let run: ProcedureRun | undefined;
  const diverged = (what: string, value: number, epoch: number): GenerativeOutcome => ({
    status: 'diverged',
    curve,
    trainSeconds,
    error: `${what} became ${value} in epoch ${epoch} of ${definition.name}`,
  });
  try {
    run = definition.start({
      tf,
      task,
      examples,
      roles,
      train: new SplitReader(tf, examples.train, 'train'),
      eval: new SplitReader(tf, examples.eval, 'eval'),
      random,
    });
    let stepIndex = 0;
    for (let epoch = 0; epoch < recipe.epochs; epoch++) {
      const started = performance.now();
      const sums: Record<string, number> = {};
      const counts: Record<string, number> = {};
      for (const batch of trainBatches(examples.train.count, recipe.batchSize, request.seed, epoch)) {
        if (signal.aborted) throw new TrainingAborted(signal.reason);
        let values: Record<string, number>;
        try {
          values = run.step(batch, stepIndex++);
        } catch (error) {
          if (!(error instanceof NonFiniteLoss)) throw error;
          values = { [error.term]: error.value };
        }
        const bad = firstNonFinite(values);
        if (bad) {
          trainSeconds += (performance.now() - started) / 1000;
          return diverged(`loss ${bad[0]}`, bad[1], epoch + 1);
        }
        // Terms are averaged over the steps that produced them (a generator updated every criticSteps batches, say).
        for (const [name, value] of Object.entries(values)) {
          sums[name] = (sums[name] ?? 0) + value;
          counts[name] = (counts[name] ?? 0) + 1;
        }
        await yieldToEventLoop();
      }
      const losses = Object.fromEntries(Object.entries(sums).map(([name, sum]) => [name, sum / counts[name]!]));
      if (run.afterEpoch) {
        const extra = await run.afterEpoch(epoch, signal);
        const bad = firstNonFinite(extra);
        if (bad) {
          trainSeconds += (performance.now() - started) / 1000;
          return diverged(bad[0], bad[1], epoch + 1);
        }
        Object.assign(losses, extra);
      }
      const seconds = (performance.now() - started) / 1000;
      trainSeconds += seconds;
      const record: GenerativeEpochRecord = { epoch: epoch + 1, losses, seconds };
      curve.push(record);
      onProgress({ ...record, epochs: recipe.epochs });
    }
    const outputs = await run.outputs(signal);
    for (const [name, data] of Object.entries(outputs)) {
      const at = data.findIndex((v) => !Number.isFinite(v));
      if (at >= 0) return diverged(`output ${name}[${at}]`, data[at]!, recipe.epochs);
    }
    return { status: 'ok', outputs, curve, trainSeconds };
  } finally {
    run?.dispose?.();
    disposeRoles(roles);
  }
}
