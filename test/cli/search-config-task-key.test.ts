/** Results are reused across runs by task key: the key must change with everything that changes a result, the network around a block included. */
import { describe, expect, it } from 'vitest';
import { buildSearchConfig } from '../../src/cli/search-config.js';

describe('the task key of a search configuration', () => {
  it('differs when the network built around the blocks differs', () => {
    const key = (flags: Parameters<typeof buildSearchConfig>[0]) => buildSearchConfig(flags, 'torch').taskKey;
    const plain = key({});
    expect(key({})).toBe(plain);
    expect(key({ baseFilters: 32 })).not.toBe(plain);
    expect(key({ stages: 3 })).not.toBe(plain);
    expect(key({ blocks: 2 })).not.toBe(plain);
    expect(key({ downsample: 'avgpool' })).not.toBe(plain);
  });

  it('differs with the task and the engine, as before', () => {
    expect(buildSearchConfig({ epochs: 2 }, 'torch').taskKey).not.toBe(buildSearchConfig({}, 'torch').taskKey);
    expect(buildSearchConfig({}, 'tfjs').taskKey).not.toBe(buildSearchConfig({}, 'torch').taskKey);
  });
});
