/**
 * The sample grid of an image-to-image candidate: a few eval examples side by side, one
 * row per image kind (the input, what the network made, the ground truth), as one PNG the
 * dashboard shows. Rows per problem are chosen so a reader can judge the output at a glance:
 * what the network saw, what it produced, what it should have produced.
 */
import { PNG } from 'pngjs';
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import type { SampleGrid } from '../../common/sample-grid.js';
import { type ExampleSet, type Image2ImageProblem, PROBLEM_OUTPUTS } from './schema.js';

/** One row: a label and where its images come from (an eval array of the examples, or an engine output). */
interface RowSource {
  label: string;
  from: 'example' | 'output';
  name: string;
  /** An output only some procedures give (PROCEDURE_EXTRA_OUTPUTS, image channels); the row is left out without it. */
  optional?: true;
}

const ROWS: Readonly<Record<Image2ImageProblem, readonly RowSource[]>> = {
  'amodal-completion': [
    { label: 'input (occluded)', from: 'example', name: 'occluded' },
    { label: 'output image', from: 'output', name: 'image' },
    { label: 'target image', from: 'example', name: 'full' },
    { label: 'output mask', from: 'output', name: 'mask' },
    { label: 'target mask', from: 'example', name: 'fullMask' },
  ],
  'domain-translation': [
    { label: 'input (source domain)', from: 'example', name: 'source' },
    { label: 'output (target domain)', from: 'output', name: 'image' },
    { label: 'target', from: 'example', name: 'target' },
    { label: 'cycle (back to source)', from: 'output', name: 'cycle' },
  ],
  'style-transfer': [
    { label: 'input (plain)', from: 'example', name: 'plain' },
    { label: 'style reference', from: 'example', name: 'reference' },
    { label: 'output (style applied)', from: 'output', name: 'applied' },
    { label: 'target (styled)', from: 'example', name: 'styled' },
    { label: 'output (style removed)', from: 'output', name: 'removed' },
  ],
  'shape-guided': [
    { label: 'input shape', from: 'example', name: 'shape' },
    { label: 'input appearance', from: 'example', name: 'appearance' },
    { label: 'output', from: 'output', name: 'image' },
    { label: 'target', from: 'example', name: 'target' },
    // The Variational U-Net's: the appearance image rebuilt from its own shape and appearance, and A's shape with z from the prior.
    { label: 'reconstruction (appearance)', from: 'output', name: 'reconstruction', optional: true },
    { label: 'prior sample (input shape)', from: 'output', name: 'prior', optional: true },
  ],
  'introspective-synthesis': [
    { label: 'samples', from: 'output', name: 'samples' },
    { label: 'real images', from: 'example', name: 'real' },
  ],
};

export type { SampleGrid } from '../../common/sample-grid.js';

/** Pixels between tiles. */
const GAP = 1;

/**
 * Draws the first `columns` eval examples of each row. Example arrays are bytes, outputs
 * floats in [0, 1]; grey and one-channel tiles are drawn grey, three channels as RGB.
 */
export function sampleGrid(examples: ExampleSet, outputs: Record<string, Float32Array>, columns = 8): SampleGrid {
  const rows = ROWS[examples.problem].filter((row) => !row.optional || row.name in outputs);
  const side = examples.imageSize;
  const outputChannels = PROBLEM_OUTPUTS(examples.problem, examples.channels);
  const available = Math.min(columns, examples.eval.count);
  const tiles = rows.map((row) => {
    if (row.from === 'example') {
      const array = examples.eval.arrays[row.name];
      if (!array)
        throw new BlockqnnError(ErrorCode.INTERNAL, `sample grid: the ${examples.problem} examples have no eval array "${row.name}"`);
      const channels = array.shape[3] ?? 1;
      return (i: number, p: number, c: number) => array.data[(i * side * side + p) * channels + Math.min(c, channels - 1)]! / 255;
    }
    const data = outputs[row.name];
    const channels = outputChannels[row.name] ?? (row.optional ? examples.channels : undefined);
    if (!data || channels === undefined)
      throw new BlockqnnError(ErrorCode.INTERNAL, `sample grid: the engine returned no output "${row.name}" for ${examples.problem}`);
    return (i: number, p: number, c: number) => data[(i * side * side + p) * channels + Math.min(c, channels - 1)]!;
  });
  const width = available * (side + GAP) - GAP;
  const height = rows.length * (side + GAP) - GAP;
  const png = new PNG({ width, height });
  png.data.fill(255);
  const byte = (x: number) => (Number.isFinite(x) ? Math.round(Math.min(1, Math.max(0, x)) * 255) : 0);
  tiles.forEach((pixel, r) => {
    for (let i = 0; i < available; i++) {
      for (let y = 0; y < side; y++) {
        for (let x = 0; x < side; x++) {
          const at = ((r * (side + GAP) + y) * width + i * (side + GAP) + x) * 4;
          const p = y * side + x;
          png.data[at] = byte(pixel(i, p, 0));
          png.data[at + 1] = byte(pixel(i, p, 1));
          png.data[at + 2] = byte(pixel(i, p, 2));
          png.data[at + 3] = 255;
        }
      }
    }
  });
  return { pngBase64: PNG.sync.write(png).toString('base64'), rows: rows.map((r) => r.label), columns: available, tile: side };
}
