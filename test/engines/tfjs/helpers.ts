/** Shared set-up for the tfjs engine tests: the loaded namespace, tiny IRs and a seeded block generator. */
import {
  type CheckedIr,
  IrBuilder,
  INPUT_ID,
  type NscBlock,
  type NscLayer,
  LayerType,
  ALLOWED_KERNELS,
  validateBlock,
  networkCost,
} from '../../../src/search-space/index.js';
import { mulberry32 } from '../../../src/datasets/prng.js';
import { type Tfjs, compileIr, loadTfjs, trainableParams, type CompiledIr } from '../../../src/engines/tfjs/index.js';

export const logLines: string[] = [];

/** The tfjs namespace as the engine loads it (logging into logLines, not stderr). */
export async function tfjs(): Promise<Tfjs> {
  return (await loadTfjs({ logger: (line) => logLines.push(line) })).tf;
}

/** Floats in [0, 1) from the datasets module's mulberry32 stream: seeded test data and architectures. */
export function prng(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 4294967296;
}

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

/** A random valid NSC block of 1–`maxLayers` layers plus the terminal. */
export function randomBlock(seed: number, maxLayers = 6): NscBlock {
  const random = prng(seed);
  const count = 1 + Math.floor(random() * maxLayers);
  const layers: NscLayer[] = [];
  for (let index = 1; index <= count; index++) {
    const binaryPossible = index >= 2;
    const types = binaryPossible ? [1, 2, 3, 4, 5, 6] : [1, 2, 3, 4];
    const type = pick(random, types) as NscLayer['type'];
    const pred1 = Math.floor(random() * index);
    let pred2 = 0;
    if (type === LayerType.add || type === LayerType.concat) {
      do pred2 = Math.floor(random() * index);
      while (pred2 === pred1);
    }
    layers.push({ index, type, kernel: pick(random, ALLOWED_KERNELS[type]), pred1, pred2 });
  }
  layers.push({ index: count + 1, type: LayerType.terminal, kernel: 0, pred1: 0, pred2: 0 });
  return validateBlock(layers);
}

/** A one-node network around `build`, for testing a single op. */
export function singleOp(inputShape: [number, number, number], build: (b: IrBuilder, x: string) => string): CheckedIr {
  const b = new IrBuilder('single-op', inputShape);
  return b.build(build(b, INPUT_ID));
}

/** Model output shape without the batch axis. */
export function outputShape(compiled: CompiledIr): number[] {
  const shape = compiled.model.outputs[0]!.shape;
  return shape.slice(1) as number[];
}

/** Compiles and checks the two invariants every IR must keep: output shape and parameter count. */
export async function compileChecked(
  checked: CheckedIr,
): Promise<{ compiled: CompiledIr; expectedShape: number[]; params: number; expectedParams: number }> {
  const tf = await tfjs();
  const compiled = compileIr(tf, checked);
  return {
    compiled,
    expectedShape: [...checked.shapes.get(checked.ir.output)!],
    params: trainableParams(compiled.model),
    expectedParams: networkCost(checked).params,
  };
}

/** A deterministic random batch: images in [-1, 1) and one-hot labels. */
export function randomBatch(tf: Tfjs, seed: number, batch: number, shape: readonly number[], classes: number) {
  const random = prng(seed);
  const size = batch * shape.reduce((a, b) => a * b, 1);
  const x = tf.tensor(
    Float32Array.from({ length: size }, () => random() * 2 - 1),
    [batch, ...shape],
  );
  const labels = Array.from({ length: batch }, (_, i) => i % classes);
  const y = tf.oneHot(tf.tensor1d(labels, 'int32'), classes).toFloat();
  return { x, y };
}
