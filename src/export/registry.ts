/** The export formats by the name users type after --format. */
import { Registry } from '../common/registry.js';
import type { Exporter } from './exporter.js';
import { jsonExporter } from './json.js';
import { onnxExporter } from './onnx.js';
import { pngExporter, svgExporter } from './picture.js';
import { pytorchExporter } from './pytorch.js';
import { tfjsExporter } from './tfjs-layers.js';

export function createExporterRegistry(): Registry<Exporter> {
  const registry = new Registry<Exporter>('export format');
  for (const exporter of [jsonExporter, pytorchExporter, onnxExporter, tfjsExporter, svgExporter, pngExporter])
    registry.register(exporter.format, exporter);
  return registry;
}

let shared: Registry<Exporter> | undefined;

/** The built-in formats: json, pytorch, onnx, tfjs, svg, png. */
export function exporters(): Registry<Exporter> {
  shared ??= createExporterRegistry();
  return shared;
}
