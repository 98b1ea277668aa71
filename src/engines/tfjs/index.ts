/** Public surface of the tfjs engine: loading the fastest tfjs build, and compiling a network IR into a trainable model. */
export { loadTfjs, loadFirst, TFJS_PACKAGES } from './backend.js';
export type { Tfjs, TfjsPackage, TfjsAttempt, LoadedTfjs, LoadTfjsOptions, Importer } from './backend.js';
export { NameClaims, compileIr, trainableParams, softmaxCrossEntropy, layerNameFor } from './compile.js';
export type { CompiledIr, CompileOptions } from './compile.js';
export { customLayers, customLayerClassNames } from './custom-layers.js';
export type { CustomLayers } from './custom-layers.js';
