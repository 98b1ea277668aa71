/** Hand-designed baselines as IR builders, by name. */
export { baselines, createBaselineRegistry } from './registry.js';
export type { Baseline, BaselineOptions } from './baseline.js';
export { buildResNet, checkResNetConfig, resNetTotalStride } from './resnet.js';
export type { ResNetConfig } from './resnet.js';
export { RESNET_VARIANTS, registerResNets } from './resnet-variants.js';
export { appendSqueezeExcite } from './squeeze-excite.js';
export { buildDla, checkDlaConfig, dlaTotalStride } from './dla.js';
export type { DlaConfig, DlaBlock } from './dla.js';
export { DLA_VARIANTS, registerDlas } from './dla-variants.js';
export { buildCliqueNet, checkCliqueNetConfig } from './cliquenet.js';
export type { CliqueNetConfig } from './cliquenet.js';
export { CLIQUENET_VARIANTS, registerCliqueNets } from './cliquenet-variants.js';
export { isNscBlockBaseline, registerNscBlocks } from './nsc-blocks.js';
export type { NscBlockBaseline, BlockNetworkOptions } from './nsc-blocks.js';
export { buildPooledResNet, checkPooledResNetConfig, appendDownsampling } from './dpp-resnet.js';
export type { PooledResNetConfig, Downsampling } from './dpp-resnet.js';
export { DPP_RESNET_VARIANTS, DOWNSAMPLINGS, DOWNSAMPLING_NAMES, registerDppResNets } from './dpp-variants.js';
