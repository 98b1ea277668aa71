/**
 * `--dataset folder:PATH` (and npz:, idx:, cifar100) on the command line: the
 * flags that shape the decoding, and the one step that turns the source into a
 * pack before anything is queued, so a bad source fails here with the file and
 * the fix, and jobs carry only the pack's sha-256.
 */
import type { Command } from 'commander';
import { type DecodeOptions, LABEL_SETS, type Pack, packSource, parseSourceRef } from '../datasets/index.js';
import { oneOf } from './commands/options.js';

export interface SourceFlags {
  imageSize?: number;
  channels?: 1 | 3;
  labels?: DecodeOptions['labels'];
  skipBad?: boolean;
  layout?: DecodeOptions['layout'];
}

/** The decoding flags; `--image-size` is left to the command (search has it already, for every dataset). */
export function withSourceOptions<T extends Command>(command: T): T {
  command
    .option(
      '--channels <C>',
      'images as 1 (grey) or 3 (RGB) channels; default: as the data is',
      (v: string) => Number(oneOf('--channels', ['1', '3'])(v)) as 1 | 3,
    )
    .option('--labels <set>', `cifar100: ${LABEL_SETS.join(' | ')} labels (default fine)`, oneOf('--labels', LABEL_SETS))
    .option('--skip-bad', 'folder: leave out images that cannot be decoded (and say how many) instead of refusing the folder')
    .option('--layout <layout>', 'npz: nhwc | nchw, for image arrays whose shape fits both', oneOf('--layout', ['nhwc', 'nchw'] as const));
  return command;
}

export const decodeOptionsOf = (flags: SourceFlags): DecodeOptions => ({
  imageSize: flags.imageSize,
  channels: flags.channels,
  labels: flags.labels,
  skipBad: flags.skipBad,
  layout: flags.layout,
});

/** Packs `name` when it is a user source (undefined for a built-in dataset), saying what it did. */
export async function packIfSource(name: string | undefined, flags: SourceFlags, log: (line: string) => void): Promise<Pack | undefined> {
  if (name === undefined || parseSourceRef(name) === undefined) return undefined;
  const started = Date.now();
  const pack = await packSource(name, decodeOptionsOf(flags));
  const images = pack.summary.counts.train.reduce((a, b) => a + b, 0) + pack.summary.counts.test.reduce((a, b) => a + b, 0);
  log(
    `dataset ${name}: ${pack.decodedNow ? `decoded ${images} images in ${((Date.now() - started) / 1000).toFixed(1)} s` : `${images} images, packed before`}; ` +
      `${pack.classes.length} classes, ${pack.shape.join('×')}; pack ${pack.sha256.slice(0, 12)} (${(pack.bytes / 2 ** 20).toFixed(1)} MiB)${pack.summary.notes.length > 0 ? `; ${pack.summary.notes.join('; ')}` : ''}`,
  );
  return pack;
}
