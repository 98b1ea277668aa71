/**
 * The search spaces by the names runs record (`space` in a run's configuration).
 * A new space is a folder beside nsc/ and nasbench201/ implementing
 * SearchSpaceEntry, one line here, and its decision process in the controller's
 * `decisionSpaces` under the same name; test/search-space/spaces.conformance.test.ts
 * checks every registered space.
 */
import { Registry } from '../../common/registry.js';
import { nasbench201Space } from './nasbench201/index.js';
import { nscSpace } from './nsc/index.js';
import type { SearchSpaceEntry } from './types.js';

export const searchSpaces = new Registry<SearchSpaceEntry>('search space')
  .register('nsc', nscSpace)
  .register('nasbench201', nasbench201Space);
