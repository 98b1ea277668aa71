/**
 * The fixed, seeded examples of each image-to-image problem, made from real dataset images
 * (MNIST and Fashion-MNIST grey 28 × 28, CIFAR-10 RGB 32 × 32). Same task, source and seed →
 * the same bytes, in TypeScript; Python reads them from the cache file (cache.ts), never
 * regenerates them.
 *
 * Selection: `order = permutation(source.count, seed)` (src/datasets/prng.ts); the train split's
 * base images are `order[0 .. train)`, the eval split's the last `eval` entries, so the two never
 * share an image and neither depends on the other's size. Each split draws its own stream
 * (mulberry32 of the seed mixed with the split), in base order, for everything random below.
 * A second image an example needs (a reference, an appearance) is another base of the same split.
 *
 * Size: images are resized to imageSize × imageSize with the dataset module's `area` filter
 * (OpenCV INTER_AREA; 28 → 16 averages overlapping boxes). Everything is drawn at that size except
 * the translation domains, which are rendered at the native size first and then resized, so
 * the 3 × 3 morphology acts on strokes that are several pixels wide.
 *
 * Per problem (N examples, S = imageSize, C = dataset channels; masks 0/255, images bytes):
 * - amodal-completion: `full` [N,S,S,C] the image; `fullMask` [N,S,S,1] its object mask
 *   (luminance > OBJECT_THRESHOLD = 0.2); one or two occluders (each a bar across the image,
 *   2..S/5+1 thick, or a rectangle of side S/4..S/2, centred inside the object's bounding box),
 *   redrawn up to 8 times until some object pixels stay visible and some are hidden;
 *   `occluded` [N,S,S,C] = full with the occluders painted flat grey 0.5 (the background of
 *   MNIST / Fashion-MNIST is black); `visible` [N,S,S,1] = fullMask ∧ ¬occluder.
 * - domain-translation: three domains of the same base image b: 0 thin = erosion of b (3-pixel
 *   L element), 1 bold = dilation of b (3 × 3 cross), per channel (image-ops.ts morphology),
 *   2 low contrast = 0.3 + 0.4·b;
 *   `sourceDomain` [N] uniform, `targetDomain` [N] uniform among the other two; `source` and
 *   `target` [N,S,S,C] = b rendered in each; `labelSet` [N] = 0.
 *   With task.secondDataset (StarGAN's multi-dataset training), each split also holds as many
 *   examples of the second dataset after the first's, in the second label set (schema.ts
 *   SECOND_LABEL_SET_DOMAINS: 0 plain, 1 inverted, 2 dim, as global domains 3, 4, 5, rendered at
 *   imageSize), with `labelSet` 1; they are selected and drawn exactly as the first's, from
 *   the second dataset's own permutation and streams (seed mixed with SECOND_SET_SEED).
 * - style-transfer: STYLE_COUNT = 4 styles (image-ops.ts stylePattern: horizontal stripes,
 *   vertical stripes, dots, checker), a style moves each marked pixel halfway to white; `style`
 *   [N] uniform; `plain` [N,S,S,C] the image; `styled` = plain wearing the style (apply target,
 *   remove input); `reference` = another image of the split wearing the same style;
 *   `plainRegion`, `referenceRegion` [N,S,S,1]: the object masks of plain (and so of styled) and of
 *   the reference's image before styling (PairedCycleGAN's regions: object and background).
 * - shape-guided: A = the base, B = another image of the split of a different class where one
 *   is found in 8 draws; `shape` [N,S,S,1] = A's object mask (silhouette); `appearance` = B;
 *   `target` [N,S,S,C] = B's mean object colour inside A's silhouette and B's mean background
 *   colour outside it (means over B's own object mask and its complement): A's shape in B's
 *   appearance, exactly determined by the two inputs; `appearanceShape` [N,S,S,1] = B's own
 *   object mask, the shape estimate of B that the Variational U-Net reconstructs B from.
 * - introspective-synthesis: `real` [N,S,S,C] the images, `label` [N] their classes.
 */
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import { mulberry32, permutation } from '../../datasets/prng.js';
import { resizeImages } from '../../datasets/transform.js';
import type { ImageShape } from '../../datasets/types.js';
import { applyStyle, boundingBox, maskedMean, morphology, objectMask, toFloat, writeBytes } from './image-ops.js';
import type { Rect } from './image-ops.js';
import { domainsFor, SECOND_LABEL_SET_DOMAINS, STYLE_COUNT, TRANSLATION_DOMAINS } from './schema.js';
import type { ExampleArray, ExampleSet, ExampleSplit, Image2ImageTask } from './schema.js';

/** The images examples are made from: one split of a loaded dataset (bytes, N × H × W × C). */
export interface ExampleSource {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  shape: ImageShape;
}

/** What buildExamples reads of a task. */
export type ExampleTask = Pick<Image2ImageTask, 'problem' | 'imageSize' | 'examples'> & Partial<Pick<Image2ImageTask, 'secondDataset'>>;

/** Mixed into the seed for the second dataset's selection and streams, so its examples never repeat the first's draws. */
const SECOND_SET_SEED = 0x5eca2d;

/** Flat grey of the amodal occluders. */
export const OCCLUDER_GREY = 0.5;

/** Everything a problem's generator needs for one split. */
interface SplitContext {
  readonly n: number;
  readonly size: number;
  readonly channels: number;
  readonly labels: Uint8Array;
  /** A uniform draw in [0, 1) from the split's stream. */
  readonly uniform: () => number;
  /** Base image i at imageSize, floats. */
  small(i: number): Float32Array;
  /** Base image i at the source's size, floats (translation renders there). */
  native(i: number): Float32Array;
  /** Resizes a native-size float image to imageSize. */
  shrink(image: Float32Array): Float32Array;
}

type Arrays = Record<string, ExampleArray>;

function imageArray(n: number, size: number, channels: number): ExampleArray {
  return { shape: [n, size, size, channels], data: new Uint8Array(n * size * size * channels) };
}

function labelArray(n: number): ExampleArray {
  return { shape: [n], data: new Uint8Array(n) };
}

/** Another base of the split than i; with `differentLabel`, one of another class if 8 draws find one. */
function partner(ctx: SplitContext, i: number, differentLabel: boolean): number {
  let j = i;
  for (let attempt = 0; attempt < 8; attempt++) {
    j = (i + 1 + Math.floor(ctx.uniform() * (ctx.n - 1))) % ctx.n;
    if (!differentLabel || ctx.labels[j] !== ctx.labels[i]) break;
  }
  return j;
}

function drawOccluder(ctx: SplitContext, box: Rect, into: Uint8Array): void {
  const { size, uniform } = ctx;
  const cx = box.x0 + Math.floor(uniform() * (box.x1 - box.x0));
  const cy = box.y0 + Math.floor(uniform() * (box.y1 - box.y0));
  let rect: Rect;
  if (uniform() < 0.5) {
    const thick = 2 + Math.floor(uniform() * Math.floor(size / 5));
    const start = (c: number) => Math.max(0, c - (thick >> 1));
    rect =
      uniform() < 0.5
        ? { x0: 0, x1: size, y0: start(cy), y1: start(cy) + thick }
        : { y0: 0, y1: size, x0: start(cx), x1: start(cx) + thick };
  } else {
    const side = () => Math.floor(size / 4) + Math.floor(uniform() * (Math.floor(size / 4) + 1));
    const w = side();
    const h = side();
    rect = { x0: Math.max(0, cx - (w >> 1)), y0: Math.max(0, cy - (h >> 1)), x1: cx - (w >> 1) + w, y1: cy - (h >> 1) + h };
  }
  for (let y = rect.y0; y < Math.min(size, rect.y1); y++) into.fill(1, y * size + rect.x0, y * size + Math.min(size, rect.x1));
}

function amodal(ctx: SplitContext): Arrays {
  const { n, size: s, channels: c } = ctx;
  const out = { occluded: imageArray(n, s, c), visible: imageArray(n, s, 1), fullMask: imageArray(n, s, 1), full: imageArray(n, s, c) };
  const pixels = s * s;
  for (let i = 0; i < n; i++) {
    const full = ctx.small(i);
    const mask = objectMask(full, c);
    const box = boundingBox(mask, s) ?? { x0: 0, y0: 0, x1: s, y1: s };
    let occluder = new Uint8Array(pixels);
    for (let attempt = 0; attempt < 8; attempt++) {
      occluder = new Uint8Array(pixels);
      const count = ctx.uniform() < 0.5 ? 1 : 2;
      for (let k = 0; k < count; k++) drawOccluder(ctx, box, occluder);
      let hidden = 0;
      let shown = 0;
      for (let p = 0; p < pixels; p++) if (mask[p]) occluder[p] ? hidden++ : shown++;
      if (hidden > 0 && shown > 0) break;
    }
    const occluded = new Float32Array(full);
    for (let p = 0; p < pixels; p++) {
      if (occluder[p]) occluded.fill(OCCLUDER_GREY, p * c, (p + 1) * c);
      out.fullMask.data[i * pixels + p] = mask[p] ? 255 : 0;
      out.visible.data[i * pixels + p] = mask[p] && !occluder[p] ? 255 : 0;
    }
    writeBytes(full, out.full.data, i * pixels * c);
    writeBytes(occluded, out.occluded.data, i * pixels * c);
  }
  return out;
}

/** Base image rendered in a translation domain (see the file header). */
export function renderDomain(image: Float32Array, size: number, channels: number, domain: number): Float32Array {
  if (domain === 0) return morphology(image, size, channels, 'erode');
  if (domain === 1) return morphology(image, size, channels, 'dilate');
  return image.map((v) => 0.3 + 0.4 * v);
}

/** A base image rendered in a domain of the second label set (0 plain, 1 inverted, 2 dim). */
export function renderSecondSet(image: Float32Array, domain: number): Float32Array {
  if (domain === 0) return image;
  return domain === 1 ? image.map((v) => 1 - v) : image.map((v) => 0.5 * v);
}

function translation(ctx: SplitContext, nativeSize: number, labelSet: 0 | 1): Arrays {
  const { n, size: s, channels: c } = ctx;
  const out = {
    source: imageArray(n, s, c),
    sourceDomain: labelArray(n),
    targetDomain: labelArray(n),
    target: imageArray(n, s, c),
    labelSet: labelArray(n),
  };
  const len = s * s * c;
  const domains = labelSet === 0 ? TRANSLATION_DOMAINS : SECOND_LABEL_SET_DOMAINS;
  const offset = labelSet === 0 ? 0 : TRANSLATION_DOMAINS;
  out.labelSet.data.fill(labelSet);
  for (let i = 0; i < n; i++) {
    const from = Math.floor(ctx.uniform() * domains);
    const to = (from + 1 + Math.floor(ctx.uniform() * (domains - 1))) % domains;
    out.sourceDomain.data[i] = offset + from;
    out.targetDomain.data[i] = offset + to;
    if (labelSet === 0) {
      const base = ctx.native(i);
      writeBytes(ctx.shrink(renderDomain(base, nativeSize, c, from)), out.source.data, i * len);
      writeBytes(ctx.shrink(renderDomain(base, nativeSize, c, to)), out.target.data, i * len);
    } else {
      const base = ctx.small(i);
      writeBytes(renderSecondSet(base, from), out.source.data, i * len);
      writeBytes(renderSecondSet(base, to), out.target.data, i * len);
    }
  }
  return out;
}

function style(ctx: SplitContext): Arrays {
  const { n, size: s, channels: c } = ctx;
  const out = {
    plain: imageArray(n, s, c),
    reference: imageArray(n, s, c),
    styled: imageArray(n, s, c),
    style: labelArray(n),
    plainRegion: imageArray(n, s, 1),
    referenceRegion: imageArray(n, s, 1),
  };
  const len = s * s * c;
  const pixels = s * s;
  for (let i = 0; i < n; i++) {
    const k = Math.floor(ctx.uniform() * STYLE_COUNT);
    const plain = ctx.small(i);
    const other = ctx.small(partner(ctx, i, false));
    out.style.data[i] = k;
    writeBytes(plain, out.plain.data, i * len);
    writeBytes(applyStyle(plain, s, c, k), out.styled.data, i * len);
    writeBytes(applyStyle(other, s, c, k), out.reference.data, i * len);
    // Regions come from the images before styling: a style repaints pixels but moves no object.
    const [own, theirs] = [objectMask(plain, c), objectMask(other, c)];
    for (let p = 0; p < pixels; p++) {
      out.plainRegion.data[i * pixels + p] = own[p] ? 255 : 0;
      out.referenceRegion.data[i * pixels + p] = theirs[p] ? 255 : 0;
    }
  }
  return out;
}

/** A's silhouette in B's appearance (see the file header); exported for the tests' hand check. */
export function shapeTarget(shape: Uint8Array, appearance: Float32Array, channels: number): Float32Array {
  const own = objectMask(appearance, channels);
  const foreground = maskedMean(appearance, own, channels, own.includes(1) ? 1 : 0);
  const background = maskedMean(appearance, own, channels, own.includes(0) ? 0 : 1);
  const out = new Float32Array(appearance.length);
  for (let p = 0; p < shape.length; p++) out.set(shape[p] ? foreground : background, p * channels);
  return out;
}

function shapeGuided(ctx: SplitContext): Arrays {
  const { n, size: s, channels: c } = ctx;
  const out = {
    shape: imageArray(n, s, 1),
    appearance: imageArray(n, s, c),
    target: imageArray(n, s, c),
    appearanceShape: imageArray(n, s, 1),
  };
  const pixels = s * s;
  for (let i = 0; i < n; i++) {
    const shape = objectMask(ctx.small(i), c);
    const appearance = ctx.small(partner(ctx, i, true));
    const ownShape = objectMask(appearance, c);
    for (let p = 0; p < pixels; p++) {
      out.shape.data[i * pixels + p] = shape[p] ? 255 : 0;
      out.appearanceShape.data[i * pixels + p] = ownShape[p] ? 255 : 0;
    }
    writeBytes(appearance, out.appearance.data, i * pixels * c);
    writeBytes(shapeTarget(shape, appearance, c), out.target.data, i * pixels * c);
  }
  return out;
}

function synthesis(ctx: SplitContext): Arrays {
  const { n, size: s, channels: c } = ctx;
  const out = { real: imageArray(n, s, c), label: labelArray(n) };
  for (let i = 0; i < n; i++) {
    writeBytes(ctx.small(i), out.real.data, i * s * s * c);
    out.label.data[i] = ctx.labels[i]!;
  }
  return out;
}

function buildSplit(task: ExampleTask, source: ExampleSource, bases: Uint32Array, streamSeed: number, labelSet: 0 | 1 = 0): ExampleSplit {
  const [h, w, c] = source.shape;
  const s = task.imageSize;
  const len = h * w * c;
  const gathered = new Uint8Array(bases.length * len);
  const labels = new Uint8Array(bases.length);
  bases.forEach((from, to) => {
    gathered.set(source.images.subarray(from * len, (from + 1) * len), to * len);
    labels[to] = source.labels[from]!;
  });
  const resized = resizeImages({ images: gathered, labels, count: bases.length }, source.shape, s, s, 'area').images;
  const next = mulberry32(streamSeed);
  const ctx: SplitContext = {
    n: bases.length,
    size: s,
    channels: c,
    labels,
    uniform: () => next() / 4294967296,
    small: (i) => toFloat(resized.subarray(i * s * s * c, (i + 1) * s * s * c)),
    native: (i) => toFloat(gathered.subarray(i * len, (i + 1) * len)),
    shrink: (image) => {
      const bytes = new Uint8Array(image.length);
      writeBytes(image, bytes, 0);
      return toFloat(resizeImages({ images: bytes, labels: labels.subarray(0, 1), count: 1 }, source.shape, s, s, 'area').images);
    },
  };
  const arrays =
    task.problem === 'amodal-completion'
      ? amodal(ctx)
      : task.problem === 'domain-translation'
        ? translation(ctx, h, labelSet)
        : task.problem === 'style-transfer'
          ? style(ctx)
          : task.problem === 'shape-guided'
            ? shapeGuided(ctx)
            : synthesis(ctx);
  return { count: bases.length, arrays };
}

/** Concatenates two splits' arrays along the batch axis. */
function concatSplits(a: ExampleSplit, b: ExampleSplit): ExampleSplit {
  const arrays: Record<string, ExampleArray> = {};
  for (const [name, x] of Object.entries(a.arrays)) {
    const y = b.arrays[name]!;
    const data = new Uint8Array(x.data.length + y.data.length);
    data.set(x.data);
    data.set(y.data, x.data.length);
    arrays[name] = { shape: [x.shape[0]! + y.shape[0]!, ...x.shape.slice(1)], data };
  }
  return { count: a.count + b.count, arrays };
}

function checkSource(task: ExampleTask, source: ExampleSource, field: string): void {
  const [h, w, c] = source.shape;
  const { train, eval: evalCount } = task.examples;
  if (h !== w || (c !== 1 && c !== 3)) {
    throw new BlockqnnError(
      ErrorCode.INVALID_INPUT,
      `image-to-image examples need square images with 1 or 3 channels, got ${h}×${w}×${c} (${field})`,
      {
        hint: 'use mnist, fashion-mnist or cifar10 (optionally with dataset.channels 1 or 3)',
      },
    );
  }
  if (train + evalCount > source.count) {
    throw new BlockqnnError(
      ErrorCode.INVALID_CONFIG,
      `${task.problem} needs ${train} train + ${evalCount} eval images, the ${field} split holds ${source.count}`,
      {
        hint: 'lower examples.train / examples.eval, or drop dataset.subset / use a larger dataset',
      },
    );
  }
}

/** The train and eval splits of one source: disjoint bases from its seeded permutation (see the file header). */
function splitsOf(task: ExampleTask, source: ExampleSource, seed: number, labelSet: 0 | 1): { train: ExampleSplit; eval: ExampleSplit } {
  const { train, eval: evalCount } = task.examples;
  const order = permutation(source.count, seed >>> 0);
  return {
    train: buildSplit(task, source, order.subarray(0, train), (seed ^ 0x9e3779b9) >>> 0, labelSet),
    eval: buildSplit(task, source, order.subarray(source.count - evalCount), (seed ^ 0x85ebca6b) >>> 0, labelSet),
  };
}

/**
 * Builds a task's train and eval examples from a dataset split (see the file header); `second` is
 * task.secondDataset's split, required exactly when the task names one.
 */
export function buildExamples(task: ExampleTask, source: ExampleSource, seed: number, second?: ExampleSource): ExampleSet {
  checkSource(task, source, 'dataset');
  const c = source.shape[2];
  let classes = 0;
  for (let i = 0; i < source.count; i++) classes = Math.max(classes, source.labels[i]! + 1);
  const first = splitsOf(task, source, seed, 0);
  if (task.secondDataset === undefined) {
    return { problem: task.problem, imageSize: task.imageSize, channels: c, domains: domainsFor(task.problem, classes), ...first };
  }
  if (!second) {
    throw new BlockqnnError(
      ErrorCode.INVALID_INPUT,
      `the task names secondDataset ${task.secondDataset.name} but no images of it were given`,
      {
        hint: "load task.secondDataset's training split and pass it to buildExamples (loadExamples does)",
      },
    );
  }
  checkSource(task, second, 'secondDataset');
  if (second.shape[2] !== c) {
    throw new BlockqnnError(
      ErrorCode.INVALID_CONFIG,
      `secondDataset ${task.secondDataset.name} has ${second.shape[2]}-channel images, the dataset ${c}-channel ones`,
      {
        hint: `use a second dataset with ${c}-channel images, or set secondDataset.channels to ${c}`,
      },
    );
  }
  const other = splitsOf(task, second, (seed ^ SECOND_SET_SEED) >>> 0, 1);
  return {
    problem: task.problem,
    imageSize: task.imageSize,
    channels: c,
    domains: domainsFor(task.problem, classes, 2),
    labelSets: 2,
    train: concatSplits(first.train, other.train),
    eval: concatSplits(first.eval, other.eval),
  };
}
