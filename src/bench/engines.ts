/**
 * `blockqnn bench engines`: training throughput of the torch engine against a
 * plain hand-written PyTorch loop over the same generated module, data and
 * batch size, in the same run (target: torch / plain ≥ 0.9), with the tfjs
 * engine's images per second beside them. Each round runs both back to back
 * (in alternating order) and gives one ratio; the report takes the median of
 * the rounds' ratios and rates, because on a shared machine a neighbour's load
 * swings throughput by 3× between minutes, but hits both halves of a round
 * alike. Rates are over the epochs after the first (the first pays
 * the trainer's warm-up and cudnn autotuning); tfjs, far slower without its
 * native build, trains one short epoch on fewer images.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, platform, release, tmpdir } from 'node:os';
import path from 'node:path';
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import { loadDataset } from '../datasets/index.js';
import { loadTfjs } from '../engines/tfjs/backend.js';
import { tfjsEngineFactory } from '../engines/tfjs/engine.js';
import {
  type ReadyMessage,
  type TorchEngine,
  generateTorchModule,
  runPlainLoop,
  steadyImagesPerSecond,
  torchEngineFactory,
} from '../engines/torch/index.js';
import { PAPER_BLOCKS, assembleNetwork, networkCost } from '../search-space/index.js';
import { parseTask } from '../task/task.js';

export interface EnginesBenchOptions {
  dataset: string;
  imageSize?: number | undefined;
  images: number;
  block: 'resnet' | 'inception';
  blocksPerStage: number;
  baseFilters: number;
  stages: number;
  epochs: number;
  batchSize: number;
  rounds: number;
  /** Images the tfjs engine trains on (one epoch); 0 skips it. */
  tfjsImages: number;
  seed: number;
}

export interface EnginesBenchReport {
  torchImagesPerSecond: number;
  plainTorchImagesPerSecond: number;
  torchVsPlain: number;
  tfjsImagesPerSecond: number | null;
  tfjsBackend: string | null;
  torchVsTfjs: number | null;
  /** Per round: both rates and their ratio; the report's figures are the medians. */
  rounds: { torch: number; plain: number; ratio: number }[];
  network: { block: string; blocksPerStage: number; baseFilters: number; stages: number; params: number; macs: number; input: number[] };
  settings: { dataset: string; images: number; epochs: number; batchSize: number; tfjsImages: number; seed: number };
  machine: {
    cpu: string;
    cores: number;
    os: string;
    node: string;
    python: string;
    torch: string;
    numpy: string;
    torchDevice: string;
    tfjs: string | null;
    date: string;
  };
}

export async function runEnginesBench(o: EnginesBenchOptions, log: (line: string) => void = () => {}): Promise<EnginesBenchReport> {
  const spec = { name: o.dataset, subset: o.images, validationSize: 256, ...(o.imageSize ? { imageSize: o.imageSize } : {}) };
  const data = await loadDataset(spec);
  if (!data.cachePath)
    throw new BlockqnnError(ErrorCode.IO_ERROR, 'bench engines needs the dataset cache', {
      hint: 'set BLOCKQNN_CACHE_DIR to a writable directory',
    });
  const checked = assembleNetwork(PAPER_BLOCKS[o.block], {
    inputShape: [...data.shape],
    classes: data.classes.length,
    blocksPerStage: o.blocksPerStage,
    baseFilters: o.baseFilters,
    stages: o.stages,
  });
  const cost = networkCost(checked);
  const recipe = { epochs: o.epochs, batchSize: o.batchSize, augmentation: 'none' };
  const task = parseTask({ kind: 'classification', dataset: spec, recipe });
  const torch = (await torchEngineFactory.create()) as TorchEngine;
  const dir = mkdtempSync(path.join(tmpdir(), 'blockqnn-bench-engines-'));
  const modulePath = path.join(dir, 'network.py');
  writeFileSync(modulePath, generateTorchModule(checked).source);
  const rounds: { torch: number; plain: number; ratio: number }[] = [];
  let info: ReadyMessage;
  try {
    const engineRun = async () => {
      const outcome = await torch.train({ ir: checked.ir, task, seed: o.seed }, new AbortController().signal, () => {});
      if (outcome.status !== 'ok')
        throw new BlockqnnError(ErrorCode.INTERNAL, `the torch engine's benchmark run ended ${outcome.status}: ${outcome.error ?? ''}`);
      return steadyImagesPerSecond(outcome.curve, data.train.count);
    };
    // Round 1 runs the engine first: its trainer's ready message names the Python and device the plain loop uses.
    const plainRun = async () =>
      (
        await runPlainLoop({
          python: torch.trainerInfo!.executable,
          modulePath,
          datasetPath: data.cachePath!,
          epochs: o.epochs,
          batchSize: o.batchSize,
          seed: o.seed,
          device: torch.trainerInfo!.device,
        })
      ).imagesPerSecond;
    for (let round = 1; round <= o.rounds; round++) {
      let engineRate: number;
      let plainRate: number;
      if (round % 2 === 1) {
        engineRate = await engineRun();
        plainRate = await plainRun();
      } else {
        plainRate = await plainRun();
        engineRate = await engineRun();
      }
      rounds.push({ torch: engineRate, plain: plainRate, ratio: engineRate / plainRate });
      log(
        `round ${round}/${o.rounds}: torch engine ${engineRate.toFixed(1)} images/s, plain loop ${plainRate.toFixed(1)} images/s, ratio ${(engineRate / plainRate).toFixed(3)}`,
      );
    }
    info = torch.trainerInfo!;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    // The trainer child would keep the process alive.
    await torch.close();
  }

  let tfjsImagesPerSecond: number | null = null;
  let tfjsBackend: string | null = null;
  let tfjsVersion: string | null = null;
  if (o.tfjsImages > 0) {
    const loaded = await loadTfjs({ logger: () => {} });
    tfjsBackend = loaded.backend;
    tfjsVersion = `${loaded.tf.version.tfjs} via ${loaded.package}`;
    const tfjs = await tfjsEngineFactory.create();
    const small = parseTask({ kind: 'classification', dataset: { ...spec, subset: o.tfjsImages }, recipe: { ...recipe, epochs: 1 } });
    const outcome = await tfjs.train({ ir: checked.ir, task: small, seed: o.seed }, new AbortController().signal, () => {});
    tfjsImagesPerSecond = outcome.imagesPerSecond;
    log(`tfjs (${tfjsBackend}): ${tfjsImagesPerSecond?.toFixed(2)} images/s`);
  }
  const torchRate = median(rounds.map((r) => r.torch));
  return {
    torchImagesPerSecond: torchRate,
    plainTorchImagesPerSecond: median(rounds.map((r) => r.plain)),
    torchVsPlain: median(rounds.map((r) => r.ratio)),
    tfjsImagesPerSecond,
    tfjsBackend,
    torchVsTfjs: tfjsImagesPerSecond ? torchRate / tfjsImagesPerSecond : null,
    rounds,
    network: {
      block: o.block,
      blocksPerStage: o.blocksPerStage,
      baseFilters: o.baseFilters,
      stages: o.stages,
      params: cost.params,
      macs: cost.macs,
      input: [...data.shape],
    },
    settings: {
      dataset: o.dataset,
      images: data.train.count,
      epochs: o.epochs,
      batchSize: o.batchSize,
      tfjsImages: o.tfjsImages,
      seed: o.seed,
    },
    machine: {
      cpu: cpus()[0]?.model.trim() ?? 'unknown',
      cores: cpus().length,
      os: `${platform()} ${release()}`,
      node: process.version,
      python: `${info.python} (${info.executable})`,
      torch: info.torch,
      numpy: info.numpy,
      torchDevice: info.deviceDescription,
      tfjs: tfjsVersion,
      date: new Date().toISOString(),
    },
  };
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function formatEnginesBench(r: EnginesBenchReport): string {
  const n = r.network;
  const rate = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  const lines = [
    `network: BlockQNN ${n.block}-like block, ${n.blocksPerStage} per stage × ${n.stages} stages, ${n.baseFilters} filters: ${n.params.toLocaleString('en-US')} parameters, ${(n.macs / 1e6).toFixed(1)} M multiply-adds per image, input ${n.input.join('×')}`,
    `data: ${r.settings.dataset}, ${r.settings.images} training images × ${r.settings.epochs} epochs, batch ${r.settings.batchSize}; rates over epochs 2+ (all when 1), medians of ${r.rounds.length} rounds`,
    `machine: ${r.machine.cpu} × ${r.machine.cores}, ${r.machine.os}, node ${r.machine.node}; Python ${r.machine.python}, torch ${r.machine.torch} (${r.machine.torchDevice}), numpy ${r.machine.numpy}; tfjs ${r.machine.tfjs ?? 'skipped'}`,
    '',
    `torch engine      ${rate(r.torchImagesPerSecond).padStart(9)} images/s   (rounds: ${r.rounds.map((x) => rate(x.torch)).join(', ')})`,
    `plain torch loop  ${rate(r.plainTorchImagesPerSecond).padStart(9)} images/s   (rounds: ${r.rounds.map((x) => rate(x.plain)).join(', ')})`,
    `torch / plain     ${r.torchVsPlain.toFixed(3).padStart(9)}            (target ≥ 0.9; rounds: ${r.rounds.map((x) => x.ratio.toFixed(3)).join(', ')})`,
  ];
  if (r.tfjsImagesPerSecond !== null) {
    lines.push(
      `tfjs engine       ${rate(r.tfjsImagesPerSecond).padStart(9)} images/s   (backend ${r.tfjsBackend}, ${r.settings.tfjsImages} images, 1 epoch)`,
    );
    lines.push(`torch / tfjs      ${rate(r.torchVsTfjs!).padStart(9)}×`);
  }
  return lines.join('\n');
}
