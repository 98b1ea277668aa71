/** The search loop (search-loop.ts) and the parts it is made of, each readable and testable alone. */
export { SearchLoop } from './search-loop.js';
export { LoopState, toEvaluation } from './state.js';
export { SEARCH_SNAPSHOT_FORMAT } from './types.js';
export type { SearchDeps, SearchOutcome, SearchProgress, SearchSnapshot } from './types.js';
