/**
 * The json format: everything needed to rebuild the exported network exactly —
 * the architecture code and the assembly options (rebuilt with
 * {@link rebuildFromExport}), the IR itself, its cost, the metrics, the
 * training recipe, and where it came from (run, seed, engine, versions).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import { irDigest } from '../engines/checkpoint.js';
import {
  EXTRA_LAYER_TYPE_NAMES,
  type NetworkIr,
  type RunSpace,
  type SpaceNetwork,
  networkCost,
  parseIr,
  runSpaceOf,
  searchSpaces,
} from '../search-space/index.js';
import type { Exporter } from './exporter.js';
import type { ExportSubject } from './subject.js';
import { exportVersions } from './versions.js';

export const EXPORT_JSON_FORMAT = 'blockqnn-export/1';
export const ARCHITECTURE_FILE = 'architecture.json';

const record = (v: unknown): Record<string, unknown> | null =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;

/** The options the code was assembled with: the final training's when the weights come from one, else the run's. */
function networkOptions(subject: ExportSubject, space: RunSpace): Record<string, unknown> | null {
  const ir = subject.checked.ir;
  const io = { inputShape: ir.input.shape, classes: subject.checked.shapes.get(ir.output)!.at(-1)! };
  // A space whose network is fixed but for its input and classes records just those.
  if (space.entry.fixedNetwork !== null) return io;
  const base = record(subject.training?.config.network) ?? record(subject.run.config.network);
  // A block stacked into another layout (export --layout, or a final training that used one): its input, classes and layout.
  const layout = subject.layout ?? record(subject.training?.config.layout);
  if (!layout) return base;
  return { ...base, ...io, layout };
}

export async function architectureJson(subject: ExportSubject): Promise<Record<string, unknown>> {
  const { run, candidate, checked, training, weights } = subject;
  const space = runSpaceOf(run.config);
  const cost = networkCost(checked);
  const task = record(training?.config.task) ?? record(run.config.task);
  const { maxIndex, extraTypes } = space.settings;
  return {
    format: EXPORT_JSON_FORMAT,
    architecture: {
      space: space.name,
      code: candidate.nsc,
      hash: candidate.hash,
      canonical: space.entry.canonical(candidate.nsc, space.settings),
      ...(maxIndex === undefined ? {} : { maxIndex }),
      ...(extraTypes && extraTypes.length > 0 ? { extraTypes } : {}),
      ...(candidate.baseline ? { baseline: candidate.baseline } : {}),
    },
    network: networkOptions(subject, space),
    ir: checked.ir,
    irDigest: irDigest(checked.ir),
    cost: {
      params: cost.params,
      flops: cost.macs,
      macs: cost.macs,
      activationElements: cost.activationElements,
      density: candidate.density,
    },
    metrics: {
      status: candidate.status,
      accuracy: candidate.accuracy,
      reward: candidate.reward,
      ...(candidate.metrics ? { extra: candidate.metrics } : {}),
      ...(training ? { finalAccuracy: training.accuracy } : {}),
    },
    training: {
      task,
      taskKey: run.taskKey,
      recipe: record(task?.recipe),
      ...(training ? { final: { id: training.id, engine: training.engine, seed: training.seed, config: training.config } } : {}),
    },
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
  architecture: z.object({
    space: z
      .string()
      .refine((name) => searchSpaces.has(name), { message: `unknown search space (known: ${searchSpaces.list().join(', ')})` }),
    code: z.string(),
    hash: z.string(),
    maxIndex: z.number().int().optional(),
    extraTypes: z.array(z.enum(EXTRA_LAYER_TYPE_NAMES)).optional(),
  }),
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
  if (!parsed.success)
    throw new BlockqnnError(ErrorCode.INVALID_INPUT, `not a blockqnn export: ${parsed.error.issues[0]?.message ?? 'invalid'}`, {
      hint: `pass an ${ARCHITECTURE_FILE} written by blockqnn export`,
    });
  const { architecture, network } = parsed.data;
  const space = searchSpaces.get(architecture.space);
  const settings = {
    ...(architecture.maxIndex === undefined ? {} : { maxIndex: architecture.maxIndex }),
    ...(architecture.extraTypes ? { extraTypes: architecture.extraTypes } : {}),
  };
  const code = architecture.code;
  if (network === null && space.networkInTaskKey)
    throw new BlockqnnError(ErrorCode.INVALID_INPUT, 'the export has no network options to assemble the block with', {
      hint: 'use its "ir" as is',
    });
  // Malformed codes fail in the space's parser, before any network options are read.
  const hash = space.hash(code, settings);
  return { hash, ir: space.build(code, settings, (network ?? {}) as SpaceNetwork).ir, density: space.density(code, settings) };
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
