/** `blockqnn search --nsc-types se,dpp --downsample NAME` and `inspect --nsc-types`: the options reach the run configuration and the grammar. */
import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/cli/commands/inspect.js';
import { buildSearchConfig } from '../../src/cli/search-config.js';
import { BlockqnnError } from '../../src/common/errors.js';
import { prepareConfig, spaceFor } from '../../src/orchestrator/session.js';

describe('search flags for the optional NSC types and the downsampling', () => {
  it('are off by default and recorded when given', () => {
    const plain = prepareConfig(buildSearchConfig({}, 'tfjs'));
    expect(plain.nscTypes).toEqual([]);
    expect(plain.network.downsample).toBeUndefined();
    expect(spaceFor(plain).settings).toEqual({ maxIndex: 6 });
    const config = prepareConfig(buildSearchConfig({ nscTypes: ['se', 'dpp'], downsample: 'dpp-lite-s3-sym' }, 'tfjs'));
    expect(config.nscTypes).toEqual(['se', 'dpp']);
    expect(config.network.downsample).toBe('dpp-lite-s3-sym');
    expect(spaceFor(config).settings).toEqual({ maxIndex: 6, types: 'se,dpp' });
  });

  it('reject unknown names with the valid ones', () => {
    expect(() => prepareConfig(buildSearchConfig({ nscTypes: ['attention'] }, 'tfjs'))).toThrow(BlockqnnError);
    expect(() => prepareConfig(buildSearchConfig({ nscTypes: ['attention'] }, 'tfjs'))).toThrow(
      /nscTypes\.0.*"se"\|"dpp"|nscTypes\.0.*se.*dpp/,
    );
    expect(() => prepareConfig(buildSearchConfig({ downsample: 'strided' }, 'tfjs'))).toThrow(/network\.downsample/);
  });

  it('inspect accepts SE and DPP layers only with --nsc-types, and DPP between the stages with --downsample', () => {
    expect(() => inspect('(1,8,0,0,0)(2,9,3,1,0)(3,7,0,0,0)', { space: 'nsc' })).toThrow(/not enabled/);
    const report = inspect('(1,8,0,0,0)(2,9,3,1,0)(3,7,0,0,0)', {
      space: 'nsc',
      nscTypes: ['se', 'dpp'],
      downsample: 'dpp-full-asym',
      input: [16, 16, 1],
      blocks: 1,
      baseFilters: 16,
    });
    expect(report.canonical).toBe('(1,8,0,0,0)(2,9,3,1,0)(3,7,0,0,0)');
    expect(report.outputShape).toEqual([10]);
  });
});
