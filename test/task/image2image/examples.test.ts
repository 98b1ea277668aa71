import { beforeAll, describe, expect, it } from 'vitest';
import { BlockqnnError } from '../../../src/common/errors.js';
import { loadDataset } from '../../../src/datasets/load.js';
import { buildExamples, OCCLUDER_GREY, shapeTarget } from '../../../src/task/image2image/examples.js';
import type { ExampleSource } from '../../../src/task/image2image/examples.js';
import { applyStyle, objectMask, toFloat } from '../../../src/task/image2image/image-ops.js';
import { EXAMPLE_ARRAYS, IMAGE2IMAGE_PROBLEMS } from '../../../src/task/image2image/schema.js';
import type { ExampleArray, Image2ImageProblem } from '../../../src/task/image2image/schema.js';
import { mnistSource, rgbSource } from './fixtures.js';

let mnist: ExampleSource;
beforeAll(async () => {
  mnist = await mnistSource();
});

const S = 16;
const build = (problem: Image2ImageProblem, seed = 7, source = mnist, train = 96, evalCount = 32) =>
  buildExamples({ problem, imageSize: S, examples: { train, eval: evalCount } }, source, seed);
const image = (a: ExampleArray, i: number): Uint8Array => {
  const len = a.shape.slice(1).reduce((x, y) => x * y, 1);
  return a.data.subarray(i * len, (i + 1) * len);
};
const equal = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

describe('buildExamples', () => {
  it('is deterministic per seed and changes with the seed, for every problem', () => {
    for (const problem of IMAGE2IMAGE_PROBLEMS) {
      const a = build(problem);
      const b = build(problem);
      const c = build(problem, 8);
      expect(Object.keys(a.train.arrays).sort()).toEqual([...EXAMPLE_ARRAYS[problem]].sort());
      for (const split of ['train', 'eval'] as const) {
        for (const [name, array] of Object.entries(a[split].arrays)) {
          expect(equal(array.data, b[split].arrays[name]!.data), `${problem} ${split}.${name}`).toBe(true);
          expect(array.shape[0]).toBe(a[split].count);
        }
      }
      const first = EXAMPLE_ARRAYS[problem][0]!;
      expect(equal(a.train.arrays[first]!.data, c.train.arrays[first]!.data)).toBe(false);
    }
  });

  it('keeps train and eval apart, and the train split independent of the eval size', () => {
    const a = build('introspective-synthesis', 3, mnist, 200, 50);
    const b = build('introspective-synthesis', 3, mnist, 200, 20);
    expect(equal(a.train.arrays.real!.data, b.train.arrays.real!.data)).toBe(true);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(Buffer.from(image(a.train.arrays.real!, i)).toString('hex'));
    for (let i = 0; i < 50; i++) expect(seen.has(Buffer.from(image(a.eval.arrays.real!, i)).toString('hex'))).toBe(false);
    expect(a.domains).toBe(10);
    expect(Math.max(...a.train.arrays.label!.data)).toBeLessThan(10);
  });

  it('amodal completion: visible ⊆ fullMask, occluders grey, some of each object hidden', () => {
    const set = build('amodal-completion');
    const { occluded, visible, fullMask, full } = set.train.arrays;
    const grey = Math.round(OCCLUDER_GREY * 255);
    let hiddenTotal = 0;
    let objectTotal = 0;
    let withHidden = 0;
    for (let i = 0; i < set.train.count; i++) {
      const [o, v, m, f] = [image(occluded!, i), image(visible!, i), image(fullMask!, i), image(full!, i)];
      let hidden = 0;
      for (let p = 0; p < S * S; p++) {
        expect([0, 255]).toContain(v[p]);
        expect([0, 255]).toContain(m[p]);
        if (v[p]) expect(m[p]).toBe(255);
        expect(m[p] === 255).toBe(Math.fround(f[p]! / 255) > 0.2); // the mask is taken on the float image
        if (o[p] !== f[p]) expect(o[p]).toBe(grey);
        if (m[p] && !v[p]) {
          hidden++;
          expect(o[p]).toBe(grey); // a hidden object pixel is under an occluder
        }
        objectTotal += m[p] ? 1 : 0;
      }
      hiddenTotal += hidden;
      if (hidden > 0) withHidden++;
    }
    expect(withHidden / set.train.count).toBeGreaterThan(0.95);
    expect(hiddenTotal / objectTotal).toBeGreaterThan(0.1);
    expect(hiddenTotal / objectTotal).toBeLessThan(0.6);
  });

  it('domain translation: target domain differs from the source, images differ, domains balanced', () => {
    const set = build('domain-translation', 7, mnist, 300, 30);
    const { source, target, sourceDomain, targetDomain } = set.train.arrays;
    expect(set.domains).toBe(3);
    const counts = [0, 0, 0];
    for (let i = 0; i < set.train.count; i++) {
      expect(targetDomain!.data[i]).not.toBe(sourceDomain!.data[i]);
      expect(targetDomain!.data[i]).toBeLessThan(3);
      expect(equal(image(source!, i), image(target!, i))).toBe(false);
      counts[targetDomain!.data[i]!]!++;
    }
    for (const c of counts) expect(c).toBeGreaterThan(60);
    // Low contrast lifts the background to 0.3: its images are never black in a corner.
    for (let i = 0; i < set.train.count; i++) if (targetDomain!.data[i] === 2) expect(image(target!, i)[0]).toBe(Math.round(0.3 * 255));
  });

  it("domain translation with a second dataset: its examples follow the first's in their own label set (StarGAN's mask vector)", async () => {
    const fashion = await loadDataset({ name: 'fashion-mnist' }, { cache: false });
    const second: ExampleSource = { ...fashion.train, shape: fashion.shape };
    const task = {
      problem: 'domain-translation' as const,
      imageSize: S,
      examples: { train: 60, eval: 20 },
      secondDataset: { name: 'fashion-mnist', seed: 0, resize: 'area' as const },
    };
    const set = buildExamples(task, mnist, 7, second);
    expect(set.labelSets).toBe(2);
    expect(set.domains).toBe(6);
    expect(set.train.count).toBe(120);
    expect(set.eval.count).toBe(40);
    // The first 60 are exactly the single-set examples; the next 60 carry the second set's domains 3..5.
    const single = buildExamples({ ...task, secondDataset: undefined }, mnist, 7);
    const { source, target, sourceDomain, targetDomain, labelSet } = set.train.arrays;
    expect(equal(source!.data.subarray(0, 60 * S * S), single.train.arrays.source!.data)).toBe(true);
    for (let i = 0; i < 120; i++) {
      const own = i < 60 ? 0 : 1;
      expect(labelSet!.data[i]).toBe(own);
      for (const d of [sourceDomain!.data[i]!, targetDomain!.data[i]!]) expect(Math.floor(d / 3)).toBe(own);
      expect(targetDomain!.data[i]).not.toBe(sourceDomain!.data[i]);
    }
    // Inverted (domain 4) is 1 − plain, pixel by pixel, up to a byte's rounding.
    const i = [...Array(120).keys()].find((k) => sourceDomain!.data[k] === 3 && targetDomain!.data[k] === 4)!;
    image(source!, i).forEach((v, p) => expect(Math.abs(255 - v - image(target!, i)[p]!)).toBeLessThanOrEqual(1));
    // A task that names a second dataset needs its images; one of other channels is refused naming the field.
    expect(() => buildExamples(task, mnist, 7)).toThrow(/secondDataset fashion-mnist but no images of it/);
    expect(() => buildExamples(task, mnist, 7, rgbSource(200))).toThrow(/secondDataset fashion-mnist has 3-channel images/);
  });

  it('style transfer: styled = plain wearing the style, reference wears it on another image', () => {
    const set = build('style-transfer');
    const { plain, reference, styled, style, plainRegion, referenceRegion } = set.train.arrays;
    for (let i = 0; i < set.train.count; i++) {
      // PairedCycleGAN's regions: plain's own object mask; the reference's is a mask too, of its image before styling.
      expect(Array.from(image(plainRegion!, i))).toEqual(Array.from(objectMask(toFloat(image(plain!, i)), 1), (v) => (v ? 255 : 0)));
      expect(image(referenceRegion!, i).every((v) => v === 0 || v === 255)).toBe(true);
      const k = style!.data[i]!;
      expect(k).toBeLessThan(4);
      const p = image(plain!, i);
      const expected = applyStyle(toFloat(p), S, 1, k);
      image(styled!, i).forEach((v, at) => expect(Math.abs(v - expected[at]! * 255)).toBeLessThanOrEqual(0.5 + 1e-6));
      expect(equal(p, image(styled!, i))).toBe(false);
      expect(equal(image(reference!, i), image(styled!, i))).toBe(false);
      // The reference's marked pixels are all at least the style's floor (halfway to white).
      const r = image(reference!, i);
      const marked = applyStyle(new Float32Array(S * S), S, 1, k);
      marked.forEach((m, at) => m > 0 && expect(r[at]).toBeGreaterThanOrEqual(127));
    }
  });

  it('shape-guided: target is the shape filled with the appearance statistics', () => {
    const set = build('shape-guided');
    const { shape, appearance, target } = set.train.arrays;
    for (let i = 0; i < set.train.count; i++) {
      const mask = Uint8Array.from(image(shape!, i), (v) => (v ? 1 : 0));
      const expected = shapeTarget(mask, toFloat(image(appearance!, i)), 1);
      image(target!, i).forEach((v, at) => expect(Math.abs(v - expected[at]! * 255)).toBeLessThanOrEqual(0.5 + 1e-4));
    }
    // The Variational U-Net's shape estimate of the appearance image: its own object mask (luminance > 0.2).
    const { appearanceShape } = set.train.arrays;
    for (let i = 0; i < set.train.count; i++) {
      const own = objectMask(toFloat(image(appearance!, i)), 1);
      expect(Array.from(image(appearanceShape!, i))).toEqual(Array.from(own, (v) => (v ? 255 : 0)));
    }
    // Hand check: a 2-pixel shape, an appearance with object 0.8 / 0.6 and background 0.1.
    const app = Float32Array.of(0.8, 0.6, 0.1, 0.1);
    expect(Array.from(shapeTarget(Uint8Array.of(0, 0, 1, 1), app, 1)).map((v) => +v.toFixed(4))).toEqual([0.1, 0.1, 0.7, 0.7]);
  });

  it('works on RGB (CIFAR-shaped) images for every problem', () => {
    const source = rgbSource(80);
    for (const problem of IMAGE2IMAGE_PROBLEMS) {
      const set = build(problem, 1, source, 48, 16);
      expect(set.channels).toBe(3);
      const first = set.train.arrays[EXAMPLE_ARRAYS[problem][0]!]!;
      expect(first.shape.slice(1)).toEqual(problem === 'shape-guided' ? [S, S, 1] : [S, S, 3]);
    }
  });

  it('names the fix when the split is too small', () => {
    expect(() => build('style-transfer', 1, rgbSource(40), 32, 16)).toThrow(BlockqnnError);
    try {
      build('style-transfer', 1, rgbSource(40), 32, 16);
    } catch (error) {
      expect((error as BlockqnnError).message).toMatch(/needs 32 train \+ 16 eval images, the dataset split holds 40/);
      expect((error as BlockqnnError).hint).toMatch(/lower examples.train/);
    }
  });
});
