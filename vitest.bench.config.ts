import { defineConfig } from 'vitest/config';

// Measurement suites that print figures (bench/*.test.ts); kept out of `npm test` to keep it fast.
export default defineConfig({
  test: { include: ['bench/**/*.test.ts'], testTimeout: 600_000, hookTimeout: 600_000, maxWorkers: 1 },
});
