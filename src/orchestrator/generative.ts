/**
 * Image-to-image runs (issue #9): what a task needs of the generative networks.
 *
 * - Searched candidates: an NSC block becomes the pix2pix U-Net generator whose
 *   stages are made of the block (searchedUnetGenerator), trained beside the
 *   unet-pix2pix baseline's PatchGAN; the candidate's cost and density are the
 *   generator's and the block's, shaped into the reward exactly as for classifiers.
 * - Baselines: the generative baselines that solve the task's problem, each trained
 *   with its own procedure (the job's task names it), never told to the strategy.
 * - Cost of a set of role networks: what generates at inference (generator, remover,
 *   segmentor, encoder; WINN's critic, which is its sampler); discriminators only
 *   train it, so they are left out.
 */
import { createHash } from 'node:crypto';
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import { datasetSources, resolveSpec, specShape } from '../datasets/index.js';
import {
  type GenerativeNetworks,
  type GenerativeSpec,
  generativeBaselines,
  generativeBaselinesFor,
  searchedUnetGenerator,
} from '../search-space/baselines/generative/index.js';
import { type ExtraLayerType, type NetworkIr, blockHash, checkIr, density, networkCost, parseNsc } from '../search-space/index.js';
import { type Image2ImageTask, PROBLEM_CHANNELS, domainsFor } from '../task/image2image/schema.js';
import { irDensity } from './ir-density.js';
import type { CandidateFactory, MaterializedCandidate } from './candidates.js';

/** First-level filters of the U-Net generators at width 1 (the builders' BASE): a run's baseFilters / this is the width. */
export const GENERATOR_BASE_FILTERS = 64;

/** Roles that only train the others: not part of the found architecture's cost. */
const TRAINING_ONLY_ROLES = /discriminator$/i;

/** What the generative builders need of a task: problem, sizes, channels, domains and latent. */
export function generativeSpecOf(task: Image2ImageTask, options: { width?: number; depth?: number } = {}): GenerativeSpec {
  const source = datasetSources.get(task.dataset.name);
  const channels = specShape(resolveSpec(task.dataset), source.shape)[2];
  const labelSets = task.secondDataset === undefined ? 1 : 2;
  const domains = domainsFor(task.problem, source.classes.length, labelSets);
  return {
    problem: task.problem,
    imageSize: task.imageSize,
    channels: PROBLEM_CHANNELS(task.problem, channels, domains),
    domains,
    latent: task.recipe.latent,
    ...(labelSets > 1 ? { labelSets } : {}),
    ...(task.recipe.pairedCycleGan.regions ? { regions: true } : {}),
    ...(options.width !== undefined ? { width: options.width } : {}),
    ...(options.depth !== undefined ? { depth: options.depth } : {}),
  };
}

/** Parameters and multiply-adds of the roles that generate. */
export function generatingCost(networks: GenerativeNetworks): { params: number; macs: number } {
  let params = 0;
  let macs = 0;
  for (const [role, ir] of Object.entries(networks.roles)) {
    if (TRAINING_ONLY_ROLES.test(role)) continue;
    const cost = networkCost(checkIr(ir));
    params += cost.params;
    macs += cost.macs;
  }
  return { params, macs };
}

/** The network a candidate row keeps and exports: the generator (WINN: its critic). */
export function primaryRole(networks: GenerativeNetworks): NetworkIr {
  const ir = networks.roles.generator ?? networks.roles.critic ?? Object.values(networks.roles)[0];
  if (!ir) throw new BlockqnnError(ErrorCode.INTERNAL, `a ${networks.procedure} network set has no roles`);
  return ir;
}

export interface SearchedGeneratorOptions {
  blocksPerStage?: number;
  /** Multiplier on the U-Net's widths (base 64): 0.25 gives 16 filters at the first level. */
  width?: number;
  depth?: number;
}

/**
 * Candidates of an image-to-image search: NSC blocks as U-Net generator stages. The task's
 * procedure must be pix2pix (the searched generator trains the way the unet-pix2pix baseline
 * does); a run of baselines alone never builds one.
 */
export function searchedGeneratorCandidates(
  task: Image2ImageTask,
  options: SearchedGeneratorOptions,
  maxIndex: number,
  extraTypes: readonly ExtraLayerType[] = [],
): CandidateFactory {
  const spec = {
    ...generativeSpecOf(task, options),
    ...(options.blocksPerStage !== undefined ? { blocksPerStage: options.blocksPerStage } : {}),
  };
  return {
    space: 'nsc',
    storesIr: true,
    hashOf: (key) => blockHash(parseNsc(key, { maxIndex, extraTypes })),
    materialize(key): MaterializedCandidate {
      assertSearchable(task);
      const block = parseNsc(key, { maxIndex, extraTypes });
      const networks = searchedUnetGenerator(block, spec);
      const cost = generatingCost(networks);
      return {
        key,
        hash: blockHash(block),
        ir: primaryRole(networks),
        networks: networks.roles,
        flops: cost.macs,
        params: cost.params,
        density: density(block),
      };
    },
  };
}

/**
 * A search over generator blocks trains them with pix2pix; a task with another procedure
 * (synthesis has no generator to search) can only run baselines.
 */
export function assertSearchable(task: Image2ImageTask): void {
  if (task.procedure === 'pix2pix') return;
  throw new BlockqnnError(
    ErrorCode.INVALID_CONFIG,
    `a search over generator blocks trains them with pix2pix, but the task's procedure is ${task.procedure}`,
    {
      hint:
        task.problem === 'introspective-synthesis'
          ? 'introspective synthesis has no generator to search: run its baseline alone (blockqnn baseline winn-synthesis --task introspective-synthesis)'
          : `leave the procedure out (pix2pix), and compare with ${task.procedure} as a baseline: --baselines ${generativeBaselinesFor(task.problem).join(',')}`,
    },
  );
}

/** `all` for an image-to-image task: every generative baseline that solves its problem. */
export function generativeBaselineNames(problem: Image2ImageTask['problem'], names: readonly string[]): string[] {
  const out: string[] = [];
  for (const part of names) {
    const resolved = part === 'all' ? generativeBaselinesFor(problem) : [generativeBaselines.get(part).name];
    for (const name of resolved) if (!out.includes(name)) out.push(name);
  }
  return out;
}

/**
 * One generative baseline built for the task: its roles, its procedure in the job's task, its
 * generating cost, and a hash of the name and every role (never a block hash).
 */
export function materializeGenerativeBaseline(
  name: string,
  task: Image2ImageTask,
  width: number,
): MaterializedCandidate & { ir: NetworkIr; baseline: string; task: Image2ImageTask } {
  const entry = generativeBaselines.get(name);
  const networks = entry.build(generativeSpecOf(task, { width }));
  const cost = generatingCost(networks);
  const ir = primaryRole(networks);
  const hash = createHash('sha256')
    .update(`baseline\n${name}\n${JSON.stringify(networks.roles)}`)
    .digest('hex')
    .slice(0, 32);
  return {
    key: name,
    hash,
    ir,
    networks: networks.roles,
    flops: cost.macs,
    params: cost.params,
    density: irDensity(ir),
    baseline: name,
    task: { ...task, procedure: networks.procedure },
  };
}
