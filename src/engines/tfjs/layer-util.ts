/** Helpers and types shared by the custom layers. */
import type { Shape, layers, serialization } from '@tensorflow/tfjs';

/** Constructor arguments every layer takes. */
export interface LayerBase {
  name?: string;
  trainable?: boolean;
}

/**
 * A custom layer class as seen from outside its factory. The classes themselves
 * are local to functions (they must extend the loaded namespace's Layer), and a
 * declaration file cannot name an anonymous class type, so factories return this.
 */
export interface LayerClass<Args extends LayerBase> {
  new (args: Args): layers.Layer;
  readonly className: string;
}

/** The single tensor a one-input layer receives (tfjs may pass it wrapped in an array). */
export const single = <T>(value: T | T[]): T => (Array.isArray(value) ? value[0]! : value);

/** The first shape of a layer's input shape(s); a Shape is itself an array, so look one level deeper. */
export function firstShape(shape: Shape | Shape[]): Shape {
  return Array.isArray(shape[0]) ? (shape[0] as Shape) : (shape as Shape);
}

/** Copies a layer's arguments into a JSON config, leaving out what the base Layer already writes. */
export function configOf(args: LayerBase & object): serialization.ConfigDict {
  const { name: _name, trainable: _trainable, ...rest } = args;
  return JSON.parse(JSON.stringify(rest)) as serialization.ConfigDict;
}
