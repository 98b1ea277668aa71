/**
 * The role networks each generative procedure trains and the input each one takes, so
 * a request with a missing role or a network built for other channels fails before any
 * training, naming the role, both shapes and the fix. The channel order of each input
 * is documented on the roles in src/search-space/baselines/generative/builders.ts.
 */
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import type { CheckedIr } from '../../search-space/index.js';
import { PROBLEM_CHANNELS } from '../../task/image2image/schema.js';
import type { ExampleSet, Image2ImageTask } from '../generative.js';

/** Role → input channels, for a task's procedure and problem (C = examples.channels, K = examples.domains, z = recipe.latent). */
export function roleInputChannels(task: Pick<Image2ImageTask, 'procedure' | 'problem' | 'recipe'>, examples: Pick<ExampleSet, 'channels' | 'domains'>): Record<string, number> {
  const c = examples.channels;
  const k = examples.domains;
  switch (task.procedure) {
    case 'pix2pix': {
      const io = PROBLEM_CHANNELS(task.problem, c, k);
      const roles: Record<string, number> = { generator: io.input, discriminator: io.input + io.target };
      return task.problem === 'style-transfer' ? { ...roles, remover: c, removerDiscriminator: 2 * c } : roles;
    }
    case 'segan':
      return { segmentor: c + 1, generator: c + 1, discriminator: c + 1 };
    case 'stargan':
      return { generator: c + k, discriminator: c };
    case 'paired-cyclegan':
      return { generator: 2 * c, remover: c, styleDiscriminator: 2 * c, discriminator: c };
    case 'vunet':
      return { encoder: c, generator: 1 + task.recipe.latent };
    case 'winn-synthesis':
      return { critic: c };
  }
}

/** Throws INVALID_ARCHITECTURE unless the networks are exactly the procedure's roles with the right inputs. */
export function checkRoleInputs(task: Image2ImageTask, examples: ExampleSet, networks: Record<string, CheckedIr>): void {
  const expected = roleInputChannels(task, examples);
  const names = Object.keys(networks).sort();
  const wanted = Object.keys(expected).sort();
  if (names.join() !== wanted.join()) {
    throw new BlockqnnError(ErrorCode.INVALID_ARCHITECTURE, `procedure ${task.procedure} on ${task.problem} trains the roles ${wanted.join(', ')}, but the request has ${names.join(', ') || 'none'}`, {
      hint: 'build the networks with the task\'s baseline (src/search-space/baselines/generative) for this procedure and problem',
    });
  }
  const s = examples.imageSize;
  for (const role of wanted) {
    const shape = networks[role]!.ir.input.shape;
    const want = [s, s, expected[role]!];
    if (shape.join() !== want.join()) {
      throw new BlockqnnError(ErrorCode.INVALID_ARCHITECTURE, `role ${role} of ${task.procedure} takes [${shape.join(', ')}] but ${task.problem} with ${examples.channels}-channel images feeds it [${want.join(', ')}]`, {
        hint: 'build the networks with generatorChannels(problem, C, K) for these examples (PROBLEM_CHANNELS of the task)',
      });
    }
  }
  if (task.procedure === 'vunet') {
    const c = networks.encoder!;
    const out = c.shapes.get(c.ir.output)!;
    if (out.join() !== String(2 * task.recipe.latent)) {
      throw new BlockqnnError(ErrorCode.INVALID_ARCHITECTURE, `the vunet encoder gives [${out.join(', ')}], but recipe.latent ${task.recipe.latent} needs [${2 * task.recipe.latent}] (μ and log σ²)`, {
        hint: 'build the vunet networks with latent = recipe.latent',
      });
    }
  }
}
