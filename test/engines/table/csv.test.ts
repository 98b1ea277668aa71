import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../../src/engines/table/index.js';

describe('CSV reader', () => {
  it('reads a header and rows, with LF or CRLF line ends and a missing final newline', () => {
    expect(parseCsv('a,b\n1,2\n3,4\n')).toEqual({
      header: ['a', 'b'],
      rows: [
        ['1', '2'],
        ['3', '4'],
      ],
    });
    expect(parseCsv('a,b\r\n1,2\r\n3,4')).toEqual({
      header: ['a', 'b'],
      rows: [
        ['1', '2'],
        ['3', '4'],
      ],
    });
  });

  it('reads quoted fields with commas, doubled quotes and line breaks inside', () => {
    const { rows } = parseCsv('key,note\n"|a~0|+|b~0|","say ""hi"", then\nleave"\n');
    expect(rows).toEqual([['|a~0|+|b~0|', 'say "hi", then\nleave']]);
  });

  it('skips blank lines and trims header names', () => {
    expect(parseCsv(' a , b \n\n1,2\n\n')).toEqual({ header: ['a', 'b'], rows: [['1', '2']] });
  });

  it('names the line of malformed quoting, and an empty table', () => {
    expect(() => parseCsv('a,b\n1,x"y"\n', 't.csv')).toThrow('t.csv: line 2: a quote inside an unquoted field');
    expect(() => parseCsv('a,b\n"1,2\n', 't.csv')).toThrow(/a quoted field is never closed/);
    expect(() => parseCsv('', 't.csv')).toThrow('t.csv: the table is empty');
  });
});
