/** Public surface of the image-to-image task family (issue #9 part A). */
export {
  IMAGE2IMAGE_PROBLEMS,
  GENERATIVE_PROCEDURES,
  PROCEDURES_FOR_PROBLEM,
  PROBLEM_CHANNELS,
  PROBLEM_OUTPUTS,
  EXAMPLE_ARRAYS,
  TRANSLATION_DOMAINS,
  SECOND_LABEL_SET_DOMAINS,
  STYLE_COUNT,
  domainsFor,
  generativeRecipeSchema,
  image2imageTaskSchema,
  parseImage2ImageTask,
} from './schema.js';
export type {
  Image2ImageProblem,
  GenerativeProcedure,
  GenerativeRecipe,
  Image2ImageTask,
  Image2ImageTaskInput,
  ExampleArray,
  ExampleSplit,
  ExampleSet,
} from './schema.js';
export { buildExamples } from './examples.js';
export type { ExampleSource, ExampleTask } from './examples.js';
export {
  l1,
  maskedL1,
  iou,
  ssim,
  scoreOutputs,
  trivialOutputs,
  trivialScores,
  GenerativeOutputError,
  COLLAPSE_VARIANCE,
} from './metrics.js';
export type { Scores, ScoredTask, OutputProblem } from './metrics.js';
export { classClassifier, domainClassifier, accuracy } from './frozen-classifier.js';
export type { FrozenClassifier } from './frozen-classifier.js';
export { frechetDistance } from './frechet.js';
export {
  loadExamples,
  readExampleSet,
  writeExampleSet,
  examplesKey,
  examplesPath,
  examplesDataDir,
  clearExamplesMemo,
  EXAMPLES_VERSION,
} from './cache.js';
export type { LoadedExamples, ExamplesOptions } from './cache.js';
export { CROP_MARGIN, objectBox, cropToBox, pasteFromBox } from './object-crop.js';
export type { CropBox } from './object-crop.js';
export { examplesForProcedure, outputsForProcedure } from './procedure-examples.js';
export type { ProcedureExamples } from './procedure-examples.js';
