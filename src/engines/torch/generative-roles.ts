/**
 * The role networks each generative procedure trains and the input each one takes, so
 * a request with a missing role or a network built for other channels fails before any
 * training, naming the role, both shapes and the fix. The channel order of each input
 * is documented on the roles in src/search-space/baselines/generative/builders.ts.
 */
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import type { CheckedIr } from '../../search-space/index.js';
import { SEGAN_FUSED_CHANNELS, starganConditionChannels } from '../../search-space/baselines/generative/index.js';
import { PROBLEM_CHANNELS } from '../../task/image2image/schema.js';
import type { ExampleSet, Image2ImageTask } from '../generative.js';

/** What a procedure feeds a role and reads back: input channels, output channels, and whether the output is a full [S, S, ·] image. */
export interface RoleIo {
  input: number;
  output: number;
  /** true: [S, S, output] (generators, segmentors); false: patch logits [s, s, output]; 'vector': [output]. */
  image: boolean | 'vector';
}

const generator = (input: number, output: number): RoleIo => ({ input, output, image: true });
const patches = (input: number, output = 1): RoleIo => ({ input, output, image: false });

/** Role → what it takes and gives, for a task's procedure and problem (C = examples.channels, K = examples.domains, z = recipe.latent). */
export function roleIo(
  task: Pick<Image2ImageTask, 'procedure' | 'problem' | 'recipe'>,
  examples: Pick<ExampleSet, 'channels' | 'domains' | 'labelSets'>,
): Record<string, RoleIo> {
  const c = examples.channels;
  const k = examples.domains;
  switch (task.procedure) {
    case 'pix2pix': {
      const io = PROBLEM_CHANNELS(task.problem, c, k);
      const roles = { generator: generator(io.input, io.target), discriminator: patches(io.input + io.target) };
      return task.problem === 'style-transfer' ? { ...roles, remover: generator(c, c), removerDiscriminator: patches(2 * c) } : roles;
    }
    case 'segan':
      return { segmentor: generator(c + 1, 1), generator: generator(SEGAN_FUSED_CHANNELS, c), discriminator: patches(c + 1) };
    case 'stargan':
      return { generator: generator(c + starganConditionChannels(k, examples.labelSets ?? 1), c), discriminator: patches(c, 1 + k) };
    case 'paired-cyclegan': {
      const [apply, remove] = [generator(2 * c, c), generator(c, c)];
      const roles = { generator: apply, remover: remove, styleDiscriminator: patches(2 * c), discriminator: patches(c) };
      // The paper's per-region generators: a second pair for the background.
      return task.recipe.pairedCycleGan.regions ? { ...roles, backgroundGenerator: apply, backgroundRemover: remove } : roles;
    }
    case 'vunet':
      return { encoder: { input: c, output: 2 * task.recipe.latent, image: 'vector' }, generator: generator(1 + task.recipe.latent, c) };
    case 'winn-synthesis':
      return { critic: { input: c, output: 1, image: 'vector' } };
  }
}

/** Throws INVALID_ARCHITECTURE unless the networks are exactly the procedure's roles with the inputs and outputs it uses. */
export function checkRoleInputs(task: Image2ImageTask, examples: ExampleSet, networks: Record<string, CheckedIr>): void {
  const expected = roleIo(task, examples);
  const names = Object.keys(networks).sort();
  const wanted = Object.keys(expected).sort();
  if (names.join() !== wanted.join()) {
    throw new BlockqnnError(
      ErrorCode.INVALID_ARCHITECTURE,
      `procedure ${task.procedure} on ${task.problem} trains the roles ${wanted.join(', ')}, but the request has ${names.join(', ') || 'none'}`,
      {
        hint: "build the networks with the task's baseline (src/search-space/baselines/generative) for this procedure and problem",
      },
    );
  }
  const s = examples.imageSize;
  for (const role of wanted) {
    const io = expected[role]!;
    const { ir, shapes } = networks[role]!;
    const input = ir.input.shape;
    const output = shapes.get(ir.output)!;
    const problems: string[] = [];
    if (input.join() !== [s, s, io.input].join())
      problems.push(
        `takes [${input.join(', ')}] but ${task.problem} with ${examples.channels}-channel images feeds it [${s}, ${s}, ${io.input}]`,
      );
    const wantOutput = io.image === 'vector' ? `[${io.output}]` : io.image ? `[${s}, ${s}, ${io.output}]` : `[·, ·, ${io.output}]`;
    const outputOk =
      io.image === 'vector'
        ? output.join() === String(io.output)
        : output.length === 3 && output[2] === io.output && (!io.image || (output[0] === s && output[1] === s));
    if (!outputOk) problems.push(`gives [${output.join(', ')}] where the procedure reads ${wantOutput}`);
    if (problems.length > 0) {
      throw new BlockqnnError(ErrorCode.INVALID_ARCHITECTURE, `role ${role} of ${task.procedure} ${problems.join('; and ')}`, {
        hint: 'build the networks with generatorChannels(problem, C, K) and latent = recipe.latent for these examples (PROBLEM_CHANNELS of the task)',
        details: { role, input, output, expected: io },
      });
    }
  }
}
