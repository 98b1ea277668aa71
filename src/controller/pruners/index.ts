/** Pruners: the port, the registry (`none`, `median`, `asha`) and the pieces tests and the worker use. */
export type { EpochNeeds, EpochView, Pruner, PruneDecision, PrunerSpec } from './pruner.js';
export { DEFAULT_PRUNER, NO_PRUNER, createPruner, normalizePrunerSpec, pruners } from './registry.js';
export type { PrunerEntry } from './registry.js';
export { MedianPruner, medianOptionsSchema } from './median.js';
export type { MedianOptions } from './median.js';
export { AshaPruner, ashaOptionsSchema, isPromotable, rungEpochs } from './asha.js';
export type { AshaOptions } from './asha.js';
export { NoPruner } from './none.js';
export { isFirstInIntervalStep, nanMax, nanPercentile } from './percentile.js';
