/** The sample grid of shape-guided results: the Variational U-Net's extra rows appear only when its outputs are there. */
import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { buildExamples } from '../../../src/task/image2image/examples.js';
import { sampleGrid } from '../../../src/task/image2image/sample-grid.js';
import { PROCEDURE_EXTRA_OUTPUTS } from '../../../src/task/image2image/schema.js';
import { mnistSource } from './fixtures.js';

describe('sampleGrid on shape-guided', () => {
  it('adds the reconstruction and the prior sample rows for vunet outputs, and only then', async () => {
    const examples = buildExamples({ problem: 'shape-guided', imageSize: 16, examples: { train: 8, eval: 8 } }, await mnistSource(), 1);
    const image = (value: number) => new Float32Array(8 * 16 * 16).fill(value);
    const plain = sampleGrid(examples, { image: image(0.5) });
    expect(plain.rows).toEqual(['input shape', 'input appearance', 'output', 'target']);
    expect(Object.keys(PROCEDURE_EXTRA_OUTPUTS('vunet', 1)).sort()).toEqual(['prior', 'reconstruction']);
    const vunet = sampleGrid(examples, { image: image(0.5), reconstruction: image(1), prior: image(0) });
    expect(vunet.rows).toEqual([
      'input shape',
      'input appearance',
      'output',
      'target',
      'reconstruction (appearance)',
      'prior sample (input shape)',
    ]);
    // Row 5 is the reconstruction (white), row 6 the prior sample (black): each row draws its own output.
    const png = PNG.sync.read(Buffer.from(vunet.pngBase64, 'base64'));
    const pixel = (row: number) => png.data[row * 17 * png.width * 4]!;
    expect([pixel(2), pixel(4), pixel(5)]).toEqual([128, 255, 0]);
  });
});
