/** `--pruner` and the config file's `pruner`: validated and completed before a run exists, kept by the stored configuration. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildSearchConfig } from '../../src/cli/search-config.js';
import { BlockqnnError, ErrorCode } from '../../src/common/errors.js';
import { DEFAULT_PRUNER } from '../../src/controller/index.js';
import { parseSearchConfig } from '../../src/orchestrator/config.js';
import { prepareConfig } from '../../src/orchestrator/session.js';

const prepared = (flags: Parameters<typeof buildSearchConfig>[0], file?: Record<string, unknown>) =>
  prepareConfig(buildSearchConfig(flags, 'tfjs', file));

function refusal(fn: () => unknown): BlockqnnError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(BlockqnnError);
    return error as BlockqnnError;
  }
  throw new Error('expected a refusal');
}

describe('the pruner of a search', () => {
  it('defaults to DEFAULT_PRUNER with every option filled in; none for a lookup search', () => {
    const config = prepared({ epochs: 4 });
    expect(config.pruner.name).toBe(DEFAULT_PRUNER);
    const dir = mkdtempSync(join(tmpdir(), 'pruner-table-'));
    writeFileSync(join(dir, 't.csv'), 'arch_str,c10valid_val_12ep\n|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|,50\n');
    const lookup = prepareConfig(buildSearchConfig({ table: join(dir, 't.csv') }, 'table'));
    expect(lookup.pruner).toEqual({ name: 'none', options: {} });
  });

  it('--pruner names it with its defaults; the file gives options, and the flag naming another pruner drops them', () => {
    expect(prepared({ pruner: 'median', epochs: 4 }).pruner).toEqual({
      name: 'median',
      options: { startupCandidates: 5, warmupEpochs: 0, interval: 1, minCandidates: 1 },
    });
    const file = {
      pruner: { name: 'asha', options: { reductionFactor: 3 } },
      task: { kind: 'classification', dataset: { name: 'mnist', subset: 400, validationSize: 200, imageSize: 8 }, recipe: { epochs: 9 } },
    };
    expect(prepared({}, file).pruner).toEqual({
      name: 'asha',
      options: { reductionFactor: 3, minResource: 1, minEarlyStoppingRate: 0, bootstrapCount: 0 },
    });
    expect(prepared({ pruner: 'median' }, file).pruner.options).toEqual({
      startupCandidates: 5,
      warmupEpochs: 0,
      interval: 1,
      minCandidates: 1,
    });
    expect(prepared({}, { ...file, pruner: 'median' }).pruner.name).toBe('median');
  });

  it('refuses bad input before a run exists, naming the option and its range', () => {
    const unknown = refusal(() => prepared({ pruner: 'hyperband', epochs: 4 }));
    expect(unknown.code).toBe(ErrorCode.UNKNOWN_NAME);
    expect(unknown.hint).toMatch(/asha, median, none/);
    const task = (epochs: number) => ({
      kind: 'classification',
      dataset: { name: 'mnist', subset: 400, validationSize: 200, imageSize: 8 },
      recipe: { epochs },
    });
    expect(refusal(() => prepared({}, { task: task(9), pruner: { name: 'asha', options: { reductionFactor: 1 } } })).message).toMatch(
      /reductionFactor.*>= 2|>= 2.*reductionFactor/,
    );
    expect(refusal(() => prepared({}, { task: task(9), pruner: { name: 'median', options: { warmupEpochs: -1 } } })).message).toMatch(
      /warmupEpochs/,
    );
    expect(refusal(() => prepared({}, { task: task(3), pruner: { name: 'asha', options: { minResource: 3 } } })).message).toMatch(
      /first rung.*beyond the recipe's 3 epochs/,
    );
    expect(refusal(() => prepared({}, { task: task(4), pruner: { name: 'median', options: { warmupEpochs: 3 } } })).hint).toMatch(
      /valid warmupEpochs for 4 epochs: 0\.\.2/,
    );
    expect(refusal(() => prepared({}, { task: task(4), pruner: { name: 'median', options: { patience: 3 } } })).message).toMatch(
      /patience/,
    );
    expect(refusal(() => prepared({}, { task: task(4), pruner: 7 })).message).toMatch(/must be a name/);
    expect(refusal(() => prepared({ pruner: 'median', epochs: 1 })).message).toMatch(/1-epoch recipe leaves no epoch/);
  });

  it('is kept by the stored configuration (resume reads it back), and a run stored before pruners reads back as none', () => {
    const config = prepared({ pruner: 'asha', epochs: 6 });
    expect(parseSearchConfig(JSON.parse(JSON.stringify(config))).pruner).toEqual(config.pruner);
    const { pruner: _dropped, ...old } = config;
    expect(parseSearchConfig(JSON.parse(JSON.stringify(old))).pruner).toEqual({ name: 'none', options: {} });
  });
});
