/** Public surface of export: the formats, one export run, where exports may go, and selecting what to export from a store. */
export type { Exporter, WeightsUse } from './exporter.js';
export type { ExportSubject, ExportRun, ExportCandidate, ExportTraining } from './subject.js';
export { exporters, createExporterRegistry } from './registry.js';
export { runExport, subjectFolder, noWeightsError } from './run-export.js';
export type { ExportRequest, ExportOutcome } from './run-export.js';
export { EXPORT_ROOT_ENV, exportRoot, resolveExportDir, writeAtomically } from './output-dir.js';
export { rebuildFromExport, architectureJson, ARCHITECTURE_FILE, EXPORT_JSON_FORMAT } from './json.js';
export { MODULE_FILE } from './torch-files.js';
export { STATE_DICT_FILE } from './pytorch.js';
export { ONNX_FILE, ONNX_OPSET } from './onnx.js';
export { TFJS_MODEL_FILE, TFJS_WEIGHTS_FILE, buildBuiltinModel } from './tfjs-layers.js';
export { SVG_FILE, PNG_FILE, architectureSvg } from './picture.js';
export { selectSubjects } from './select.js';
export type { ExportReads, Selection, SelectOptions } from './select.js';
export { exportFromStore } from './from-store.js';
export type { StoreExportOptions } from './from-store.js';
export { tarArchive } from './tar.js';
