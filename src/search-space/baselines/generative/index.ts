/** Generative baselines (issue #9, Part B): role networks per procedure, their registry, the searched U-Net generator. */
export { GENERATIVE_PROCEDURE_NAMES, IMAGE2IMAGE_PROBLEM_NAMES, DEFAULT_DEPTH, generatorChannels, imageChannelsOf } from './spec.js';
export type { GenerativeSpec, GenerativeNetworks, GenerativeProcedureName, Image2ImageProblemName } from './spec.js';
export {
  PIX2PIX_PROBLEMS,
  DLA_UP_PROBLEMS,
  buildDlaUp,
  SEGAN_FUSED_CHANNELS,
  buildPix2pix,
  buildSegan,
  buildStargan,
  buildStarganJnt,
  starganConditionChannels,
  buildPairedCycleGan,
  buildVunet,
  buildWinnSynthesis,
} from './builders.js';
export type { GenerativeBaseline } from './builders.js';
export { GENERATIVE_BASELINES, generativeBaselines, generativeBaselinesFor, generativeCost } from './registry.js';
export type { RoleCost } from './registry.js';
export { appendDlaSeg, dlaUpStrides } from './dla-up.js';
export { searchedUnetGenerator, searchedUnetGeneratorIr } from './searched.js';
export type { SearchedGeneratorSpec } from './searched.js';
export { appendUnet, appendPatchGan, appendResidualGenerator, appendConvEncoder, unetLevelFilters } from './parts.js';
