/** Public surface of the search space: the NSC grammar, the IR, its analysis and the NAS-Bench-201 cell space. */
export {
  LayerType,
  LAYER_TYPE_NAMES,
  EXTRA_LAYER_TYPES,
  EXTRA_LAYER_TYPE_NAMES,
  ALLOWED_KERNELS,
  DEFAULT_MAX_INDEX,
  arity,
  validateBlock,
  parseNsc,
  printNsc,
  nscFromJson,
  nscToJson,
  inputsOf,
  outputLayers,
  density,
} from './nsc.js';
export type { NscLayer, NscBlock, NscOptions, ExtraLayerType } from './nsc.js';
export { canonicalBlock, canonicalText, blockHash } from './canonical.js';
export { networkIrSchema, irNodeSchema, INPUT_ID, IR_OPS, IR_MAX_NODES, DPP_FULL_GUIDE, inputArity } from './ir.js';
export type { NetworkIr, IrNode, IrOp, IrNodeOf } from './ir.js';
export { parseIr, checkIr, inferShape, liveNodes } from './graph.js';
export type { CheckedIr, Shape } from './graph.js';
export { networkCost, activationBytes } from './cost.js';
export { dppAxis, dppGeometry, tapIndex, guideIndex, s3Blocks, dppParamsPerChannel } from './dpp-geometry.js';
export type { DppAxis } from './dpp-geometry.js';
export type { NetworkCost, NodeCost } from './cost.js';
export { IrBuilder } from './builder.js';
export { assembleNetwork, appendBlock, DEFAULT_NETWORK_OPTIONS } from './assemble.js';
export type { NetworkOptions } from './assemble.js';
export {
  LAYOUT_PRESETS,
  LAYOUT_NAMES,
  STEM_KINDS,
  resolveLayout,
  checkLayout,
  checkLayoutInput,
  layoutTotalStride,
  hasLayoutFlags,
} from './layouts.js';
export type { NetworkLayout, LayoutFlags, SearchNetwork, StemKind } from './layouts.js';
export { rebuildWithLayout, sameLayout } from './transfer.js';
export { NB201_OPS, NB201_EDGES, NB201_CELL_COUNT, parseNb201, printNb201, buildNb201Network } from './nasbench201.js';
export type { Nb201Op, Nb201Cell, Nb201NetworkOptions } from './nasbench201.js';
export { PAPER_BLOCKS, RESNET_BLOCK_NSC, INCEPTION_BLOCK_NSC } from './paper-blocks.js';
export {
  baselines,
  createBaselineRegistry,
  buildResNet,
  checkResNetConfig,
  resNetTotalStride,
  RESNET_VARIANTS,
  registerResNets,
  appendSqueezeExcite,
  buildDla,
  checkDlaConfig,
  dlaTotalStride,
  DLA_VARIANTS,
  registerDlas,
  buildCliqueNet,
  checkCliqueNetConfig,
  CLIQUENET_VARIANTS,
  registerCliqueNets,
} from './baselines/index.js';
export type { Baseline, BaselineOptions, ResNetConfig, DlaConfig, DlaBlock, CliqueNetConfig } from './baselines/index.js';
export {
  buildPooledResNet,
  checkPooledResNetConfig,
  appendDownsampling,
  DPP_RESNET_VARIANTS,
  DOWNSAMPLINGS,
  DOWNSAMPLING_NAMES,
  registerDppResNets,
} from './baselines/index.js';
export type { PooledResNetConfig, Downsampling } from './baselines/index.js';
export { searchSpaces, runSpaceOf, rebuildStoredIr } from './spaces/index.js';
export type {
  PictureKind,
  RunSpace,
  SearchSpaceEntry,
  SpaceCost,
  SpaceGraph,
  SpaceNetwork,
  SpacePicture,
  SpaceSettings,
} from './spaces/index.js';
