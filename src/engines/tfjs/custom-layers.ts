/**
 * The engine's custom tfjs layers, defined once per tfjs namespace (the classes
 * must extend that namespace's Layer) and registered with tf.serialization so a
 * saved model loads back with `tf.loadLayersModel` once `customLayers(tf)` has run.
 */
import type { serialization } from '@tensorflow/tfjs';
import type { Tfjs } from './backend.js';
import { type ConvLayers, defineConvLayers } from './layers-conv.js';
import { type DppLayers, defineDppLayers } from './layers-dpp.js';
import { type MiscLayers, defineMiscLayers } from './layers-misc.js';
import { type SpatialLayers, defineSpatialLayers } from './layers-spatial.js';

export type CustomLayers = ConvLayers & SpatialLayers & MiscLayers & DppLayers;

const byNamespace = new WeakMap<Tfjs, CustomLayers>();

/** The custom layer classes for `tf`, registered for serialisation on first use. */
export function customLayers(tf: Tfjs): CustomLayers {
  let classes = byNamespace.get(tf);
  if (!classes) {
    classes = { ...defineConvLayers(tf), ...defineSpatialLayers(tf), ...defineMiscLayers(tf), ...defineDppLayers(tf) };
    // Every class extends tf.layers.Layer, so it has the static fromConfig registerClass needs.
    for (const cls of Object.values(classes))
      tf.serialization.registerClass(cls as unknown as serialization.SerializableConstructor<serialization.Serializable>);
    byNamespace.set(tf, classes);
  }
  return classes;
}

/** Class names under which the custom layers are serialised (e.g. in model.json). */
export function customLayerClassNames(tf: Tfjs): string[] {
  return Object.values(customLayers(tf)).map((cls) => cls.className);
}
