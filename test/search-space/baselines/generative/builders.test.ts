/** The generative role networks: names, shapes per problem, and the errors for a task that does not fit. */
import { describe, expect, it } from 'vitest';
import { BlockqnnError } from '../../../../src/common/errors.js';
import {
  GENERATIVE_BASELINES,
  GENERATIVE_PROCEDURE_NAMES,
  type GenerativeSpec,
  type Image2ImageProblemName,
  generativeBaselines,
  generativeBaselinesFor,
  generativeCost,
  generatorChannels,
  searchedUnetGenerator,
  searchedUnetGeneratorIr,
} from '../../../../src/search-space/baselines/generative/index.js';
import { IMAGE2IMAGE_PROBLEMS, PROBLEM_CHANNELS, PROCEDURES_FOR_PROBLEM } from '../../../../src/task/image2image/schema.js';
import { PAPER_BLOCKS, checkIr, density, networkCost, parseNsc } from '../../../../src/search-space/index.js';

const spec = (problem: Image2ImageProblemName, c = 1, extra: Partial<GenerativeSpec> = {}): GenerativeSpec => ({
  problem,
  imageSize: 16,
  channels: generatorChannels(problem, c, 3),
  domains: 3,
  latent: 8,
  width: 0.25,
  ...extra,
});

/** [input shape, output shape] of every role. */
function shapes(nets: {
  roles: Record<string, import('../../../../src/search-space/index.js').NetworkIr>;
}): Record<string, [number[], number[]]> {
  return Object.fromEntries(
    Object.entries(nets.roles).map(([role, ir]) => {
      const c = checkIr(ir);
      return [role, [[...ir.input.shape], [...c.shapes.get(ir.output)!]]];
    }),
  );
}

function thrown(f: () => unknown): BlockqnnError {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(BlockqnnError);
    return error as BlockqnnError;
  }
  throw new Error('expected an error');
}

describe('generative baseline registry', () => {
  it('has the six names of the spec, one per procedure, StarGAN-JNT beside StarGAN and DLA-up beside pix2pix', () => {
    expect(generativeBaselines.list()).toEqual([
      'dla-up',
      'paired-cyclegan',
      'segan',
      'stargan',
      'stargan-jnt',
      'unet-pix2pix',
      'vunet',
      'winn-synthesis',
    ]);
    expect([...new Set(Object.values(GENERATIVE_BASELINES).map((e) => e.procedure))].sort()).toEqual(
      [...GENERATIVE_PROCEDURE_NAMES].sort(),
    );
    expect(GENERATIVE_BASELINES['stargan-jnt']!.procedure).toBe('stargan');
    expect(GENERATIVE_BASELINES['dla-up']!.procedure).toBe('pix2pix');
    expect(generativeBaselinesFor('amodal-completion')).toEqual(['dla-up', 'segan', 'unet-pix2pix']);
    // The same procedures per problem as the task's PROCEDURES_FOR_PROBLEM.
    for (const [problem, procedures] of Object.entries(PROCEDURES_FOR_PROBLEM)) {
      expect([...new Set(generativeBaselinesFor(problem).map((name) => GENERATIVE_BASELINES[name]!.procedure))].sort(), problem).toEqual(
        [...procedures].sort(),
      );
    }
    for (const problem of IMAGE2IMAGE_PROBLEMS) {
      for (const c of [1, 3]) expect(generatorChannels(problem, c, 4)).toEqual(PROBLEM_CHANNELS(problem, c, 4));
    }
    expect(() => generativeBaselines.get('cyclegan')).toThrow(/unknown generative baseline "cyclegan"/);
  });
});

describe('role networks', () => {
  it('take the spec channels and give the documented outputs', () => {
    // C = 3, K = 3, z = 8, 16×16, depth 2 → 4×4 patches.
    expect(shapes(GENERATIVE_BASELINES['unet-pix2pix']!.build(spec('amodal-completion', 3)))).toEqual({
      generator: [
        [16, 16, 4],
        [16, 16, 4],
      ],
      discriminator: [
        [16, 16, 8],
        [4, 4, 1],
      ],
    });
    expect(shapes(GENERATIVE_BASELINES['unet-pix2pix']!.build(spec('style-transfer', 1)))).toEqual({
      generator: [
        [16, 16, 2],
        [16, 16, 1],
      ],
      discriminator: [
        [16, 16, 3],
        [4, 4, 1],
      ],
      remover: [
        [16, 16, 1],
        [16, 16, 1],
      ],
      removerDiscriminator: [
        [16, 16, 2],
        [4, 4, 1],
      ],
    });
    // SeGAN's generator reads the fused RGB picture, whatever the dataset's channels.
    expect(shapes(GENERATIVE_BASELINES.segan!.build(spec('amodal-completion', 3)))).toEqual({
      segmentor: [
        [16, 16, 4],
        [16, 16, 1],
      ],
      generator: [
        [16, 16, 3],
        [16, 16, 3],
      ],
      discriminator: [
        [16, 16, 4],
        [4, 4, 1],
      ],
    });
    expect(shapes(GENERATIVE_BASELINES.segan!.build(spec('amodal-completion', 1))).generator).toEqual([
      [16, 16, 3],
      [16, 16, 1],
    ]);
    expect(shapes(GENERATIVE_BASELINES.stargan!.build(spec('domain-translation', 3)))).toEqual({
      generator: [
        [16, 16, 6],
        [16, 16, 3],
      ],
      discriminator: [
        [16, 16, 3],
        [4, 4, 4],
      ],
    });
    // Two label sets of 3 domains: the generator adds the 2-channel mask vector, the critic classifies all 6 domains.
    const joint = spec('domain-translation', 1, { domains: 6, labelSets: 2, channels: generatorChannels('domain-translation', 1, 6) });
    for (const name of ['stargan', 'stargan-jnt']) {
      expect(shapes(GENERATIVE_BASELINES[name]!.build(joint)), name).toEqual({
        generator: [
          [16, 16, 9],
          [16, 16, 1],
        ],
        discriminator: [
          [16, 16, 1],
          [4, 4, 7],
        ],
      });
    }
    expect(shapes(GENERATIVE_BASELINES['paired-cyclegan']!.build(spec('style-transfer', 1)))).toEqual({
      generator: [
        [16, 16, 2],
        [16, 16, 1],
      ],
      remover: [
        [16, 16, 1],
        [16, 16, 1],
      ],
      styleDiscriminator: [
        [16, 16, 2],
        [4, 4, 1],
      ],
      discriminator: [
        [16, 16, 1],
        [4, 4, 1],
      ],
    });
    // Per region (object and background): a second generator and remover, shaped as the first.
    expect(shapes(GENERATIVE_BASELINES['paired-cyclegan']!.build(spec('style-transfer', 1, { regions: true })))).toMatchObject({
      backgroundGenerator: [
        [16, 16, 2],
        [16, 16, 1],
      ],
      backgroundRemover: [
        [16, 16, 1],
        [16, 16, 1],
      ],
    });
    expect(shapes(GENERATIVE_BASELINES.vunet!.build(spec('shape-guided', 1)))).toEqual({
      encoder: [[16, 16, 1], [16]],
      generator: [
        [16, 16, 9],
        [16, 16, 1],
      ],
    });
    expect(shapes(GENERATIVE_BASELINES['winn-synthesis']!.build(spec('introspective-synthesis', 1)))).toEqual({
      critic: [[16, 16, 1], [1]],
    });
  });

  it('the Variational U-Net generator encodes the shape alone and takes z at the bottleneck', () => {
    const g = checkIr(GENERATIVE_BASELINES.vunet!.build(spec('shape-guided', 1)).roles.generator!);
    const slices = g.ir.nodes.filter((n) => n.op === 'channelSlice');
    expect(slices.map((n) => n.op === 'channelSlice' && [n.start, n.size])).toEqual([
      [0, 1],
      [1, 8],
    ]);
    // Nothing but the two slices reads the input: the U-Net's first convolution sees the shape channel only.
    expect(g.ir.nodes.filter((n) => n.inputs.includes('input')).map((n) => n.op)).toEqual(['channelSlice', 'channelSlice']);
    const latent = g.ir.nodes.find((n) => n.op === 'concat' && n.id.endsWith('latent'))!;
    // 16×16, depth 2: the innermost features are 4×4; z (8 channels) is pooled to 4×4 and concatenated there.
    expect(latent.inputs.map((id) => g.shapes.get(id))).toEqual([
      [4, 4, 32],
      [4, 4, 8],
    ]);
  });

  it('image heads end in sigmoid; the amodal mask head and discriminators give logits', () => {
    const nets = GENERATIVE_BASELINES['unet-pix2pix']!.build(spec('amodal-completion', 1));
    const g = nets.roles.generator!;
    const heads = g.nodes.find((n) => n.id === g.output)!;
    expect(heads.op).toBe('concat');
    expect(g.nodes.find((n) => n.id === heads.inputs[0])!.op).toBe('sigmoid');
    expect(g.nodes.find((n) => n.id === heads.inputs[1])!.op).toBe('conv2dTranspose');
    expect(nets.roles.discriminator!.nodes.find((n) => n.id === nets.roles.discriminator!.output)!.op).toBe('conv2d');
  });

  it('scale with width and depth', () => {
    const small = generativeCost(GENERATIVE_BASELINES['unet-pix2pix']!.build(spec('shape-guided', 1, { width: 0.25 })));
    const large = generativeCost(GENERATIVE_BASELINES['unet-pix2pix']!.build(spec('shape-guided', 1, { width: 0.5 })));
    expect(large.total.params).toBeGreaterThan(3 * small.total.params);
    const deep = GENERATIVE_BASELINES['unet-pix2pix']!.build(spec('shape-guided', 1, { imageSize: 32, depth: 3 }));
    expect(shapes(deep).discriminator![1]).toEqual([4, 4, 1]);
  });
});

describe('a task that does not fit', () => {
  it('names the baseline, the problem and the fix', () => {
    const wrongProblem = thrown(() => GENERATIVE_BASELINES.stargan!.build(spec('style-transfer')));
    expect(wrongProblem.message).toMatch(/generative baseline stargan on problem style-transfer: .*does not solve style-transfer/);
    expect(wrongProblem.hint).toMatch(/domain-translation/);
    const denseOnly = thrown(() => GENERATIVE_BASELINES['dla-up']!.build(spec('shape-guided')));
    expect(denseOnly.message).toMatch(/generative baseline dla-up on problem shape-guided: .*does not solve shape-guided/);
    expect(denseOnly.hint).toMatch(/amodal-completion/);
    const wrongChannels = thrown(() =>
      GENERATIVE_BASELINES.segan!.build({ ...spec('amodal-completion', 3), channels: { input: 3, target: 4 } }),
    );
    expect(wrongChannels.message).toMatch(/segan on problem amodal-completion: channels = .*needs input 4 and target 4/);
    expect(wrongChannels.hint).toMatch(/generatorChannels/);
    const wrongSize = thrown(() => GENERATIVE_BASELINES['unet-pix2pix']!.build(spec('shape-guided', 1, { imageSize: 18 })));
    expect(wrongSize.message).toMatch(/imageSize = 18: unet-pix2pix halves the image 2 times, so the side must be a multiple of 4/);
    // StarGAN's generator always halves twice, whatever the discriminator depth.
    expect(thrown(() => GENERATIVE_BASELINES.stargan!.build(spec('domain-translation', 1, { imageSize: 6, depth: 1 }))).message).toMatch(
      /halves the image 2 times/,
    );
    expect(
      thrown(() => GENERATIVE_BASELINES.stargan!.build(spec('domain-translation', 1, { domains: 1, channels: { input: 2, target: 1 } })))
        .message,
    ).toMatch(/at least 2 domains/);
    expect(thrown(() => GENERATIVE_BASELINES.vunet!.build(spec('shape-guided', 1, { width: 0 }))).message).toMatch(/width = 0/);
    // StarGAN-JNT's mask vector needs two label sets: one is refused naming the task's field and the fix.
    const oneSet = thrown(() => GENERATIVE_BASELINES['stargan-jnt']!.build(spec('domain-translation', 1)));
    expect(oneSet.message).toMatch(
      /generative baseline stargan-jnt on problem domain-translation: secondDataset = null: .*two label sets at once.*the task has one/,
    );
    expect(oneSet.hint).toMatch(/"secondDataset": \{ "name": "fashion-mnist" \}.*--second-dataset fashion-mnist/);
    expect(thrown(() => GENERATIVE_BASELINES.segan!.build(spec('amodal-completion', 1, { labelSets: 2 }))).message).toMatch(
      /labelSets = 2/,
    );
  });
});

describe('searched U-Net generator', () => {
  it('is built from the block, costs what the cost model says, and keeps the pix2pix discriminator', () => {
    const s = spec('domain-translation', 1);
    const nets = searchedUnetGenerator(PAPER_BLOCKS.resnet, s);
    expect(nets.procedure).toBe('pix2pix');
    expect(shapes(nets)).toEqual({
      generator: [
        [16, 16, 4],
        [16, 16, 1],
      ],
      discriminator: [
        [16, 16, 5],
        [4, 4, 1],
      ],
    });
    expect(nets.roles.discriminator!.nodes).toEqual(GENERATIVE_BASELINES['unet-pix2pix']!.build(s).roles.discriminator!.nodes);
    // Five block copies (2 encoder, bottleneck, 2 decoder), each with the block's two 3×3 convs.
    const convs = nets.roles.generator!.nodes.filter((n) => n.op === 'conv2d' && n.kernel === 3 && n.id.includes('/l'));
    expect(convs).toHaveLength(10);
    expect(generativeCost(nets).roles.generator!.params).toBe(networkCost(searchedUnetGeneratorIr(PAPER_BLOCKS.resnet, s)).params);
    const bigger = searchedUnetGeneratorIr(parseNsc('(1,1,3,0,0)(2,1,3,1,0)(3,1,3,2,0)(4,7,0,0,0)'), s);
    expect(networkCost(bigger).macs).toBeGreaterThan(generativeCost(nets).roles.generator!.macs);
    expect(density(PAPER_BLOCKS.resnet)).toBeGreaterThan(0);
  });

  it('builds the remover from the block too on style transfer, and refuses problems pix2pix does not solve', () => {
    const nets = searchedUnetGenerator(PAPER_BLOCKS.resnet, spec('style-transfer'));
    expect(Object.keys(nets.roles).sort()).toEqual(['discriminator', 'generator', 'remover', 'removerDiscriminator']);
    expect(nets.roles.remover!.nodes.filter((n) => n.op === 'conv2d' && n.kernel === 3 && n.id.includes('/l'))).toHaveLength(10);
    expect(thrown(() => searchedUnetGenerator(PAPER_BLOCKS.resnet, spec('introspective-synthesis'))).message).toMatch(
      /searched-unet on problem introspective-synthesis/,
    );
  });
});
