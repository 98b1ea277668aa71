/**
 * One export: the format's exporter run for each selected architecture into a
 * temporary folder beside the target, renamed into place only when all of them
 * succeeded. One architecture fills the target folder itself; several (--top K)
 * get one sub-folder each, named by rank and hash.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import type { Exporter } from './exporter.js';
import { type OutputOptions, resolveExportDir, writeAtomically } from './output-dir.js';
import type { ExportSubject } from './subject.js';

export interface ExportRequest extends OutputOptions {
  exporter: Exporter;
  subjects: readonly ExportSubject[];
  out: string;
  /** Fail unless every subject has trained weights. */
  requireWeights?: boolean;
}

export interface ExportOutcome {
  dir: string;
  /** Files written, relative to dir. */
  files: string[];
  /** Per subject: whether trained weights went into the export. */
  weights: { hash: string; source: string | null }[];
}

/** Folder of the i-th (0-based) of several subjects. */
export const subjectFolder = (subject: ExportSubject, index: number): string => `${index + 1}-${subject.candidate.hash.slice(0, 12)}`;

export function noWeightsError(subject: ExportSubject): BlockqnnError {
  return new BlockqnnError(ErrorCode.NOT_FOUND, `candidate ${subject.candidate.hash} of run ${subject.run.id} has no trained weights`, {
    hint: `train it first (blockqnn train ${subject.run.id} --candidate ${subject.candidate.hash}), or pass --weights FILE.safetensors`,
    details: { run: subject.run.id, candidate: subject.candidate.hash },
  });
}

export async function runExport(request: ExportRequest): Promise<ExportOutcome> {
  const { exporter, subjects } = request;
  if (subjects.length === 0)
    throw new BlockqnnError(ErrorCode.NOT_FOUND, 'nothing to export: no architecture was selected', {
      hint: 'check the run has finished candidates (blockqnn status RUN)',
    });
  if (request.requireWeights) for (const s of subjects) if (!s.weights) throw noWeightsError(s);
  const dir = await resolveExportDir(request.out, request);
  const files: string[] = [];
  await writeAtomically(dir, { force: request.force ?? false }, async (temporary) => {
    for (const [i, subject] of subjects.entries()) {
      const folder = subjects.length === 1 ? '' : subjectFolder(subject, i);
      const target = path.join(temporary, folder);
      await mkdir(target, { recursive: true });
      for (const file of await exporter.write(subject, target)) files.push(path.join(folder, file));
    }
  });
  return {
    dir,
    files,
    weights: subjects.map((s) => ({ hash: s.candidate.hash, source: exporter.weights === 'none' ? null : (s.weights?.source ?? null) })),
  };
}
