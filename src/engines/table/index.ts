/** Public surface of the table engine: CSV benchmark tables as evaluators, and the engine port over them. */
export { parseCsv } from './csv.js';
export type { CsvData } from './csv.js';
export { LookupTable } from './lookup-table.js';
export type { TableColumns, TableEvaluation } from './lookup-table.js';
export { TableEngine, tableEngineFactory } from './table-engine.js';
export type { ReadText } from './table-engine.js';
export {
  BUNDLED_DATA_DIR,
  BUNDLED_NB201_COLUMNS,
  BUNDLED_NB201_TABLE,
  BUNDLED_TABLE_SPACE,
  checkLookupTask,
  readTableFile,
} from './table-file.js';
