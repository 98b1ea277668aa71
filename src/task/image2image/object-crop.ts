/**
 * SeGAN's crop around the object (Ehsani, Mottaghi, Farhadi, "SeGAN: Segmenting and Generating
 * the Invisible", CVPR 2018): the segmentor and the generator work on the object's box, pooled
 * to the network's input (the paper's ROI pooling), not on the whole frame; the amodal task
 * scores the full frame, so the outputs are pasted back into it.
 *
 * The box is what is known at test time: the bounding box of the `visible` mask, grown by
 * CROP_MARGIN of its longer side on every side (the invisible part lies beyond the visible
 * box where an occluder cuts the object's end), made square and shifted inside the frame.
 * Crops are bilinear with pixel centres aligned (a crop pixel j samples the frame at
 * x0 + (j + ½)·side / S − ½, clamped to the frame); pasting samples the crop at the inverse
 * position for every frame pixel inside the box. Outside the box the pasted mask is 0 (the
 * visible mask lies inside it) and the pasted image is the input (occluded) image.
 *
 * Both engines read the same crops: they are made here, in TypeScript, once per training
 * (procedure-examples.ts adds them to the example set before an engine sees it).
 */
import { boundingBox } from './image-ops.js';

/** Growth of the visible box on each side, as a fraction of its longer side. */
export const CROP_MARGIN = 0.25;

/** A square box in frame pixels: [x0, x0 + side) × [y0, y0 + side), inside the frame. */
export interface CropBox {
  x0: number;
  y0: number;
  side: number;
}

/** The crop box of one example from its visible mask (1 / 0 or bytes, per pixel); the whole frame when nothing is visible. */
export function objectBox(visible: ArrayLike<number>, size: number): CropBox {
  const mask = Uint8Array.from({ length: size * size }, (_, p) => (visible[p]! > 0.5 ? 1 : 0));
  const rect = boundingBox(mask, size);
  if (!rect) return { x0: 0, y0: 0, side: size };
  const longer = Math.max(rect.x1 - rect.x0, rect.y1 - rect.y0);
  const side = Math.min(size, Math.ceil(longer * (1 + 2 * CROP_MARGIN)));
  const place = (from: number, to: number) => Math.min(size - side, Math.max(0, Math.round((from + to) / 2 - side / 2)));
  return { x0: place(rect.x0, rect.x1), y0: place(rect.y0, rect.y1), side };
}

/** Bilinear sample of an S×S×C image at (y, x) in pixel coordinates, clamped to the image, into out[at..at+C). */
function sample(image: Float32Array, size: number, channels: number, y: number, x: number, out: Float32Array, at: number): void {
  const cy = Math.min(size - 1, Math.max(0, y));
  const cx = Math.min(size - 1, Math.max(0, x));
  const y0 = Math.floor(cy);
  const x0 = Math.floor(cx);
  const y1 = Math.min(size - 1, y0 + 1);
  const x1 = Math.min(size - 1, x0 + 1);
  const fy = cy - y0;
  const fx = cx - x0;
  for (let c = 0; c < channels; c++) {
    const v = (yy: number, xx: number) => image[(yy * size + xx) * channels + c]!;
    out[at + c] = (1 - fy) * ((1 - fx) * v(y0, x0) + fx * v(y0, x1)) + fy * ((1 - fx) * v(y1, x0) + fx * v(y1, x1));
  }
}

/** The box of an S×S×C frame resized to S×S×C (the network's input). */
export function cropToBox(frame: Float32Array, size: number, channels: number, box: CropBox): Float32Array {
  const out = new Float32Array(size * size * channels);
  const scale = box.side / size;
  for (let j = 0; j < size; j++) {
    for (let i = 0; i < size; i++)
      sample(frame, size, channels, box.y0 + (j + 0.5) * scale - 0.5, box.x0 + (i + 0.5) * scale - 0.5, out, (j * size + i) * channels);
  }
  return out;
}

/** A crop pasted back into its box of an S×S×C frame; pixels outside the box take `outside`'s values. */
export function pasteFromBox(crop: Float32Array, size: number, channels: number, box: CropBox, outside: Float32Array): Float32Array {
  const out = Float32Array.from(outside);
  const scale = size / box.side;
  for (let y = box.y0; y < box.y0 + box.side; y++) {
    for (let x = box.x0; x < box.x0 + box.side; x++)
      sample(crop, size, channels, (y + 0.5 - box.y0) * scale - 0.5, (x + 0.5 - box.x0) * scale - 0.5, out, (y * size + x) * channels);
  }
  return out;
}
