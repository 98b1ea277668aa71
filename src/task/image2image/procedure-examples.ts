/**
 * What a procedure adds to a problem's examples before an engine trains on them, and how its
 * raw outputs become the problem's outputs (PROBLEM_OUTPUTS, scored on the full frame). One
 * entry per procedure that needs it, so both engines run the same data code (the tfjs engine
 * in process, the torch engine before writing the examples for its Python child and after
 * reading its outputs back).
 *
 * - segan: the crop around the object (object-crop.ts). Each split gains `cropBox` [N, 3]
 *   (x0, y0, side in pixels) and the crops `cropOccluded`, `cropVisible`, `cropFullMask`,
 *   `cropFull` (same shapes as the originals); the engine's `mask` and `image` are crops, pasted
 *   back into the frame here.
 */
import { type CropBox, cropToBox, objectBox, pasteFromBox } from './object-crop.js';
import { toFloat, writeBytes } from './image-ops.js';
import type { ExampleArray, ExampleSet, ExampleSplit, GenerativeProcedure } from './schema.js';

export interface ProcedureExamples {
  /** The example set with the arrays the procedure reads (the originals kept). */
  prepare(examples: ExampleSet): ExampleSet;
  /** The engine's eval outputs → the problem's outputs on the full frame. */
  finish(examples: ExampleSet, outputs: Record<string, Float32Array>): Record<string, Float32Array>;
}

/** The arrays SeGAN crops, by the name of the crop. */
const SEGAN_CROPS = { cropOccluded: 'occluded', cropVisible: 'visible', cropFullMask: 'fullMask', cropFull: 'full' } as const;

function boxesOf(split: ExampleSplit, size: number): CropBox[] {
  const box = split.arrays.cropBox!.data;
  return Array.from({ length: split.count }, (_, i) => ({ x0: box[3 * i]!, y0: box[3 * i + 1]!, side: box[3 * i + 2]! }));
}

function cropSplit(split: ExampleSplit, size: number): ExampleSplit {
  if (split.arrays.cropBox) return split;
  const pixels = size * size;
  const visible = split.arrays.visible!.data;
  const boxes = Array.from({ length: split.count }, (_, i) => objectBox(visible.subarray(i * pixels, (i + 1) * pixels), size));
  const arrays: Record<string, ExampleArray> = {
    ...split.arrays,
    cropBox: { shape: [split.count, 3], data: Uint8Array.from(boxes.flatMap((b) => [b.x0, b.y0, b.side])) },
  };
  for (const [crop, name] of Object.entries(SEGAN_CROPS)) {
    const source = split.arrays[name]!;
    const channels = source.shape.at(-1)!;
    const len = pixels * channels;
    const data = new Uint8Array(source.data.length);
    boxes.forEach((box, i) =>
      writeBytes(cropToBox(toFloat(source.data.subarray(i * len, (i + 1) * len)), size, channels, box), data, i * len),
    );
    arrays[crop] = { shape: [...source.shape], data };
  }
  return { count: split.count, arrays };
}

const seganCrops: ProcedureExamples = {
  prepare: (examples) => ({
    ...examples,
    train: cropSplit(examples.train, examples.imageSize),
    eval: cropSplit(examples.eval, examples.imageSize),
  }),
  finish(examples, outputs) {
    const s = examples.imageSize;
    const c = examples.channels;
    const split = cropSplit(examples.eval, s);
    const occluded = split.arrays.occluded!.data;
    const mask = new Float32Array(outputs.mask!.length);
    const image = new Float32Array(outputs.image!.length);
    boxesOf(split, s).forEach((box, i) => {
      const [m, p] = [s * s, s * s * c];
      mask.set(pasteFromBox(outputs.mask!.subarray(i * m, (i + 1) * m), s, 1, box, new Float32Array(m)), i * m);
      image.set(
        pasteFromBox(outputs.image!.subarray(i * p, (i + 1) * p), s, c, box, toFloat(occluded.subarray(i * p, (i + 1) * p))),
        i * p,
      );
    });
    return { ...outputs, mask, image };
  },
};

const PROCEDURE_EXAMPLES: Partial<Record<GenerativeProcedure, ProcedureExamples>> = { segan: seganCrops };

/** The examples a procedure trains on (the same set when it adds nothing). */
export function examplesForProcedure(procedure: GenerativeProcedure, examples: ExampleSet): ExampleSet {
  return PROCEDURE_EXAMPLES[procedure]?.prepare(examples) ?? examples;
}

/** The problem's outputs from a procedure's raw eval outputs (the same when it changes nothing). */
export function outputsForProcedure(
  procedure: GenerativeProcedure,
  examples: ExampleSet,
  outputs: Record<string, Float32Array>,
): Record<string, Float32Array> {
  return PROCEDURE_EXAMPLES[procedure]?.finish(examples, outputs) ?? outputs;
}
