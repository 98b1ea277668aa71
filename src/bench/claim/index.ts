/** `blockqnn bench claim`: a searched block against the hand-designed baselines, trained alike (see run.ts). */
export { SCALES, SCALE_NAMES, CLAIM_BASELINES, MAC_TOLERANCE, type ClaimScale, type ScaleName } from './scales.js';
export { runClaim, checkClaimInput, claimSearchConfig, planNetworks, trainingFlagsFor, type ClaimOptions } from './run.js';
export { formatClaimReport, configurationOf, type ClaimReport, type NetworkPlan, type TrainingRow } from './report.js';
export { matchBaseline, matchBlock, referenceMacs } from './match.js';
export { summarize, verdictOf } from './stats.js';
