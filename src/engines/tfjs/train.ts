/**
 * The BlockQNN early-stop recipe on tfjs: Adam (or SGD with Nesterov momentum),
 * the learning rate set per epoch by `learningRateAt` (step decay or cosine),
 * weight decay as PyTorch's coupled L2 term, seeded shuffles and augmentation,
 * accuracy on the evaluation split (validation, or test for a final training)
 * after every epoch — the loop is epoch-loop.ts's, shared with WINN; this file
 * is the plain step. A non-finite loss stops training as `diverged`.
 */
import type { LayersModel, Tensor } from '@tensorflow/tfjs';
import type { TrainOutcome } from '../engine.js';
import { compileIr } from './compile.js';
import { type StepResult, type TfjsTrainOptions, finishedOutcome, runEpochs } from './epoch-loop.js';
import { trainIntrospective } from './introspective.js';
import { makeOptimizer } from './optimizer.js';
import type { Tfjs } from './tfjs-types.js';

export type { TfjsTrainOptions } from './epoch-loop.js';

/** The view of the optimiser this loop needs: `minimize` with a loss that is a tensor (tfjs types it as a Scalar). */
interface Minimizer {
  minimize(f: () => Tensor, returnCost: true): Tensor | null;
}

/**
 * PyTorch's coupled weight decay (SGD and Adam alike add decay × w to every parameter's
 * gradient) as the loss term decay/2 · Σ w² over the trainable weights, which tfjs
 * differentiates into exactly that gradient.
 */
function decayTerm(tf: Tfjs, model: LayersModel, decay: number): Tensor | null {
  if (decay === 0 || model.trainableWeights.length === 0) return null;
  return tf.addN(model.trainableWeights.map((w) => (w.read() as Tensor).square().sum())).mul(decay / 2);
}

export async function trainTfjs(o: TfjsTrainOptions): Promise<TrainOutcome> {
  if (o.task.recipe.introspective) return trainIntrospective(o);
  const { tf, task, data } = o;
  const recipe = task.recipe;
  const [h, w, c] = data.shape;
  const classes = data.classes.length;
  const compiled = compileIr(tf, o.checked, { seed: o.seed });
  const { model } = compiled;
  const { optimizer, setLearningRate } = makeOptimizer(tf, recipe);
  const minimizer = optimizer as unknown as Minimizer;
  const step = (images: Float32Array, labels: Int32Array): StepResult => {
    const [loss, hits] = tf.tidy((): [number, number] => {
      const n = labels.length;
      const x = tf.tensor4d(images, [n, h, w, c]);
      const y = tf.oneHot(tf.tensor1d(labels, 'int32'), classes);
      let hit: Tensor | undefined;
      let crossEntropy: Tensor | undefined;
      minimizer.minimize(() => {
        const logits = model.apply(x, { training: true }) as Tensor;
        // minimize() disposes what its closure made; keep the hit count for the epoch's train accuracy
        // and the cross-entropy alone for the reported loss (the decay term is not part of it, as in PyTorch).
        hit = tf.keep(logits.argMax(-1).equal(tf.tensor1d(labels, 'int32')).sum());
        crossEntropy = tf.keep(tf.losses.softmaxCrossEntropy(y, logits));
        const decay = decayTerm(tf, model, recipe.weightDecay);
        return decay ? crossEntropy.add(decay) : crossEntropy.clone();
      }, true);
      const values: [number, number] = [crossEntropy!.dataSync()[0]!, hit!.dataSync()[0]!];
      hit!.dispose();
      crossEntropy!.dispose();
      return values;
    });
    return { objective: loss, crossEntropy: loss, hits };
  };
  try {
    const loop = await runEpochs(o, model, setLearningRate, { step });
    return loop.diverged ?? loop.pruned ?? (await finishedOutcome(o, compiled, loop));
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}
