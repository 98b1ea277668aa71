/**
 * The claim's final trainings as job files, for a device session without Node:
 * `--emit-jobs DIR` writes every training that has no result yet as a request
 * of the torch trainer's own protocol (src/engines/torch/README.md), with the
 * generated module and the decoded-dataset cache it reads beside it, so
 * bench/gpu/claim.py needs only python3 with torch and numpy. Its results file
 * comes back with `--import-results FILE`: each result becomes the training row
 * `blockqnn train` would have stored (same plan, same key), so the table,
 * the verdict and resume treat it like any other.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import { parseWith } from '../../common/parse.js';
import { loadClassifierData } from '../../engines/classifier-data.js';
import { generateTorchModule } from '../../engines/torch/codegen.js';
import type { TrainingPlan } from '../../orchestrator/training-plan.js';
import type { Store } from '../../store/index.js';
import type { ClaimScale } from './scales.js';
import type { NetworkPlan } from './report.js';

export const JOBS_FORMAT = 'blockqnn-claim-jobs/1';
export const RESULTS_FORMAT = 'blockqnn-claim-results/1';

export interface PlannedTraining {
  key: string;
  network: NetworkPlan;
  seed: number;
  plan: TrainingPlan;
}

/** Writes DIR/jobs.json, DIR/modules/*.py and DIR/data/*.bqds; returns the number of jobs. */
export async function writeJobs(
  dir: string,
  scale: ClaimScale,
  searchRunId: string,
  trainings: readonly PlannedTraining[],
): Promise<number> {
  await mkdir(join(dir, 'modules'), { recursive: true });
  await mkdir(join(dir, 'data'), { recursive: true });
  const jobs: unknown[] = [];
  const copied = new Set<string>();
  for (const [i, t] of trainings.entries()) {
    const { checked, data } = await loadClassifierData(t.plan.ir, t.plan.task, t.plan.engine);
    const generated = generateTorchModule(checked);
    const module = `modules/job${i + 1}.py`;
    await writeFile(join(dir, module), generated.source);
    const cache = `data/${basename(data.cachePath)}`;
    if (!copied.has(cache)) {
      await copyFile(data.cachePath, join(dir, cache));
      copied.add(cache);
    }
    jobs.push({
      key: t.key,
      network: t.network.key,
      seed: t.seed,
      label: t.plan.label,
      // A train request of the trainer's protocol; paths are relative to DIR (claim.py makes them absolute).
      request: {
        type: 'train',
        id: t.key,
        module: { path: module },
        className: generated.className,
        expectedParams: generated.params,
        seed: t.seed,
        recipe: t.plan.task.recipe,
        dataset: { path: cache, key: data.key },
        evaluateOn: 'test',
      },
    });
  }
  await writeFile(join(dir, 'jobs.json'), `${JSON.stringify({ format: JOBS_FORMAT, scale: scale.name, searchRunId, jobs }, null, 1)}\n`);
  return jobs.length;
}

const curvePoint = z.record(z.string(), z.number().nullable());
const resultsSchema = z.object({
  format: z.literal(RESULTS_FORMAT, { error: `not a results file of bench/gpu/claim.py (format ${RESULTS_FORMAT})` }),
  scale: z.string(),
  searchRunId: z.string(),
  device: z.string().optional(),
  results: z.array(
    z.object({
      key: z.string().min(1),
      status: z.enum(['ok', 'diverged', 'too_large', 'failed', 'cancelled']),
      accuracy: z.number().min(0).max(1).nullable().optional(),
      curve: z.array(curvePoint).nullable().optional(),
      trainSeconds: z.number().nonnegative().nullable().optional(),
      evalSeconds: z.number().nonnegative().nullable().optional(),
      error: z.string().nullable().optional(),
    }),
  ),
});
export type ClaimResults = z.infer<typeof resultsSchema>;

export async function readResults(file: string): Promise<ClaimResults> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new BlockqnnError(ErrorCode.INVALID_INPUT, `cannot read results file ${file}: ${(error as Error).message}`, {
      hint: 'give the file bench/gpu/claim.py wrote (--out)',
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BlockqnnError(ErrorCode.INVALID_INPUT, `results file ${file} is not JSON: ${(error as Error).message}`, {
      hint: 'give the file bench/gpu/claim.py wrote (--out)',
    });
  }
  return parseWith(resultsSchema, value, { what: `results file ${file}`, code: ErrorCode.INVALID_INPUT });
}

/** Stores each result of a planned training that has none yet; returns how many were imported. */
export async function importResults(
  store: Store,
  results: ClaimResults,
  scale: ClaimScale,
  searchRunId: string,
  planned: ReadonlyMap<string, PlannedTraining>,
  log: (line: string) => void,
): Promise<number> {
  if (results.scale !== scale.name || results.searchRunId !== searchRunId) {
    throw new BlockqnnError(
      ErrorCode.INVALID_INPUT,
      `the results are of scale ${results.scale}, search run ${results.searchRunId}; this database's are scale ${scale.name}, search run ${searchRunId}`,
      {
        hint: 'import them with the --scale and --db that wrote the jobs (--emit-jobs)',
      },
    );
  }
  let imported = 0;
  for (const r of results.results) {
    const t = planned.get(r.key);
    if (!t) {
      log(`results: ${r.key} is no training of this bench still waiting for a result; skipped`);
      continue;
    }
    const p = t.plan;
    const row = await store.trainings.create({
      runId: p.runId,
      candidateId: p.candidateId,
      baseline: p.candidateId === null ? p.baseline : null,
      engine: p.engine,
      seed: p.seed,
      config: {
        ...p.config,
        claim: {
          key: t.key,
          network: t.network.key,
          seed: t.seed,
          scale: scale.name,
          importedFrom: results.device ?? 'bench/gpu/claim.py',
        },
      },
      ir: p.ir,
      flops: p.flops,
      params: p.params,
    });
    await store.trainings.commitResult(row.id, {
      status: r.status,
      accuracy: r.accuracy ?? null,
      curve: r.curve ?? null,
      trainSeconds: r.trainSeconds ?? null,
      evalSeconds: r.evalSeconds ?? null,
      workerId: results.device ?? 'bench/gpu/claim.py',
      error: r.status === 'ok' ? null : (r.error ?? r.status),
    });
    imported++;
  }
  return imported;
}
