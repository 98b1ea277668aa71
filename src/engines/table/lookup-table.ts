/**
 * A benchmark table as an evaluator: one row per architecture, a key column
 * (the arch string; `arch_str` is found by itself), a fitness column (what a
 * search sees, e.g. NAS-Bench-201's 12-epoch validation accuracy) and a report
 * column (what the found architecture is finally worth, e.g. its 200-epoch test
 * accuracy). Parameters and FLOPs come along when the table has them.
 *
 * Everything is checked when the table is built — missing columns (named, with
 * the ones that exist), duplicate keys, cells that are not numbers — so an
 * evaluation is a Map lookup that can only fail for a key the table lacks. The
 * table never reads a file; callers pass the text (the CLI and the worker do
 * the I/O).
 */
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import { type CsvData, parseCsv } from './csv.js';

export interface TableColumns {
  /** Key column; default: `arch_str` if present. */
  key?: string | undefined;
  /** Column the search sees. */
  fitness: string;
  /** Column reported for the picked candidate; optional. */
  report?: string | undefined;
  /** Parameter column; default: the first column whose name starts with "params", if any. */
  params?: string | undefined;
  /** FLOPs column; default: the first column whose name starts with "flops", if any. */
  flops?: string | undefined;
}

export interface TableEvaluation {
  readonly fitness: number;
  readonly report?: number;
  readonly params?: number;
  readonly flops?: number;
}

const AUTO_KEY_COLUMNS = ['arch_str', 'arch', 'key'];

export class LookupTable {
  private readonly rowOf = new Map<string, number>();
  private maxFitness: number | undefined;

  private constructor(
    /** Names the table in messages (usually its path). */
    readonly source: string,
    readonly columns: Readonly<Required<Pick<TableColumns, 'key' | 'fitness'>> & Pick<TableColumns, 'report' | 'params' | 'flops'>>,
    keys: readonly string[],
    private readonly fitness: Float64Array,
    private readonly report: Float64Array | undefined,
    private readonly params: Float64Array | undefined,
    private readonly flops: Float64Array | undefined,
  ) {
    keys.forEach((key, row) => {
      if (this.rowOf.has(key)) {
        throw new BlockqnnError(
          ErrorCode.INVALID_INPUT,
          `${source}: key ${JSON.stringify(key)} appears twice (rows ${this.rowOf.get(key)! + 1} and ${row + 1})`,
          {
            hint: `choose a key column that identifies each row (now "${columns.key}")`,
          },
        );
      }
      this.rowOf.set(key, row);
    });
  }

  static fromCsv(text: string, columns: TableColumns, source = 'table'): LookupTable {
    return LookupTable.fromRows(parseCsv(text, source), columns, source);
  }

  static fromRows(data: CsvData, columns: TableColumns, source = 'table'): LookupTable {
    const { header, rows } = data;
    const available = `available columns: ${header.join(', ')}`;
    const find = (role: string, name: string, flag: string): number => {
      const at = header.indexOf(name);
      if (at < 0) {
        throw new BlockqnnError(ErrorCode.INVALID_INPUT, `${source}: no ${role} column "${name}"`, {
          hint: `${available} (set it with ${flag})`,
          details: { column: name, available: [...header] },
        });
      }
      return at;
    };
    const keyName = columns.key ?? AUTO_KEY_COLUMNS.find((c) => header.includes(c));
    if (keyName === undefined) {
      throw new BlockqnnError(ErrorCode.INVALID_INPUT, `${source}: no key column given and none of ${AUTO_KEY_COLUMNS.join(', ')} exists`, {
        hint: `${available} (name the key column with --key)`,
        details: { available: [...header] },
      });
    }
    const keyAt = find('key', keyName, '--key');
    const auto = (prefix: string) => header.find((h) => h.toLowerCase().startsWith(prefix));
    const paramsName = columns.params ?? auto('params');
    const flopsName = columns.flops ?? auto('flops');
    const numeric = (name: string | undefined, role: string, flag: string): Float64Array | undefined => {
      if (name === undefined) return undefined;
      const at = find(role, name, flag);
      const out = new Float64Array(rows.length);
      rows.forEach((row, r) => {
        const cell = row[at];
        const value = cell === undefined || cell.trim() === '' ? NaN : Number(cell);
        if (!Number.isFinite(value)) {
          throw new BlockqnnError(
            ErrorCode.INVALID_INPUT,
            `${source}: row ${r + 1} (line ${r + 2}), column "${name}": ${JSON.stringify(cell ?? '')} is not a number`,
            {
              hint: `every cell of the ${role} column must be a finite number`,
              details: { row: r + 1, column: name, cell: cell ?? null },
            },
          );
        }
        out[r] = value;
      });
      return out;
    };
    const fitness = numeric(columns.fitness, 'fitness', '--fitness')!;
    const report = numeric(columns.report, 'report', '--report');
    const keys = rows.map((row, r) => {
      const key = row[keyAt]?.trim() ?? '';
      if (key === '')
        throw new BlockqnnError(ErrorCode.INVALID_INPUT, `${source}: row ${r + 1} (line ${r + 2}) has an empty key in column "${keyName}"`);
      return key;
    });
    return new LookupTable(
      source,
      { key: keyName, fitness: columns.fitness, report: columns.report, params: paramsName, flops: flopsName },
      keys,
      fitness,
      report,
      numeric(paramsName, 'params', '--params'),
      numeric(flopsName, 'flops', '--flops'),
    );
  }

  get size(): number {
    return this.fitness.length;
  }

  has(key: string): boolean {
    return this.rowOf.has(key);
  }

  /** The row of `key`; NOT_FOUND naming the table and the key otherwise. */
  evaluate(key: string): TableEvaluation {
    const row = this.rowOf.get(key);
    if (row === undefined) {
      throw new BlockqnnError(
        ErrorCode.NOT_FOUND,
        `${this.source}: no row with ${this.columns.key} = ${JSON.stringify(key)} (${this.size} rows)`,
        {
          hint: 'keys must match the table exactly; NAS-Bench-201 arch strings read |op~0|+|op~0|op~1|+|op~0|op~1|op~2|',
          details: { key, keyColumn: this.columns.key },
        },
      );
    }
    return {
      fitness: this.fitness[row]!,
      ...(this.report ? { report: this.report[row]! } : {}),
      ...(this.params ? { params: this.params[row]! } : {}),
      ...(this.flops ? { flops: this.flops[row]! } : {}),
    };
  }

  /** Largest fitness value: tells a percentage column (> 1) from a fraction. */
  get fitnessMax(): number {
    if (this.maxFitness === undefined) this.maxFitness = this.fitness.reduce((m, v) => (v > m ? v : m), -Infinity);
    return this.maxFitness;
  }
}
