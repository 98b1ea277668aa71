/**
 * The table engine: the engine port answered by lookup in a benchmark table
 * (a `lookup` training task), so the controller and the whole orchestrator run
 * at full speed without training. The fitness column becomes the accuracy in
 * [0, 1] (a column whose values exceed 1 is read as percent); the raw fitness,
 * report, params and FLOPs travel in `extra`. An optional per-job delay
 * simulates training time for scaling benchmarks and honours cancellation.
 *
 * Tables are read through an injected reader (the file system by default, CSV
 * or gzip: table-file.ts) and parsed once per (path, columns).
 */
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import type { LookupTask } from '../../task/task.js';
import type { Engine, EpochProgress, TrainOutcome, TrainRequest } from '../engine.js';
import type { EngineFactory } from '../registry.js';
import { LookupTable } from './lookup-table.js';
import { readTableFile } from './table-file.js';

export type ReadText = (path: string) => Promise<string>;

const readFromDisk: ReadText = readTableFile;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new BlockqnnError(ErrorCode.INTERNAL, `lookup aborted: ${String(signal.reason)}`));
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new BlockqnnError(ErrorCode.INTERNAL, `lookup aborted: ${String(signal.reason)}`));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export class TableEngine implements Engine {
  readonly name = 'table';
  private readonly tables = new Map<string, Promise<LookupTable>>();

  constructor(private readonly readText: ReadText = readFromDisk) {}

  describe(): string {
    return 'table lookup (no training)';
  }

  /** The parsed table of a lookup task (cached). */
  table(task: LookupTask): Promise<LookupTable> {
    const id = JSON.stringify([task.table, task.keyColumn, task.fitness, task.report]);
    let table = this.tables.get(id);
    if (!table) {
      table = this.readText(task.table).then((text) =>
        LookupTable.fromCsv(text, { key: task.keyColumn, fitness: task.fitness, report: task.report }, task.table),
      );
      // A failed read is not cached: the next job retries it.
      table.catch(() => this.tables.delete(id));
      this.tables.set(id, table);
    }
    return table;
  }

  /** A lookup has no epochs, so it reports no progress. */
  async train(request: TrainRequest, signal: AbortSignal, _onProgress?: (progress: EpochProgress) => void): Promise<TrainOutcome> {
    const task = request.task;
    if (task.kind !== 'lookup') {
      throw new BlockqnnError(ErrorCode.INVALID_INPUT, `the table engine answers lookup tasks, not "${task.kind}"`, {
        hint: 'use --engine tfjs or torch to train',
      });
    }
    if (request.candidateKey === undefined) {
      throw new BlockqnnError(
        ErrorCode.INVALID_INPUT,
        'the table engine needs the candidate key (e.g. the NAS-Bench-201 arch string) in the request',
        {
          hint: 'set candidateKey when enqueuing lookup jobs',
        },
      );
    }
    const started = performance.now();
    const table = await this.table(task);
    if (task.delayMs > 0) await sleep(task.delayMs, signal);
    const row = table.evaluate(request.candidateKey);
    const scale = table.fitnessMax > 1 ? 100 : 1;
    return {
      status: 'ok',
      accuracy: Math.min(1, Math.max(0, row.fitness / scale)),
      curve: [],
      trainSeconds: (performance.now() - started) / 1000,
      evalSeconds: 0,
      imagesPerSecond: null,
      extra: {
        fitness: row.fitness,
        ...(row.report !== undefined ? { report: row.report } : {}),
        ...(row.params !== undefined ? { params: row.params } : {}),
        ...(row.flops !== undefined ? { flops: row.flops } : {}),
      },
    };
  }
}

export const tableEngineFactory: EngineFactory = {
  name: 'table',
  description: 'looks results up in a benchmark table (CSV, e.g. NAS-Bench-201) instead of training',
  // The only engine for lookup tasks, so `auto` picks it for them.
  tasks: ['lookup'],
  auto: { native: 0, portable: 0 },
  async probe() {
    return { available: true, reason: 'needs nothing but the table file' };
  },
  async create() {
    return new TableEngine();
  },
};
