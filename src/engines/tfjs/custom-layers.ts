/**
 * The engine's custom tfjs layers, defined once per tfjs namespace (the classes
 * must extend that namespace's Layer) and registered with tf.serialization so a
 * saved model loads back with `tf.loadLayersModel` once `customLayers(tf)` has run.
 */
import type { Tfjs } from './backend.js';
import { defineConvLayers } from './layers-conv.js';
import { defineMiscLayers } from './layers-misc.js';
import { defineSpatialLayers } from './layers-spatial.js';

function define(tf: Tfjs) {
  const classes = { ...defineConvLayers(tf), ...defineSpatialLayers(tf), ...defineMiscLayers(tf) };
  for (const cls of Object.values(classes)) tf.serialization.registerClass(cls);
  return classes;
}

export type CustomLayers = ReturnType<typeof define>;

const byNamespace = new WeakMap<Tfjs, CustomLayers>();

/** The custom layer classes for `tf`, registered for serialisation on first use. */
export function customLayers(tf: Tfjs): CustomLayers {
  let classes = byNamespace.get(tf);
  if (!classes) {
    classes = define(tf);
    byNamespace.set(tf, classes);
  }
  return classes;
}

/** Class names under which the custom layers are serialised (e.g. in model.json). */
export function customLayerClassNames(tf: Tfjs): string[] {
  return Object.values(customLayers(tf)).map((cls) => cls.className);
}
