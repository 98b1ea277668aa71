/**
 * A small RFC 4180 CSV reader: comma separated, fields optionally in double
 * quotes with "" for a quote inside, LF or CRLF line ends, a header row. Enough
 * for benchmark tables (NAS-Bench-201 exports, spreadsheets) without a
 * dependency; errors name the line.
 */
import { BlockqnnError, ErrorCode } from '../../common/errors.js';

export interface CsvData {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/** Parses CSV text; `source` names the table in error messages. */
export function parseCsv(text: string, source = 'table'): CsvData {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let i = 0;
  const endField = () => {
    record.push(field);
    field = '';
  };
  const endRecord = () => {
    endField();
    if (!(record.length === 1 && record[0] === '')) records.push(record);
    record = [];
  };
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
      i++;
      continue;
    }
    if (c === '"') {
      if (field !== '') {
        throw new BlockqnnError(ErrorCode.INVALID_INPUT, `${source}: line ${line}: a quote inside an unquoted field`, {
          hint: 'quote the whole field and double the quotes inside it',
        });
      }
      quoted = true;
    } else if (c === ',') endField();
    else if (c === '\n' || c === '\r') {
      endRecord();
      if (c === '\r' && text[i + 1] === '\n') i++;
      line++;
    } else field += c;
    i++;
  }
  if (quoted) throw new BlockqnnError(ErrorCode.INVALID_INPUT, `${source}: line ${line}: a quoted field is never closed`);
  if (field !== '' || record.length > 0) endRecord();
  if (records.length === 0) throw new BlockqnnError(ErrorCode.INVALID_INPUT, `${source}: the table is empty (no header row)`);
  const [header, ...rows] = records;
  return { header: header!.map((h) => h.trim()), rows };
}
