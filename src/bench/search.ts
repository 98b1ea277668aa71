/**
 * `blockqnn bench search`: search quality of every strategy on a benchmark
 * table, side by side, with NAS-Bench-201's protocol — each run gives a
 * strategy `budget` evaluations; the search sees only the fitness column of
 * what it asked for; the run's result is the report column of the candidate
 * with the best fitness among those it evaluated. Printed per strategy: mean ±
 * std over runs, ratio to random search, and the controller's own time per
 * decision (ask + tell, table lookup excluded).
 *
 * Rewards are the fitness itself (μ = ρ = 0 in the shaped reward). Runs are
 * spread over worker threads (this file is also the worker's entry); run r of
 * every strategy uses seed `seed·1,000,003 + r`, so results do not depend on
 * the number of workers.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { availableParallelism, cpus } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import { decisionSpaces, strategies } from '../controller/index.js';
import { LookupTable, type TableColumns, readTableFile } from '../engines/table/index.js';

export interface SearchBenchOptions {
  /** CSV text of the table, and a name for it in messages. */
  csv: string;
  source: string;
  columns: TableColumns & { report: string };
  space: string;
  strategies: string[];
  budget: number;
  runs: number;
  seed: number;
  workers: number;
}

export interface StrategyBenchResult {
  mean: number;
  std: number;
  ratioToRandom: number | null;
  /** Mean fitness of the picked candidates. */
  fitnessMean: number;
  /** Share of runs whose pick is the table's best cell by fitness. */
  foundBestFitness: number;
  /** Controller time per decision (one ask plus one tell), microseconds. */
  overheadMicrosPerDecision: number;
  runs: number;
  budget: number;
}

export interface SearchBenchReport {
  table: string;
  fitness: string;
  report: string;
  space: string;
  budget: number;
  runs: number;
  seed: number;
  workers: number;
  wallSeconds: number;
  machine: string;
  strategies: Record<string, StrategyBenchResult>;
}

interface RunOutcome {
  report: number;
  fitness: number;
  overheadMs: number;
}

type Chunk = { strategy: string; from: number; to: number };

function runSeed(seed: number, run: number): number {
  return seed * 1_000_003 + run;
}

/** Runs `chunks` in this thread: the loop that both the main thread and the workers execute. */
function runChunks(o: Omit<SearchBenchOptions, 'workers' | 'strategies'>, chunks: Chunk[]): RunOutcome[][] {
  const table = LookupTable.fromCsv(o.csv, o.columns, o.source);
  const space = decisionSpaces.get(o.space)({});
  return chunks.map(({ strategy: name, from, to }) => {
    const entry = strategies.get(name);
    // One untimed run first, so one-time costs (JIT, the space's key table) are not charged to a strategy.
    const warm = entry.create(space, { seed: -1, budget: o.budget, mu: 0, rho: 0 });
    for (let i = 0; i < Math.min(o.budget, 40); i++) {
      const p = warm.ask();
      warm.tell(p.id, { fitness: table.evaluate(p.key).fitness });
    }
    const outcomes: RunOutcome[] = [];
    for (let run = from; run < to; run++) {
      let overheadMs = 0;
      let t = performance.now();
      const strategy = entry.create(space, { seed: runSeed(o.seed, run), budget: o.budget, mu: 0, rho: 0 });
      overheadMs += performance.now() - t;
      let best = { fitness: -Infinity, report: NaN };
      for (let i = 0; i < o.budget; i++) {
        t = performance.now();
        const proposal = strategy.ask();
        overheadMs += performance.now() - t;
        const row = table.evaluate(proposal.key);
        t = performance.now();
        strategy.tell(proposal.id, { fitness: row.fitness });
        overheadMs += performance.now() - t;
        if (row.fitness > best.fitness) best = { fitness: row.fitness, report: row.report! };
      }
      outcomes.push({ report: best.report, fitness: best.fitness, overheadMs });
    }
    return outcomes;
  });
}

function splitRuns(names: string[], runs: number, workers: number): Chunk[][] {
  const parts: Chunk[][] = Array.from({ length: workers }, () => []);
  for (const strategy of names) {
    for (let w = 0; w < workers; w++) {
      const from = Math.floor((runs * w) / workers);
      const to = Math.floor((runs * (w + 1)) / workers);
      if (to > from) parts[w]!.push({ strategy, from, to });
    }
  }
  return parts.filter((p) => p.length > 0);
}

const WORKER_TAG = 'blockqnn-bench-search';

/** The ESM entry of tsx's register API, found through its package.json (tsx is a dev dependency). */
function tsxApiUrl(from: URL): string {
  const require = createRequire(from);
  const manifest = require.resolve('tsx/package.json');
  const entry = (require('tsx/package.json') as { exports: Record<string, { import: { default: string } }> }).exports['./esm/api']!.import
    .default;
  return pathToFileURL(path.join(path.dirname(manifest), entry)).href;
}

function runInWorker(o: SearchBenchOptions, chunks: Chunk[]): Promise<RunOutcome[][]> {
  const self = new URL(import.meta.url);
  const data = { workerData: { tag: WORKER_TAG, options: { ...o, strategies: undefined }, chunks } };
  // Under tsx or vitest this file is TypeScript: the worker registers tsx's loader before importing it.
  const worker = self.pathname.endsWith('.ts')
    ? new Worker(
        `import(${JSON.stringify(tsxApiUrl(self))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(self.href)}); })`,
        { ...data, eval: true },
      )
    : new Worker(self, data);
  return new Promise((resolve, reject) => {
    worker.once('message', (message: { ok: true; outcomes: RunOutcome[][] } | { ok: false; error: { code: string; message: string } }) => {
      if (message.ok) resolve(message.outcomes);
      else reject(new BlockqnnError(message.error.code as ErrorCode, message.error.message));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => code !== 0 && reject(new BlockqnnError(ErrorCode.INTERNAL, `bench worker exited with code ${code}`)));
  });
}

if (!isMainThread && (workerData as { tag?: string } | null)?.tag === WORKER_TAG) {
  const { options, chunks } = workerData as { options: SearchBenchOptions; chunks: Chunk[] };
  try {
    parentPort!.postMessage({ ok: true, outcomes: runChunks(options, chunks) });
  } catch (error) {
    const e = error instanceof BlockqnnError ? error : new BlockqnnError(ErrorCode.INTERNAL, String((error as Error)?.message ?? error));
    parentPort!.postMessage({ ok: false, error: { code: e.code, message: e.message } });
  }
}

function summarise(outcomes: RunOutcome[], bestFitness: number, budget: number): Omit<StrategyBenchResult, 'ratioToRandom'> {
  const n = outcomes.length;
  const mean = outcomes.reduce((s, r) => s + r.report, 0) / n;
  const std = n > 1 ? Math.sqrt(outcomes.reduce((s, r) => s + (r.report - mean) ** 2, 0) / (n - 1)) : 0;
  return {
    mean,
    std,
    fitnessMean: outcomes.reduce((s, r) => s + r.fitness, 0) / n,
    foundBestFitness: outcomes.filter((r) => r.fitness === bestFitness).length / n,
    overheadMicrosPerDecision: (outcomes.reduce((s, r) => s + r.overheadMs, 0) * 1000) / (n * budget),
    runs: n,
    budget,
  };
}

/** Runs the whole benchmark; `workers` > 1 spreads runs over worker threads. */
export async function runSearchBench(o: SearchBenchOptions): Promise<SearchBenchReport> {
  for (const name of o.strategies) strategies.get(name);
  decisionSpaces.get(o.space);
  const table = LookupTable.fromCsv(o.csv, o.columns, o.source); // fail fast on bad columns, before any worker starts
  if (table.columns.report === undefined)
    throw new BlockqnnError(ErrorCode.INVALID_INPUT, 'bench search needs a report column', { hint: 'pass --report COL' });
  const started = performance.now();
  const parts = splitRuns(o.strategies, o.runs, Math.max(1, Math.min(o.workers, o.runs)));
  const results = parts.length === 1 ? [runChunks(o, parts[0]!)] : await Promise.all(parts.map((chunks) => runInWorker(o, chunks)));
  const wallSeconds = (performance.now() - started) / 1000;
  const byStrategy = new Map<string, RunOutcome[]>(o.strategies.map((s) => [s, []]));
  parts.forEach((chunks, w) => chunks.forEach((chunk, c) => byStrategy.get(chunk.strategy)!.push(...results[w]![c]!)));
  const summaries = Object.fromEntries(o.strategies.map((s) => [s, summarise(byStrategy.get(s)!, table.fitnessMax, o.budget)]));
  const randomMean = summaries.random?.mean;
  return {
    table: o.source,
    fitness: o.columns.fitness,
    report: o.columns.report,
    space: o.space,
    budget: o.budget,
    runs: o.runs,
    seed: o.seed,
    workers: parts.length,
    wallSeconds,
    machine: `node ${process.version}, ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()}`,
    strategies: Object.fromEntries(
      Object.entries(summaries).map(([s, r]) => [s, { ...r, ratioToRandom: randomMean === undefined ? null : r.mean / randomMean }]),
    ),
  };
}

/** The text table: one line per strategy. */
export function formatSearchBench(r: SearchBenchReport): string {
  const lines = [
    `search quality on ${r.table}: fitness ${r.fitness}, report ${r.report} of the best-fitness pick`,
    `${r.runs} runs × ${r.budget} evaluations, seed ${r.seed}, ${r.workers} worker(s), ${r.wallSeconds.toFixed(1)} s on ${r.machine}`,
    '',
    `${'strategy'.padEnd(22)}${'mean ± std'.padEnd(18)}${'ratio'.padEnd(9)}${'best-fit'.padEnd(10)}µs/decision`,
  ];
  for (const [name, s] of Object.entries(r.strategies)) {
    lines.push(
      `${name.padEnd(22)}${`${s.mean.toFixed(2)} ± ${s.std.toFixed(2)}`.padEnd(18)}${(s.ratioToRandom === null ? '-' : s.ratioToRandom.toFixed(4)).padEnd(9)}` +
        `${`${(100 * s.foundBestFitness).toFixed(1)}%`.padEnd(10)}${s.overheadMicrosPerDecision.toFixed(1)}`,
    );
  }
  lines.push('', 'ratio: mean / mean of random search; best-fit: runs whose pick is the best cell by fitness');
  return lines.join('\n');
}

/** A benchmark table read from a file, and the strategies named (default: all, random first). */
export async function runSearchBenchOnFile(
  o: Omit<SearchBenchOptions, 'csv' | 'source' | 'strategies' | 'workers'> & {
    table: string;
    strategies?: string[] | undefined;
    workers?: number | undefined;
  },
): Promise<SearchBenchReport> {
  // CSV or gzip (the bundled table), errors naming the file.
  const csv = await readTableFile(o.table);
  const { table, ...rest } = o;
  return runSearchBench({
    ...rest,
    csv,
    source: table,
    strategies: o.strategies ?? ['random', ...strategies.list().filter((s) => s !== 'random')],
    workers: o.workers ?? Math.min(availableParallelism(), 4),
  });
}
