/**
 * The store conformance suites, once per backend: the same expectations on a
 * real SQLite file and a real PostgreSQL database.
 */
import { describe } from 'vitest';
import { BACKENDS } from './backends.js';
import { commitSuite } from './commit-suite.js';
import { runsAndCandidatesSuite } from './conformance.js';
import { listingSuite } from './listing-suite.js';

for (const backend of BACKENDS) {
  describe(`store on ${backend.name}`, () => {
    describe('runs, candidates and events', () => runsAndCandidatesSuite(backend));
    describe('results, snapshots and the cache', () => commitSuite(backend));
    describe('candidate pages', () => listingSuite(backend));
  });
}
