/**
 * The exporter port: one format, one method. An exporter writes its files into
 * a fresh directory it owns alone (the caller makes it, and renames it into
 * place only when every exporter succeeded), so it never cleans up.
 *
 * @example
 * const exporter = exporters().get('onnx');
 * const files = await exporter.write(subject, tempDir); // ['model.onnx', 'README.txt']
 */
import type { ExportSubject } from './subject.js';

export type WeightsUse =
  /** The format carries no weights (json, svg, png). */
  | 'none'
  /** Written with the trained weights when there are some, else with a fresh initialisation. */
  | 'optional';

export interface Exporter {
  /** The name a user types after --format. */
  readonly format: string;
  readonly description: string;
  readonly weights: WeightsUse;
  /** What each file it may write is for, by file name: the summary `blockqnn export` prints. */
  readonly files: Readonly<Record<string, string>>;
  /** Writes the export into `dir` (empty, owned by this call); returns the files written, relative to dir. */
  write(subject: ExportSubject, dir: string): Promise<string[]>;
}
