/**
 * Hand-designed baselines inside a run: which ones (`all` or names), and each
 * one built for the run's task, at the run's scale, as a candidate the queue
 * and the store take like any other.
 *
 * - Task scale: every baseline is built for the run's input shape and class
 *   count. BlockQNN's own NSC blocks (`blockqnn-resnet-block`, ...) are
 *   assembled with the run's network options, exactly like a searched block.
 * - `all` is the task-scale set: the NSC blocks and every configuration written
 *   for small images (default input at most 64 px: the CIFAR ResNets, SE-ResNets,
 *   DLA and CliqueNets). The ImageNet configurations (`resnet-50`, `dla-34`, ...)
 *   are selectable by name.
 * - Proxy width: `width` multiplies every layer width of the whole-network
 *   baselines (proxy-width.ts says why); the NSC blocks already have the run's widths.
 * - Density: for an NSC block the block's (as for searched blocks); for a whole
 *   network the edges / nodes of its IR graph (input and every node), the same
 *   definition over the network: a plain chain has about 1, branches raise it.
 * - Hash: of the name and the built IR, never a block hash, so a baseline never
 *   collides with the same block sampled by the strategy, and the cross-run
 *   result cache is keyed by exactly what is trained.
 */
import { createHash } from 'node:crypto';
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import { baselines, isNscBlockBaseline } from '../search-space/baselines/index.js';
import { scaleWidth } from '../search-space/baselines/proxy-width.js';
import { type CheckedIr, type NetworkIr, density, networkCost } from '../search-space/index.js';
import type { MaterializedCandidate } from './candidates.js';
import type { SearchConfig } from './config.js';
import { generativeBaselineNames, materializeGenerativeBaseline } from './generative.js';
import { irDensity } from './ir-density.js';
import type { Image2ImageProblem } from '../task/image2image/schema.js';
import type { TrainingTask } from '../task/task.js';

export const ALL_BASELINES = 'all';

/** Largest default input side of a configuration that `all` includes. */
const TASK_SCALE_MAX_SIDE = 64;

export interface MaterializedBaseline extends MaterializedCandidate {
  /** A baseline is always built: its network is the point. */
  ir: NetworkIr;
  baseline: string;
}

/** The names `all` stands for, in registry order. */
export function taskScaleBaselines(): string[] {
  return baselines.list().filter((name) => {
    const entry = baselines.get(name);
    return isNscBlockBaseline(entry) || entry.defaults.inputShape[0] <= TASK_SCALE_MAX_SIDE;
  });
}

/** `all`, or names (comma-separated or a list), to registry names; unknown names fail listing the valid ones. */
export function resolveBaselineNames(
  spec: string | readonly string[],
  task?: Pick<TrainingTask, 'kind'> & { problem?: Image2ImageProblem },
): string[] {
  const parts = (typeof spec === 'string' ? spec.split(',') : spec).map((s) => s.trim()).filter(Boolean);
  if (task?.kind === 'image2image' && task.problem) return generativeBaselineNames(task.problem, parts);
  const out: string[] = [];
  for (const part of parts) {
    const names = part === ALL_BASELINES ? taskScaleBaselines() : [baselines.get(part).name];
    for (const name of names) if (!out.includes(name)) out.push(name);
  }
  return out;
}

export { irDensity } from './ir-density.js';

type BaselineTarget = Pick<SearchConfig, 'network'> & { baselines: { width: number } };

/** Builds one baseline for a run; a configuration that makes no network fails with INVALID_CONFIG naming it. */
export function materializeBaseline(name: string, config: BaselineTarget): MaterializedBaseline {
  const entry = baselines.get(name);
  const { inputShape, classes, blocksPerStage, baseFilters, stages } = config.network;
  let checked: CheckedIr;
  let blockDensity: number | undefined;
  let text = name;
  try {
    if (isNscBlockBaseline(entry)) {
      checked = entry.build({ inputShape, classes, network: { blocksPerStage, baseFilters, stages } });
      blockDensity = density(entry.block);
      text = entry.nsc;
    } else {
      checked = scaleWidth(entry.build({ inputShape, classes }), config.baselines.width, name);
    }
  } catch (error) {
    if (error instanceof BlockqnnError && error.message.includes(name)) throw error;
    const e = error instanceof BlockqnnError ? error : null;
    throw new BlockqnnError(
      e?.code ?? ErrorCode.INVALID_CONFIG,
      `baseline ${name} cannot be built for ${inputShape.join('x')} inputs and ${classes} classes: ${error instanceof Error ? error.message : String(error)}`,
      {
        ...(e?.hint ? { hint: e.hint } : {}),
        cause: error,
      },
    );
  }
  const cost = networkCost(checked);
  const hash = createHash('sha256')
    .update(`baseline\n${name}\n${JSON.stringify(checked.ir)}`)
    .digest('hex')
    .slice(0, 32);
  return {
    key: text,
    hash,
    ir: checked.ir,
    flops: cost.macs,
    params: cost.params,
    density: blockDensity ?? irDensity(checked.ir),
    baseline: name,
  };
}

/**
 * Builds every baseline of a configuration, so a name or a configuration that
 * makes no network fails before anything is stored or queued.
 */
export function materializeBaselines(
  config: BaselineTarget & { baselines: { names: readonly string[] }; task: SearchConfig['task'] },
): MaterializedBaseline[] {
  if (config.baselines.names.length === 0) return [];
  const task = config.task;
  if (task.kind === 'image2image')
    return config.baselines.names.map((name) => materializeGenerativeBaseline(name, task, config.baselines.width));
  if (task.kind === 'lookup') {
    throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `baselines need a dataset; this run looks candidates up in a table (${task.table})`, {
      hint: 'drop --baselines, or search on a dataset (--dataset mnist | fashion-mnist | cifar10)',
    });
  }
  return config.baselines.names.map((name) => materializeBaseline(name, config));
}
