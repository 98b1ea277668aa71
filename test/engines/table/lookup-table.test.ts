import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BlockqnnError } from '../../../src/common/errors.js';
import { LookupTable } from '../../../src/engines/table/index.js';

const csvPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../data/nasbench201/cifar10.csv.gz');
const BEST = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|';

const small = ['arch_str,fit,rep,params_M,flops_M', 'a,80.5,93.1,1.5,100', 'b,81,94,0.5,20'].join('\n');

describe('lookup table', () => {
  it('answers the NAS-Bench-201 table by arch string: fitness, report, params and FLOPs', () => {
    const table = LookupTable.fromCsv(
      gunzipSync(readFileSync(csvPath)).toString('utf8'),
      { fitness: 'c10valid_val_12ep', report: 'c10_test_200ep' },
      csvPath,
    );
    expect(table.size).toBe(15_625);
    expect(table.columns).toEqual({
      key: 'arch_str',
      fitness: 'c10valid_val_12ep',
      report: 'c10_test_200ep',
      params: 'params_M_c10',
      flops: 'flops_M_c10',
    });
    expect(table.evaluate(BEST)).toMatchObject({ fitness: 84.892, report: 94.3733 });
    expect(table.fitnessMax).toBe(84.892);
  });

  it('finds arch_str by itself, or takes any key column; params and FLOPs are optional', () => {
    expect(LookupTable.fromCsv(small, { fitness: 'fit' }).evaluate('b')).toEqual({ fitness: 81, params: 0.5, flops: 20 });
    const other = LookupTable.fromCsv('name,acc\nx,0.5\n', { key: 'name', fitness: 'acc' });
    expect(other.evaluate('x')).toEqual({ fitness: 0.5 });
  });

  it('names a missing column and lists the available ones', () => {
    let error: BlockqnnError | undefined;
    try {
      LookupTable.fromCsv(small, { fitness: 'fit', report: 'c10_test_200ep' }, 'small.csv');
    } catch (e) {
      error = e as BlockqnnError;
    }
    expect(error?.message).toBe('small.csv: no report column "c10_test_200ep"');
    expect(error?.hint).toBe('available columns: arch_str, fit, rep, params_M, flops_M (set it with --report)');
    expect(() => LookupTable.fromCsv('x,fit\n1,2\n', { fitness: 'fit' }, 't')).toThrow(
      /no key column given and none of arch_str, arch, key exists/,
    );
    expect(() => LookupTable.fromCsv(small, { fitness: 'accuracy' }, 't')).toThrow('t: no fitness column "accuracy"');
  });

  it('rejects cells that are not numbers, naming row, line and column', () => {
    expect(() => LookupTable.fromCsv('arch_str,fit\na,80\nb,n/a\n', { fitness: 'fit' }, 't.csv')).toThrow(
      't.csv: row 2 (line 3), column "fit": "n/a" is not a number',
    );
    expect(() => LookupTable.fromCsv('arch_str,fit\na,\n', { fitness: 'fit' }, 't.csv')).toThrow(/column "fit": "" is not a number/);
    expect(() => LookupTable.fromCsv('arch_str,fit\na,NaN\n', { fitness: 'fit' }, 't.csv')).toThrow(/"NaN" is not a number/);
  });

  it('rejects duplicate and empty keys', () => {
    expect(() => LookupTable.fromCsv('arch_str,fit\na,1\na,2\n', { fitness: 'fit' }, 't')).toThrow(
      /key "a" appears twice \(rows 1 and 2\)/,
    );
    expect(() => LookupTable.fromCsv('arch_str,fit\n,1\n', { fitness: 'fit' }, 't')).toThrow(/empty key/);
  });

  it('refuses an unknown arch string with the table, the key and the expected form', () => {
    const table = LookupTable.fromCsv(small, { fitness: 'fit' }, 'small.csv');
    let error: BlockqnnError | undefined;
    try {
      table.evaluate('|conv~0|');
    } catch (e) {
      error = e as BlockqnnError;
    }
    expect(error?.code).toBe('NOT_FOUND');
    expect(error?.message).toBe('small.csv: no row with arch_str = "|conv~0|" (2 rows)');
    expect(error?.hint).toMatch(/\|op~0\|\+\|op~0\|op~1\|/);
  });
});
