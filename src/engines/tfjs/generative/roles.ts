/**
 * The role networks of one generative training on tfjs: each role's IR compiled with
 * compileIr, checked against what the procedure feeds it (input channels, image size)
 * and given its own Adam (the recipe's rate and betas, as every network of pix2pix,
 * StarGAN, … is trained). One optimiser per role because tfjs's Adam keeps one step
 * count per optimiser and its moments by position in the gradient list: a role
 * stepped by its own optimiser, with its variables always in the same order, is
 * exactly torch.optim.Adam over that role's parameters.
 *
 * Initialisation is seeded (the spec: everything seeded): tfjs's layers draw their
 * Glorot-uniform kernels from Math.random, so every kernel (each variable of rank ≥ 2) is
 * drawn again from the request's seed with the same rule, U(±√(6 / ((fan_in + fan_out)·k_h·k_w))),
 * role by role in name order; biases and norm scales keep their constant starts. The same
 * seed then gives the same training, as on the torch engine (recipe.initialise_like_tfjs).
 */
import type { LayersModel, NamedTensorMap, Optimizer, Scalar, Tensor, Variable } from '@tensorflow/tfjs';
import { BlockqnnError, ErrorCode } from '../../../common/errors.js';
import { type NetworkIr, parseIr } from '../../../search-space/index.js';
import type { GenerativeRecipe } from '../../generative.js';
import type { Tfjs } from '../backend.js';
import { compileIr } from '../compile.js';

export interface Role {
  readonly name: string;
  readonly model: LayersModel;
  readonly variables: readonly Variable[];
  readonly optimizer: Optimizer;
  /** The IR's output shape without the batch axis. */
  readonly outputShape: readonly number[];
  /** Forward pass; `training` uses (and updates) batch-norm batch statistics, as module.train() in PyTorch. */
  run(x: Tensor, training: boolean): Tensor;
  /**
   * A training-mode forward that leaves the batch-norm running statistics as they were: the
   * value a discriminator step needs from a generator that will run again inside its own
   * gradient. tfjs cannot reuse one forward across two optimisers' gradients, so this keeps
   * the statistics moving once per batch, as the torch engine's single forward does.
   */
  peek(x: Tensor): Tensor;
}

/** What a procedure feeds a role and how many output channels it reads back (undefined: any). */
export interface RoleRequirement {
  input: number;
  output?: number | undefined;
  /** An output of [S, S, ·] (generators, segmentors) rather than patches or a vector. */
  fullResolution?: boolean | undefined;
}

export type Roles = Record<string, Role>;

/** Compiles every required role; errors name the procedure, the role and the fix. */
export function compileRoles(
  tf: Tfjs,
  o: {
    procedure: string;
    networks: Record<string, NetworkIr>;
    requirements: Record<string, RoleRequirement>;
    imageSize: number;
    recipe: GenerativeRecipe;
    random: () => number;
  },
): Roles {
  const missing = Object.keys(o.requirements).filter((name) => !(name in o.networks));
  const extra = Object.keys(o.networks).filter((name) => !(name in o.requirements));
  if (missing.length > 0 || extra.length > 0) {
    throw new BlockqnnError(
      ErrorCode.INVALID_ARCHITECTURE,
      `procedure ${o.procedure} trains the roles ${Object.keys(o.requirements).join(', ')}; got ${Object.keys(o.networks).join(', ') || 'none'}${missing.length ? ` (missing ${missing.join(', ')})` : ''}${extra.length ? ` (unexpected ${extra.join(', ')})` : ''}`,
      {
        hint: `build the networks with the generative baseline registry for procedure ${o.procedure} (src/search-space/baselines/generative)`,
      },
    );
  }
  const roles: Roles = {};
  try {
    for (const [name, requirement] of Object.entries(o.requirements).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const checked = parseIr(o.networks[name]);
      const [h, w, c] = checked.ir.input.shape;
      const out = checked.shapes.get(checked.ir.output)!;
      const problems: string[] = [];
      if (h !== o.imageSize || w !== o.imageSize) problems.push(`input is ${h}×${w}, the task's images are ${o.imageSize}×${o.imageSize}`);
      if (c !== requirement.input) problems.push(`input has ${c} channels, the procedure feeds ${requirement.input}`);
      if (requirement.output !== undefined && out.at(-1) !== requirement.output)
        problems.push(`output has ${out.at(-1)} channels, the procedure needs ${requirement.output}`);
      if (requirement.fullResolution && (out[0] !== o.imageSize || out[1] !== o.imageSize))
        problems.push(`output is [${out.join(', ')}], the procedure needs ${o.imageSize}×${o.imageSize} images`);
      if (problems.length > 0) {
        throw new BlockqnnError(ErrorCode.INVALID_ARCHITECTURE, `procedure ${o.procedure}, role ${name}: ${problems.join('; ')}`, {
          hint: 'build the role with the generative baseline registry from the task (PROBLEM_CHANNELS gives the channels)',
          details: { role: name, input: checked.ir.input.shape, output: out, requirement },
        });
      }
      const { model } = compileIr(tf, checked, { name: `${o.procedure}-${name}` });
      const variables = model.trainableWeights.map((v) => v.read() as Variable);
      for (const v of variables) if (v.shape.length >= 2) seededGlorot(tf, v, o.random());
      const optimizer = tf.train.adam(o.recipe.learningRate, o.recipe.beta1, o.recipe.beta2);
      const statistics = model.nonTrainableWeights;
      const peek = (x: Tensor): Tensor => {
        const saved = statistics.map((w) => w.read().clone());
        const value = model.apply(x, { training: true }) as Tensor;
        statistics.forEach((w, i) => w.write(saved[i]!));
        tf.dispose(saved);
        return value;
      };
      roles[name] = {
        name,
        model,
        variables,
        optimizer,
        outputShape: out,
        run: (x, training) => model.apply(x, { training }) as Tensor,
        peek,
      };
    }
  } catch (error) {
    disposeRoles(roles);
    throw error;
  }
  return roles;
}

function seededGlorot(tf: Tfjs, v: Variable, seed: number): void {
  const shape = v.shape;
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  const limit = Math.sqrt(6 / ((shape.at(-2)! + shape.at(-1)!) * receptive));
  tf.tidy(() => v.assign(tf.randomUniform(shape, -limit, limit, 'float32', seed)));
}

export function disposeRoles(roles: Roles): void {
  for (const role of Object.values(roles)) {
    role.optimizer.dispose();
    role.model.dispose();
  }
}

/** A loss that became non-finite in a step; the loop turns it into the `diverged` outcome. */
export class NonFiniteLoss extends Error {
  constructor(
    readonly term: string,
    readonly value: number,
  ) {
    super(`loss ${term} became ${value}`);
  }
}

/** The terms of one update: `total` is optimised; every other entry is reported under its own name. */
export type LossTerms = { total: Tensor } & Record<string, Tensor>;

/**
 * One optimiser step of `updated` (each role by its own Adam) on the loss `body` builds;
 * returns the reported terms as numbers (`total` too when `totalName` names it). A non-finite
 * total throws NonFiniteLoss before the update is applied, so no NaN reaches the weights.
 * Roles used in `body` but not listed are read, never updated (their values act as constants).
 */
export function optimiseStep(tf: Tfjs, updated: readonly Role[], body: () => LossTerms, totalName?: string): Record<string, number> {
  return tf.tidy(() => {
    const kept: Record<string, Tensor> = {};
    const variables = updated.flatMap((role) => role.variables);
    const { value, grads } = tf.variableGrads(() => {
      const { total, ...terms } = body();
      for (const [name, term] of Object.entries(terms)) kept[name] = tf.keep(term);
      return total as Scalar;
    }, variables as Variable[]);
    const total = value.dataSync()[0]!;
    if (!Number.isFinite(total)) {
      const term =
        totalName ??
        Object.entries(kept).find(([, t]) => !Number.isFinite(t.dataSync()[0]!))?.[0] ??
        `total of ${updated.map((r) => r.name).join(' + ')}`;
      for (const t of Object.values(kept)) t.dispose();
      throw new NonFiniteLoss(term, total);
    }
    for (const role of updated) {
      // A fixed order per role (see the header). A variable the loss does not reach gets a zero gradient (PyTorch would skip
      // it); the roles' networks have none: every parameter lies on the path to their output.
      const ordered: NamedTensorMap = {};
      for (const v of role.variables) ordered[v.name] = grads[v.name] ?? tf.zerosLike(v);
      role.optimizer.applyGradients(ordered);
    }
    const values: Record<string, number> = totalName === undefined ? {} : { [totalName]: total };
    for (const [name, term] of Object.entries(kept)) {
      values[name] = term.dataSync()[0]!;
      term.dispose();
    }
    return values;
  });
}
