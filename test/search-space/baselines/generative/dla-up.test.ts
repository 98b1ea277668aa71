/**
 * DLA-up (DLA-34 + iterative deep aggregation upward) as a generator: the official model's
 * parameter count part by part, the aggregation structure, the strides per image side, and
 * the pix2pix roles it forms on amodal completion.
 */
import { describe, expect, it } from 'vitest';
import {
  GENERATIVE_BASELINES,
  appendDlaSeg,
  dlaUpStrides,
  generatorChannels,
} from '../../../../src/search-space/baselines/generative/index.js';
import { DLA_VARIANTS, INPUT_ID, IrBuilder, networkCost } from '../../../../src/search-space/index.js';

/**
 * The official `dla34up(classes=2)` of ucbdrive/dla (dla_up.py, DLASeg on dla.py's DLA-34), instantiated
 * in PyTorch: 18,094,330 parameters in `model.parameters()`. The parts this IR leaves out, each counted
 * by named_parameters on that module:
 */
const OFFICIAL_DLA34UP_2_CLASSES = 18_094_330;
/** base.fc, the ImageNet classifier DLASeg builds with the backbone but never calls. */
const UNUSED_CLASSIFIER = 512 * 1000 + 1000;
/** level3.project and level4.project, built by Tree but never used in forward (see dla.ts). */
const DEAD_PROJECTIONS = 41_728;
/** DLA-up's depthwise up-convolutions (bilinear-initialised, learned there; fixed bilinear upsampling here). */
const IDA_UP_CONVOLUTIONS = 13_312;
/** The head's ×2 up-convolution, frozen to bilinear there (requires_grad False), fixed bilinear here. */
const FROZEN_HEAD_UP = 2 * 4 * 4;

function dla34Up(side: number) {
  const b = new IrBuilder('dla34up', [side, side, 3]);
  const out = appendDlaSeg(b, INPUT_ID, { backbone: DLA_VARIANTS['dla-34']!.config, imageChannels: 1, logitChannels: 1 }, 'dla34up');
  return b.build(out);
}

describe('DLA-up', () => {
  it("has the official DLA-34-up's parameters, less the parts it does not learn, and gives the input's size back", () => {
    const checked = dla34Up(224);
    expect(networkCost(checked).params).toBe(
      OFFICIAL_DLA34UP_2_CLASSES - UNUSED_CLASSIFIER - DEAD_PROJECTIONS - IDA_UP_CONVOLUTIONS - FROZEN_HEAD_UP,
    );
    expect(checked.shapes.get(checked.ir.output)).toEqual([224, 224, 2]);
  });

  it('aggregates through 4 IDA-ups of 1 + 2 + 3 + 4 nodes, upsampling ×2 only', () => {
    const { ir } = dla34Up(224);
    const nodes = ir.nodes.filter((n) => /dla_up\/ida\d\/node\d+\/conv$/.test(n.id));
    expect(nodes.map((n) => n.id.split('/')[1])).toEqual(['ida0', 'ida1', 'ida1', 'ida2', 'ida2', 'ida2', 'ida3', 'ida3', 'ida3', 'ida3']);
    // Node widths: each IDA-up aggregates at its finest input's width (DLA-34: 256, 128, 64, 32).
    expect([...new Set(nodes.map((n) => (n.op === 'conv2d' ? n.filters : 0)))]).toEqual([256, 128, 64, 32]);
    const ups = ir.nodes.filter((n) => n.op === 'upsample');
    // 1 + 2 + 3 + 4 inside DLA-up, one in the head.
    expect(ups).toHaveLength(11);
    expect(new Set(ups.map((n) => (n.op === 'upsample' ? `${n.scale} ${n.mode}` : '')))).toEqual(new Set(['2 bilinear']));
  });

  it('halves while the side is even, at most five times', () => {
    expect(dlaUpStrides(224)).toEqual([1, 2, 2, 2, 2, 2]);
    expect(dlaUpStrides(64)).toEqual([1, 2, 2, 2, 2, 2]);
    expect(dlaUpStrides(16)).toEqual([1, 2, 2, 2, 2, 1]);
    expect(dlaUpStrides(12)).toEqual([1, 2, 2, 1, 1, 1]);
    // At 16 pixels level5 stays at level4's 1×1, so DLA-up's deepest IDA-up aggregates without upsampling.
    const { ir } = dla34Up(16);
    expect(ir.nodes.filter((n) => n.op === 'upsample')).toHaveLength(10);
  });

  it("is pix2pix's generator on amodal completion: image in [0, 1] and the full-mask logit, beside pix2pix's PatchGAN", () => {
    const spec = {
      problem: 'amodal-completion',
      imageSize: 16,
      channels: generatorChannels('amodal-completion', 3, 0),
      domains: 0,
      latent: 8,
      width: 0.25,
    } as const;
    const nets = GENERATIVE_BASELINES['dla-up']!.build(spec);
    expect(nets.procedure).toBe('pix2pix');
    const generator = nets.roles.generator!;
    expect(generator.input.shape).toEqual([16, 16, 4]);
    const heads = generator.nodes.find((n) => n.id === generator.output)!;
    expect(heads.op).toBe('concat');
    expect(heads.inputs.map((id) => generator.nodes.find((n) => n.id === id)!.op)).toEqual(['sigmoid', 'channelSlice']);
    expect(nets.roles.discriminator!.nodes).toEqual(GENERATIVE_BASELINES['unet-pix2pix']!.build(spec).roles.discriminator!.nodes);
    // Widths scale with the proxy multiplier: DLA-34's 512-wide level5 is 128 wide at ×1/4.
    expect(generator.nodes.filter((n) => n.op === 'conv2d').reduce((m, n) => Math.max(m, n.op === 'conv2d' ? n.filters : 0), 0)).toBe(128);
  });
});
