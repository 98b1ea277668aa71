/**
 * `blockqnn data inspect SOURCE` and `blockqnn data pack SOURCE --out FILE`:
 * look at a dataset the way a search will read it (classes with counts per
 * split, shape, the hash that pins it, a sample grid), or write the decoded file.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import {
  datasetSources,
  loadDataset,
  packSource,
  parseSourceRef,
  readPack,
  resolveCacheDir,
  resolvePackDir,
  sampleGrid,
  sourceKinds,
} from '../../datasets/index.js';
import { type SourceFlags, decodeOptionsOf, withSourceOptions } from '../dataset-source.js';
import { positiveInt } from './options.js';

interface InspectFlags extends SourceFlags {
  json?: boolean;
  grid?: string;
}

export interface DataReport {
  source: string;
  /** `folder`, `npz`, `idx`, `cifar100`, or `built-in`. */
  kind: string;
  /** The pack's sha-256 (user sources) or the decoded-dataset cache key (built-in datasets). */
  hash: string;
  path: string | undefined;
  bytes?: number;
  shape: readonly number[];
  classes: { name: string; counts: Record<string, number> }[];
  splits: string[];
  notes: readonly string[];
  samples: string;
}

const counts = (labels: Uint8Array, n: number): number[] => {
  const out = new Array<number>(n).fill(0);
  for (const l of labels) out[l]! += 1;
  return out;
};

async function inspect(source: string, flags: InspectFlags): Promise<DataReport> {
  const ref = parseSourceRef(source);
  if (ref !== undefined) {
    const pack = await packSource(source, decodeOptionsOf(flags));
    const { decoded } = await readPack(pack.path);
    const grid = await sampleGrid(decoded.pool, pack.shape, pack.classes.length);
    const samples = resolve(flags.grid ?? join(resolvePackDir(), `${pack.sha256}.samples.png`));
    await mkdir(dirname(samples), { recursive: true });
    await writeFile(samples, grid.png);
    return {
      source,
      kind: ref.kind.scheme,
      hash: pack.sha256,
      path: pack.path,
      bytes: pack.bytes,
      shape: pack.shape,
      classes: pack.classes.map((name, c) => ({
        name,
        counts: { train: pack.summary.counts.train[c] ?? 0, test: pack.summary.counts.test[c] ?? 0 },
      })),
      splits: ['train', 'test'],
      notes: pack.summary.notes,
      samples,
    };
  }
  if (!datasetSources.has(source)) {
    throw new BlockqnnError(ErrorCode.UNKNOWN_NAME, `unknown dataset "${source}"`, {
      hint: `a built-in dataset (${datasetSources.list().join(', ')}) or a source: ${sourceKinds
        .list()
        .map((k) => sourceKinds.get(k).usage)
        .join(' | ')}`,
    });
  }
  const data = await loadDataset({
    name: source,
    ...(flags.imageSize ? { imageSize: flags.imageSize } : {}),
    ...(flags.channels ? { channels: flags.channels } : {}),
  });
  const grid = await sampleGrid(data.train, data.shape, data.classes.length);
  const samples = resolve(flags.grid ?? join(resolveCacheDir({}), 'datasets', `${source}-${data.key}.samples.png`));
  await mkdir(dirname(samples), { recursive: true });
  await writeFile(samples, grid.png);
  const per = {
    train: counts(data.train.labels, data.classes.length),
    validation: counts(data.validation.labels, data.classes.length),
    test: counts(data.test.labels, data.classes.length),
  };
  return {
    source,
    kind: 'built-in',
    hash: data.key,
    path: data.cachePath,
    shape: data.shape,
    classes: data.classes.map((name, c) => ({
      name,
      counts: { train: per.train[c]!, validation: per.validation[c]!, test: per.test[c]! },
    })),
    splits: ['train', 'validation', 'test'],
    notes: [`split with seed 0 and the default validation size (10% of the pool)`],
    samples,
  };
}

function printReport(r: DataReport): void {
  const lines = [
    `source   ${r.source} (${r.kind})`,
    `${r.kind === 'built-in' ? 'cache   ' : 'pack    '} ${r.hash}${r.path ? `  ${r.path}` : ''}${r.bytes !== undefined ? ` (${(r.bytes / 2 ** 20).toFixed(2)} MiB)` : ''}`,
    `shape    ${r.shape.join('×')}`,
    ...r.notes.map((n, i) => `${i === 0 ? 'notes   ' : '        '} ${n}`),
    `classes  ${r.classes.length}`,
  ];
  const width = Math.max(5, ...r.classes.map((c) => c.name.length));
  lines.push(`  ${'class'.padEnd(width)}  ${r.splits.map((s) => s.padStart(10)).join('')}`);
  for (const c of r.classes)
    lines.push(`  ${c.name.padEnd(width)}  ${r.splits.map((s) => String(c.counts[s] ?? 0).padStart(10)).join('')}`);
  const total = (s: string) => r.classes.reduce((n, c) => n + (c.counts[s] ?? 0), 0);
  lines.push(`  ${'total'.padEnd(width)}  ${r.splits.map((s) => String(total(s)).padStart(10)).join('')}`);
  lines.push(`samples  ${r.samples}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function registerData(program: Command): void {
  const data = program.command('data').description('look at a dataset the way a search reads it, or write its decoded file');
  withSourceOptions(
    data
      .command('inspect')
      .description('classes with counts per split, shape, the hash that pins the data, and a sample-grid PNG')
      .argument('<source>', 'a built-in dataset (mnist, fashion-mnist, cifar10) or folder:PATH | npz:PATH | idx:DIR | cifar100[:DIR]')
      .option('--image-size <S>', 'resize images to SxS (a folder of mixed sizes needs it)', positiveInt('--image-size'))
      .option('--grid <file>', 'where to write the sample grid (default: beside the pack)')
      .option('--json', 'print the report as JSON'),
  ).action(async (source: string, flags: InspectFlags) => {
    const report = await inspect(source, flags);
    if (flags.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else printReport(report);
  });
  withSourceOptions(
    data
      .command('pack')
      .description('decode a source once and write the pack (a .bqds file numpy reads, see src/datasets/README.md)')
      .argument('<source>', 'folder:PATH | npz:PATH | idx:DIR | cifar100[:DIR]')
      .requiredOption('--out <file>', 'the file to write')
      .option('--image-size <S>', 'resize images to SxS (a folder of mixed sizes needs it)', positiveInt('--image-size')),
  ).action(async (source: string, flags: SourceFlags & { out: string }) => {
    if (parseSourceRef(source) === undefined) {
      throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `${source} is not a dataset source to pack`, {
        hint: `built-in datasets are read by every worker itself; pack ${sourceKinds
          .list()
          .map((k) => sourceKinds.get(k).usage)
          .join(' | ')}`,
      });
    }
    const started = Date.now();
    const pack = await packSource(source, decodeOptionsOf(flags), { force: true });
    const out = resolve(flags.out);
    await mkdir(dirname(out), { recursive: true });
    await copyFile(pack.path, out);
    const images = pack.summary.counts.train.reduce((a, b) => a + b, 0) + pack.summary.counts.test.reduce((a, b) => a + b, 0);
    process.stdout.write(
      `${JSON.stringify({ out, sha256: pack.sha256, bytes: pack.bytes, images, classes: pack.classes.length, shape: pack.shape, seconds: (Date.now() - started) / 1000 })}\n`,
    );
  });
}
