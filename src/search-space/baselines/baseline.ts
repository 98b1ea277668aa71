/**
 * What every hand-designed baseline offers: a named, cited IR builder. The
 * builders are generic (one per family: ResNet, DLA, …); a named configuration
 * such as `resnet-50` is a short declaration of arguments for one of them.
 *
 * @example
 * const entry = baselines.get('resnet-20-cifar');
 * const checked = entry.build({ inputShape: [28, 28, 1], classes: 10 });
 */
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import type { CheckedIr } from '../graph.js';

export interface BaselineOptions {
  /** Input image [H, W, C]; defaults to the configuration's (224×224×3 for ImageNet models, 32×32×3 for CIFAR ones). */
  inputShape?: [number, number, number];
  /** Classifier outputs; defaults to the configuration's (1000 or 10). */
  classes?: number;
}

export interface Baseline {
  /** The registry name, also the string a user types (`blockqnn inspect --baseline NAME`). */
  readonly name: string;
  readonly description: string;
  /** The paper the configuration comes from. */
  readonly citation: string;
  readonly defaults: { readonly inputShape: readonly [number, number, number]; readonly classes: number };
  /** Validates the options against the configuration, then builds and checks the IR. */
  build(options?: BaselineOptions): CheckedIr;
}

/** Throws INVALID_CONFIG naming the baseline, the field, its value and the rule it breaks. */
export function badConfig(name: string, field: string, value: unknown, rule: string, hint?: string): never {
  throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `baseline ${name}: ${field} = ${JSON.stringify(value)}: ${rule}`, {
    details: { baseline: name, field, value, rule },
    ...(hint ? { hint } : {}),
  });
}

/** Fills in the defaults and checks the input shape and class count; `totalStride` is how much the network shrinks the image. */
export function resolveOptions(
  name: string,
  defaults: Baseline['defaults'],
  options: BaselineOptions,
  totalStride: number,
): { inputShape: [number, number, number]; classes: number } {
  const inputShape = options.inputShape ?? ([...defaults.inputShape] as [number, number, number]);
  const classes = options.classes ?? defaults.classes;
  if (!Array.isArray(inputShape) || inputShape.length !== 3 || !inputShape.every((d) => Number.isInteger(d) && d > 0)) {
    badConfig(name, 'inputShape', inputShape, 'must be [H, W, C] of positive integers');
  }
  if (!Number.isInteger(classes) || classes < 1) badConfig(name, 'classes', classes, 'must be a positive integer');
  const [h, w] = inputShape;
  if (h < totalStride || w < totalStride) {
    const halvings = Math.round(Math.log2(totalStride));
    badConfig(
      name,
      'inputShape',
      inputShape,
      `${h}x${w} is too small: the network halves the image ${halvings} times (total stride ${totalStride}), so height and width must be at least ${totalStride}`,
      `use an input of at least ${totalStride}x${totalStride}, or a CIFAR-scale variant`,
    );
  }
  return { inputShape, classes };
}
