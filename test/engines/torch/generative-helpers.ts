/**
 * Shared set-up of the torch generative tests: real MNIST examples of a problem at the
 * test scale (16×16, 256 train / 64 eval), the networks of a baseline for them, and the
 * problem's score of outputs beside the trivial answer's.
 */
import { loadDataset } from '../../../src/datasets/index.js';
import { generativeBaselines } from '../../../src/search-space/baselines/generative/index.js';
import { buildExamples } from '../../../src/task/image2image/examples.js';
import { domainClassifier } from '../../../src/task/image2image/frozen-classifier.js';
import {
  type ExampleSet, type GenerativeRecipe, type Image2ImageProblem, type Image2ImageTask, PROBLEM_CHANNELS, parseImage2ImageTask,
} from '../../../src/task/image2image/schema.js';
import type { NetworkIr } from '../../../src/search-space/index.js';

/** The test scale: many small steps (32 per epoch) so a few epochs learn; widths a quarter of the documented ones. */
export const TEST_RECIPE = { batchSize: 8, learningRate: 1e-3 } satisfies Partial<GenerativeRecipe>;
export const TEST_WIDTH = 0.25;

export interface Case {
  task: Image2ImageTask;
  examples: ExampleSet;
  networks: Record<string, NetworkIr>;
}

export async function makeCase(o: { problem: Image2ImageProblem; procedure: Image2ImageTask['procedure']; baseline: string; epochs: number; width?: number; recipe?: Record<string, unknown> }): Promise<Case> {
  const data = await loadDataset({ name: 'mnist' });
  const task = parseImage2ImageTask({
    kind: 'image2image', problem: o.problem, procedure: o.procedure, dataset: { name: 'mnist' }, imageSize: 16,
    examples: { train: 256, eval: 64 }, recipe: { ...TEST_RECIPE, epochs: o.epochs, ...o.recipe },
  });
  const examples = buildExamples(task, { images: data.train.images, labels: data.train.labels, count: data.train.count, shape: data.shape }, 1);
  const networks = generativeBaselines.get(o.baseline).build({
    problem: o.problem, imageSize: 16, channels: PROBLEM_CHANNELS(o.problem, examples.channels, examples.domains),
    domains: examples.domains, latent: task.recipe.latent, width: o.width ?? TEST_WIDTH,
  }).roles;
  return { task, examples, networks };
}

const floats = (bytes: Uint8Array): Float32Array => Float32Array.from(bytes, (v) => v / 255);

function meanAbs(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

/**
 * The problem's score (higher is better) of the outputs and of the trivial answer, computed
 * here as the spec defines it until src/task/image2image/metrics.ts lands: amodal → IoU of the
 * invisible region (trivial: the visible mask); translation → the frozen domain classifier's
 * target-domain accuracy (trivial: the source image); style → 1 − mean(L1 apply, L1 remove)
 * (trivial: identity); shape-guided → 1 − L1 to the target (trivial: the appearance image).
 */
export function scores(c: Case, outputs: Record<string, Float32Array>): { score: number; trivial: number } {
  const e = c.examples.eval.arrays;
  switch (c.task.problem) {
    case 'amodal-completion': {
      const visible = e.visible!.data;
      const full = e.fullMask!.data;
      const iou = (predicted: (i: number) => boolean): number => {
        let inter = 0;
        let union = 0;
        for (let i = 0; i < full.length; i++) {
          if (visible[i]! > 127) continue;
          const p = predicted(i);
          const t = full[i]! > 127;
          if (p && t) inter++;
          if (p || t) union++;
        }
        return inter / Math.max(union, 1);
      };
      return { score: iou((i) => outputs.mask![i]! > 0.5), trivial: iou((i) => visible[i]! > 127) };
    }
    case 'domain-translation': {
      const classifier = domainClassifier(c.examples);
      const target = e.targetDomain!.data;
      const accuracy = (images: Float32Array): number => {
        const p = classifier.predict(images);
        const k = classifier.classes;
        let hits = 0;
        for (let i = 0; i < target.length; i++) {
          let best = 0;
          for (let j = 1; j < k; j++) if (p[i * k + j]! > p[i * k + best]!) best = j;
          if (best === target[i]) hits++;
        }
        return hits / target.length;
      };
      return { score: accuracy(outputs.image!), trivial: accuracy(floats(e.source!.data)) };
    }
    case 'style-transfer': {
      const plain = floats(e.plain!.data);
      const styled = floats(e.styled!.data);
      return {
        score: 1 - (meanAbs(outputs.applied!, styled) + meanAbs(outputs.removed!, plain)) / 2,
        trivial: 1 - meanAbs(plain, styled),
      };
    }
    case 'shape-guided': {
      const target = floats(e.target!.data);
      return { score: 1 - meanAbs(outputs.image!, target), trivial: 1 - meanAbs(floats(e.appearance!.data), target) };
    }
    case 'introspective-synthesis':
      throw new Error('synthesis is scored by its own test (a Fréchet distance)');
  }
}
