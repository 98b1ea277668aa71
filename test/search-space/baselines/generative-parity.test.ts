/**
 * Every generative baseline role and the searched U-Net generator: the same
 * trainable parameters in the IR, the compiled tfjs model and the generated
 * PyTorch module, and the same output shape, on every problem each one solves
 * (grey and RGB), at width 1/8 so that tfjs compiles them quickly.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileIr, loadTfjs, trainableParams } from '../../../src/engines/tfjs/index.js';
import { generateTorchModule } from '../../../src/engines/torch/index.js';
import {
  GENERATIVE_BASELINES,
  type GenerativeNetworks,
  generatorChannels,
  searchedUnetGenerator,
} from '../../../src/search-space/baselines/generative/index.js';
import { INCEPTION_BLOCK_NSC, type NetworkIr, checkIr, networkCost, parseNsc } from '../../../src/search-space/index.js';
import { FIXTURES, runPythonJson } from '../../engines/torch/helpers.js';

const WIDTH = 0.125;

interface Probe {
  params: number;
  declaredParams: number;
  outputShape: number[];
  nchwAgrees: boolean;
}

function cases(): { label: string; ir: NetworkIr }[] {
  const all: { label: string; nets: GenerativeNetworks }[] = [];
  for (const entry of Object.values(GENERATIVE_BASELINES)) {
    for (const problem of entry.problems) {
      // Domain translation also with two label sets of 3 domains (StarGAN's mask vector); stargan-jnt only so.
      const sets = problem === 'domain-translation' ? [1, 2].filter((m) => m >= (entry.labelSets ?? 1)) : [1];
      for (const labelSets of sets) {
        for (const channels of [1, 3]) {
          const domains = 3 * labelSets;
          const spec = {
            problem,
            imageSize: 16,
            channels: generatorChannels(problem, channels, domains),
            domains,
            latent: 8,
            width: WIDTH,
            labelSets,
          };
          all.push({ label: `${entry.name} ${problem} C=${channels} label sets ${labelSets}`, nets: entry.build(spec) });
        }
      }
    }
  }
  // PairedCycleGAN's per-region generators (recipe.pairedCycleGan.regions) add a background generator and remover.
  for (const channels of [1, 3]) {
    const channelsOf = generatorChannels('style-transfer', channels, 3);
    const spec = {
      problem: 'style-transfer',
      imageSize: 16,
      channels: channelsOf,
      domains: 3,
      latent: 8,
      width: WIDTH,
      regions: true,
    } as const;
    all.push({ label: `paired-cyclegan regions style-transfer C=${channels}`, nets: GENERATIVE_BASELINES['paired-cyclegan']!.build(spec) });
  }
  const block = parseNsc(INCEPTION_BLOCK_NSC);
  all.push({
    label: 'searched-unet (inception block) amodal-completion C=3',
    nets: searchedUnetGenerator(block, {
      problem: 'amodal-completion',
      imageSize: 16,
      channels: generatorChannels('amodal-completion', 3, 3),
      domains: 3,
      latent: 8,
      width: WIDTH,
    }),
  });
  return all.flatMap(({ label, nets }) => Object.entries(nets.roles).map(([role, ir]) => ({ label: `${label} ${role}`, ir })));
}

describe('generative baselines: IR, tfjs and PyTorch agree', () => {
  it('on trainable parameters and output shape of every role', async () => {
    const all = cases();
    expect(all.length).toBeGreaterThan(30);
    const checked = all.map(({ ir }) => checkIr(ir));
    const probes = await runPythonJson<Probe[]>(
      path.join(FIXTURES, 'module_probe.py'),
      checked.map((c) => ({ source: generateTorchModule(c).source, batch: 2 })),
    );
    const { tf } = await loadTfjs({ logger: () => {} });
    all.forEach(({ label }, i) => {
      const c = checked[i]!;
      const model = compileIr(tf, c).model;
      const irParams = networkCost(c).params;
      const outputShape = [...c.shapes.get(c.ir.output)!];
      expect(irParams, label).toBeGreaterThan(0);
      expect(
        {
          tfjs: trainableParams(model),
          torch: probes[i]!.params,
          declared: probes[i]!.declaredParams,
          outputShape: probes[i]!.outputShape,
          nchwAgrees: probes[i]!.nchwAgrees,
        },
        label,
      ).toEqual({ tfjs: irParams, torch: irParams, declared: irParams, outputShape, nchwAgrees: true });
      expect(model.outputs[0]!.shape.slice(1), label).toEqual(outputShape);
      model.dispose();
    });
  }, 120_000);
});
