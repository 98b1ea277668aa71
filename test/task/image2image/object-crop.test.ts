/** SeGAN's crop around the object: the box, the crop and its paste-back, and what the segan procedure adds to the examples. */
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../../src/datasets/load.js';
import { buildExamples } from '../../../src/task/image2image/examples.js';
import { CROP_MARGIN, cropToBox, objectBox, pasteFromBox } from '../../../src/task/image2image/object-crop.js';
import { examplesForProcedure, outputsForProcedure } from '../../../src/task/image2image/procedure-examples.js';
import { parseImage2ImageTask } from '../../../src/task/image2image/schema.js';

const S = 16;

/** A mask with the rectangle [x0, x1) × [y0, y1) set. */
function rect(x0: number, y0: number, x1: number, y1: number): Uint8Array {
  const m = new Uint8Array(S * S);
  for (let y = y0; y < y1; y++) m.fill(255, y * S + x0, y * S + x1);
  return m;
}

describe('objectBox', () => {
  it('is the visible box grown by the margin on every side, square, inside the frame', () => {
    // Visible 6 wide × 4 high at (5, 6): side ⌈6·(1 + 2·0.25)⌉ = 9, centred on (8, 8).
    expect(CROP_MARGIN).toBe(0.25);
    expect(objectBox(rect(5, 6, 11, 10), S)).toEqual({ x0: 4, y0: 4, side: 9 });
    // Near a border it shifts inside the frame instead of leaving it.
    expect(objectBox(rect(0, 0, 4, 4), S)).toEqual({ x0: 0, y0: 0, side: 6 });
    expect(objectBox(rect(12, 12, 16, 16), S)).toEqual({ x0: 10, y0: 10, side: 6 });
    // Never larger than the frame; the whole frame when nothing is visible.
    expect(objectBox(rect(1, 1, 15, 15), S)).toEqual({ x0: 0, y0: 0, side: 16 });
    expect(objectBox(new Uint8Array(S * S), S)).toEqual({ x0: 0, y0: 0, side: 16 });
  });
});

describe('crop and paste-back', () => {
  it('are the identity for the whole-frame box', () => {
    const frame = Float32Array.from({ length: S * S * 3 }, (_, i) => ((i * 37) % 101) / 100);
    const whole = { x0: 0, y0: 0, side: S };
    expect(cropToBox(frame, S, 3, whole)).toEqual(frame);
    expect(pasteFromBox(frame, S, 3, whole, new Float32Array(frame.length))).toEqual(frame);
  });

  it('enlarge the box to the network input and paste it back where it was, leaving the rest of the frame', () => {
    // A linear ramp: bilinear sampling reproduces it exactly away from the clamped border.
    const frame = Float32Array.from({ length: S * S }, (_, p) => ((p % S) + Math.floor(p / S)) / 32);
    const box = { x0: 4, y0: 2, side: 8 };
    const crop = cropToBox(frame, S, 1, box);
    // Crop pixel (j, i) samples the frame at (2 + (j + ½)/2 − ½, 4 + (i + ½)/2 − ½).
    expect(crop[5 * S + 7]).toBeCloseTo((2 + 2.75 - 0.5 + 4 + 3.75 - 0.5) / 32, 6);
    const outside = new Float32Array(S * S).fill(-1);
    const pasted = pasteFromBox(crop, S, 1, box, outside);
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        const inside = x >= 4 && x < 12 && y >= 2 && y < 10;
        if (!inside) expect(pasted[y * S + x]).toBe(-1);
        else expect(pasted[y * S + x]).toBeCloseTo(frame[y * S + x]!, 5);
      }
    }
  });
});

describe("the segan procedure's examples", () => {
  it('add the crops of every split and paste crop outputs back into the frame', async () => {
    const task = parseImage2ImageTask({
      kind: 'image2image',
      problem: 'amodal-completion',
      procedure: 'segan',
      dataset: { name: 'mnist' },
      examples: { train: 8, eval: 4 },
    });
    const data = await loadDataset({ name: 'mnist' }, { cache: false });
    const examples = buildExamples(task, { ...data.train, shape: data.shape }, 1);
    expect(examplesForProcedure('pix2pix', examples)).toBe(examples);
    const prepared = examplesForProcedure('segan', examples);
    for (const split of ['train', 'eval'] as const) {
      const arrays = prepared[split].arrays;
      expect(arrays.cropBox!.shape).toEqual([examples[split].count, 3]);
      for (const name of ['occluded', 'visible', 'fullMask', 'full']) {
        const crop = arrays[`crop${name[0]!.toUpperCase()}${name.slice(1)}`]!;
        expect(crop.shape).toEqual(examples[split].arrays[name]!.shape);
        expect(crop.data).not.toEqual(examples[split].arrays[name]!.data);
      }
      expect(arrays.occluded).toBe(examples[split].arrays.occluded);
    }
    // Preparing twice changes nothing.
    expect(examplesForProcedure('segan', prepared).eval.arrays.cropFull).toBe(prepared.eval.arrays.cropFull);
    // Outputs that are the crops of the truth paste back to the truth inside each box, and to (0, occluded) outside it.
    const n = examples.eval.count;
    const toFloat = (a: Uint8Array) => Float32Array.from(a, (v) => v / 255);
    const pasted = outputsForProcedure('segan', prepared, {
      mask: toFloat(prepared.eval.arrays.cropFullMask!.data),
      image: new Float32Array(n * S * S).fill(0.5),
    });
    const box = prepared.eval.arrays.cropBox!.data;
    const occluded = toFloat(examples.eval.arrays.occluded!.data);
    for (let i = 0; i < n; i++) {
      const [x0, y0, side] = [box[3 * i]!, box[3 * i + 1]!, box[3 * i + 2]!];
      for (let y = 0; y < S; y++) {
        for (let x = 0; x < S; x++) {
          const p = i * S * S + y * S + x;
          if (x < x0 || x >= x0 + side || y < y0 || y >= y0 + side) {
            expect(pasted.mask![p]).toBe(0);
            expect(pasted.image![p]).toBe(occluded[p]);
          } else {
            expect(pasted.image![p]).toBeCloseTo(0.5, 6);
          }
        }
      }
    }
    // Down-sampling a crop of the mask back into the frame keeps its pixels within a byte of bilinear blur of the truth.
    const truth = toFloat(examples.eval.arrays.fullMask!.data);
    const agree = truth.filter((t, p) => t > 0.5 === pasted.mask![p]! > 0.5).length / truth.length;
    expect(agree).toBeGreaterThan(0.95);
  });
});
