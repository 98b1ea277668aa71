/**
 * The json format: everything needed to rebuild the exported network exactly —
 * the architecture code and the assembly options (rebuilt with
 * {@link rebuildFromExport}), the IR itself, its cost, the metrics, the
 * training recipe, and where it came from (run, seed, engine, versions).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import { irDigest } from '../engines/checkpoint.js';
import {
  type NetworkIr, type NetworkOptions, assembleNetwork, blockHash, buildNb201Network, canonicalText, density, networkCost, parseIr, parseNb201, parseNsc,
} from '../search-space/index.js';
import type { Exporter } from './exporter.js';
import { type ExportSubject, spaceOf } from './subject.js';
import { exportVersions } from './versions.js';

export const EXPORT_JSON_FORMAT = 'blockqnn-export/1';
export const ARCHITECTURE_FILE = 'architecture.json';

const record = (v: unknown): Record<string, unknown> | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);

/** The options the code was assembled with: the final training's when the weights come from one, else the run's. */
function networkOptions(subject: ExportSubject): Record<string, unknown> | null {
  if (spaceOf(subject.run) === 'nasbench201') {
    const ir = subject.checked.ir;
    return { inputShape: ir.input.shape, classes: subject.checked.shapes.get(ir.output)!.at(-1)! };
  }
  const base = record(subject.training?.config.network) ?? record(subject.run.config.network);
  // A block stacked into another layout (export --layout, or a final training that used one): its input, classes and layout.
  const layout = subject.layout ?? record(subject.training?.config.layout);
  if (!layout) return base;
  const ir = subject.checked.ir;
  return { ...base, inputShape: ir.input.shape, classes: subject.checked.shapes.get(ir.output)!.at(-1)!, layout };
}

export async function architectureJson(subject: ExportSubject): Promise<Record<string, unknown>> {
  const { run, candidate, checked, training, weights } = subject;
  const space = spaceOf(run);
  const cost = networkCost(checked);
  const task = record(training?.config.task) ?? record(run.config.task);
  const maxIndex = typeof run.config.maxIndex === 'number' ? run.config.maxIndex : undefined;
  return {
    format: EXPORT_JSON_FORMAT,
    architecture: {
      space,
      code: candidate.nsc,
      hash: candidate.hash,
      ...(space === 'nsc' ? { canonical: canonicalText(parseNsc(candidate.nsc, maxIndex === undefined ? {} : { maxIndex })), ...(maxIndex === undefined ? {} : { maxIndex }) } : {}),
      ...(candidate.baseline ? { baseline: candidate.baseline } : {}),
    },
    network: networkOptions(subject),
    ir: checked.ir,
    irDigest: irDigest(checked.ir),
    cost: { params: cost.params, flops: cost.macs, macs: cost.macs, activationElements: cost.activationElements, density: candidate.density },
    metrics: {
      status: candidate.status,
      accuracy: candidate.accuracy,
      reward: candidate.reward,
      ...(candidate.metrics ? { extra: candidate.metrics } : {}),
      ...(training ? { finalAccuracy: training.accuracy } : {}),
    },
    training: { task, taskKey: run.taskKey, recipe: record(task?.recipe), ...(training ? { final: { id: training.id, engine: training.engine, seed: training.seed, config: training.config } } : {}) },
    provenance: {
      run: { id: run.id, name: run.name, strategy: run.strategy, engine: run.engine, seed: run.seed },
      candidate: { id: candidate.id, sequence: candidate.sequence },
      weights: weights ? { source: weights.source, metadata: weights.checkpoint.metadata } : null,
      versions: await exportVersions(),
      exportedAt: new Date().toISOString(),
    },
  };
}

const exportedSchema = z.object({
  format: z.literal(EXPORT_JSON_FORMAT),
  architecture: z.object({ space: z.enum(['nsc', 'nasbench201']), code: z.string(), hash: z.string(), maxIndex: z.number().int().optional() }),
  network: z.record(z.string(), z.unknown()).nullable(),
  ir: z.unknown(),
});

/**
 * Rebuilds the network from an export's code and assembly options alone (the
 * stored IR is not used), so users can check an export or regenerate the
 * network with another blockqnn.
 *
 * @example
 * const { hash, ir } = rebuildFromExport(JSON.parse(readFileSync('architecture.json', 'utf8')));
 */
export function rebuildFromExport(json: unknown): { hash: string; ir: NetworkIr; density: number } {
  const parsed = exportedSchema.safeParse(json);
  if (!parsed.success) throw new BlockqnnError(ErrorCode.INVALID_INPUT, `not a blockqnn export: ${parsed.error.issues[0]?.message ?? 'invalid'}`, { hint: `pass an ${ARCHITECTURE_FILE} written by blockqnn export` });
  const { architecture, network } = parsed.data;
  if (architecture.space === 'nasbench201') {
    const options = (network ?? {}) as { inputShape?: [number, number, number]; classes?: number };
    const checked = buildNb201Network(parseNb201(architecture.code), options);
    return { hash: createHash('sha256').update(`nb201:${architecture.code}`).digest('hex').slice(0, 32), ir: checked.ir, density: Number.NaN };
  }
  const block = parseNsc(architecture.code, architecture.maxIndex === undefined ? {} : { maxIndex: architecture.maxIndex });
  if (network === null) throw new BlockqnnError(ErrorCode.INVALID_INPUT, 'the export has no network options to assemble the block with', { hint: 'use its "ir" as is' });
  return { hash: blockHash(block), ir: assembleNetwork(block, network as unknown as NetworkOptions).ir, density: density(block) };
}

/** The stored IR, parsed and checked (what other formats are generated from). */
export function irFromExport(json: unknown): NetworkIr {
  return parseIr((json as { ir?: unknown }).ir).ir;
}

export const jsonExporter: Exporter = {
  format: 'json',
  description: 'architecture.json: NSC code, IR, cost, metrics, training recipe and provenance',
  weights: 'none',
  files: { [ARCHITECTURE_FILE]: 'the architecture: NSC code, IR, cost, metrics, recipe, provenance' },
  async write(subject, dir) {
    await writeFile(path.join(dir, ARCHITECTURE_FILE), `${JSON.stringify(await architectureJson(subject), null, 2)}\n`);
    return [ARCHITECTURE_FILE];
  },
};
