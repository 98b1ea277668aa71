import { beforeAll, describe, expect, it } from 'vitest';
import { buildExamples } from '../../../src/task/image2image/examples.js';
import type { ExampleSource } from '../../../src/task/image2image/examples.js';
import { accuracy, classClassifier, domainClassifier, HIDDEN, trainClassifier } from '../../../src/task/image2image/frozen-classifier.js';
import { toFloat } from '../../../src/task/image2image/image-ops.js';
import { mnistSource } from './fixtures.js';

let mnist: ExampleSource;
beforeAll(async () => {
  mnist = await mnistSource();
});

describe('frozen classifiers', () => {
  it('classify held-out real digits well above chance, deterministically and memoised', () => {
    const set = buildExamples({ problem: 'introspective-synthesis', imageSize: 16, examples: { train: 512, eval: 200 } }, mnist, 2);
    const classifier = classClassifier(set);
    const held = toFloat(set.eval.arrays.real!.data);
    expect(accuracy(classifier, held, set.eval.arrays.label!.data)).toBeGreaterThan(0.6); // chance: 0.1
    expect(classClassifier(set)).toBe(classifier);
    const again = trainClassifier(toFloat(set.train.arrays.real!.data), set.train.arrays.label!.data, 10);
    expect(Buffer.from(again.predict(held).buffer).equals(Buffer.from(classifier.predict(held).buffer))).toBe(true);
    expect(classifier.features(held.subarray(0, 3 * 256)).length).toBe(3 * HIDDEN);
  });

  it('tell the translation domains of held-out images apart', () => {
    const set = buildExamples({ problem: 'domain-translation', imageSize: 16, examples: { train: 384, eval: 128 } }, mnist, 2);
    const classifier = domainClassifier(set);
    expect(accuracy(classifier, toFloat(set.eval.arrays.target!.data), set.eval.arrays.targetDomain!.data)).toBeGreaterThan(0.85); // chance: 1/3
    expect(accuracy(classifier, toFloat(set.eval.arrays.source!.data), set.eval.arrays.sourceDomain!.data)).toBeGreaterThan(0.85);
    expect(() =>
      domainClassifier(buildExamples({ problem: 'style-transfer', imageSize: 16, examples: { train: 8, eval: 2 } }, mnist, 2)),
    ).toThrow(/domain classifier is trained on domain-translation/);
  });
});
