/**
 * pix2pix (Isola, Zhu, Zhou, Efros, "Image-to-Image Translation with Conditional
 * Adversarial Networks", CVPR 2017) on tfjs, for every paired problem (paired-io.ts),
 * and the procedure of the searched U-Net generator.
 *
 * Per batch, as the authors' pix2pix_model.py: first the discriminator on
 * ½·(BCE(D(x, y), 1) + BCE(D(x, G(x)), 0)), then the generator on
 * BCE(D(x, G(x)), 1) + λ_l1·rec, with rec = L1(G(x), y); for amodal completion the
 * generator's last channel is the full-mask logit, so rec = L1(image, full) + BCE(mask
 * logit, fullMask) (both reconstruction terms carry λ_l1) and the discriminator sees the
 * mask as a probability. D(x, ·) takes [x, candidate] concatenated on channels.
 * style-transfer has two directions, each its own pix2pix: apply (generator +
 * discriminator, [plain, reference] → styled) and remove (remover +
 * removerDiscriminator, styled → plain), their losses summed into one discriminator
 * and one generator update (each network by its own Adam: the same as one Adam over both).
 * Loss terms (the torch engine's names): d, adv, l1, and for amodal completion mask.
 *
 * The generator runs twice per batch (for D's fake, then inside G's gradient: tfjs
 * cannot reuse one forward across two optimisers); the first run is a peek (roles.ts), so
 * batch-norm running statistics move once per batch, as in the torch engine.
 */
import type { Tensor } from '@tensorflow/tfjs';
import { type SplitReader, tiledOneHot } from './data.js';
import { bceWithLogits, l1 } from './losses.js';
import { type PairedProblem, pairedChannels, pairedInput, pairedProblem, pairedTarget, splitAmodal } from './paired-io.js';
import { type ProcedureContext, type ProcedureDefinition, collectOutputs } from './procedure.js';
import { type LossTerms, type Role, type RoleRequirement, optimiseStep } from './roles.js';

const EVAL_BATCH = 64;

/** One generator/discriminator pair and what it maps. */
interface Direction {
  generator: string;
  discriminator: string;
  input(split: SplitReader, indices: Uint32Array): Tensor;
  target(split: SplitReader, indices: Uint32Array): Tensor;
}

type Pix2pixProblem = PairedProblem | 'style-transfer';

function pix2pixProblem(problem: ProcedureContext['task']['problem']): Pix2pixProblem {
  return problem === 'style-transfer' ? problem : pairedProblem(problem, 'pix2pix');
}

function directions(ctx: Pick<ProcedureContext, 'tf' | 'examples'>, problem: Pix2pixProblem): Direction[] {
  const { tf, examples } = ctx;
  if (problem === 'style-transfer') {
    return [
      {
        generator: 'generator',
        discriminator: 'discriminator',
        input: (s, i) => tf.tidy(() => tf.concat([s.images('plain', i), s.images('reference', i)], -1)),
        target: (s, i) => s.images('styled', i),
      },
      {
        generator: 'remover',
        discriminator: 'removerDiscriminator',
        input: (s, i) => s.images('styled', i),
        target: (s, i) => s.images('plain', i),
      },
    ];
  }
  return [
    {
      generator: 'generator',
      discriminator: 'discriminator',
      input: (s, i) => pairedInput(tf, problem, examples, s, i),
      target: (s, i) => pairedTarget(tf, problem, s, i),
    },
  ];
}

export const pix2pix: ProcedureDefinition = {
  name: 'pix2pix',
  requirements(task, examples): Record<string, RoleRequirement> {
    const problem = pix2pixProblem(task.problem);
    if (problem === 'style-transfer') {
      const c = examples.channels;
      return {
        generator: { input: 2 * c, output: c, fullResolution: true },
        discriminator: { input: 3 * c, output: 1 },
        remover: { input: c, output: c, fullResolution: true },
        removerDiscriminator: { input: 2 * c, output: 1 },
      };
    }
    const { input, target } = pairedChannels(problem, examples);
    return { generator: { input, output: target, fullResolution: true }, discriminator: { input: input + target, output: 1 } };
  },
  start(ctx) {
    const { tf, task, examples, roles } = ctx;
    const problem = pix2pixProblem(task.problem);
    const { lambda } = task.recipe;
    const c = examples.channels;
    const amodal = problem === 'amodal-completion';
    /** What D sees of a generator output: the image, or for amodal [image, mask probability]. */
    const candidate = (out: Tensor) => (amodal ? splitAmodal(tf, out, c).candidate : out);

    return {
      step(batch) {
        const maps = directions(ctx, problem).map((direction) => ({
          G: roles[direction.generator]!,
          D: roles[direction.discriminator]!,
          x: direction.input(ctx.train, batch),
          y: direction.target(ctx.train, batch),
        }));
        const judge = (D: Role, x: Tensor, candidateImage: Tensor) => D.run(tf.concat([x, candidateImage], -1), true);
        const fakes = maps.map(({ G, x }) => tf.tidy(() => candidate(G.peek(x))));
        try {
          const d = optimiseStep(
            tf,
            maps.map((m) => m.D),
            () => ({
              total: tf.addN(
                maps.map(({ D, x, y }, i) =>
                  tf.mul(tf.add(bceWithLogits(tf, judge(D, x, y), 1), bceWithLogits(tf, judge(D, x, fakes[i]!), 0)), 0.5),
                ),
              ),
            }),
            'd',
          );
          const g = optimiseStep(
            tf,
            maps.map((m) => m.G),
            (): LossTerms => {
              const adv: Tensor[] = [];
              const rec: Tensor[] = [];
              const mask: Tensor[] = [];
              for (const { G, D, x, y } of maps) {
                const out = G.run(x, true);
                adv.push(bceWithLogits(tf, judge(D, x, candidate(out)), 1));
                if (amodal) {
                  const { image, maskLogit } = splitAmodal(tf, out, c);
                  rec.push(l1(tf, image, y.slice([0, 0, 0, 0], [-1, -1, -1, c])));
                  mask.push(bceWithLogits(tf, maskLogit, y.slice([0, 0, 0, c], [-1, -1, -1, 1])));
                } else {
                  rec.push(l1(tf, out, y));
                }
              }
              const terms: Record<string, Tensor> = { adv: tf.addN(adv), l1: tf.addN(rec) };
              if (amodal) terms.mask = tf.addN(mask);
              return { total: tf.add(terms.adv!, tf.mul(amodal ? tf.add(terms.l1!, terms.mask!) : terms.l1!, lambda.l1)), ...terms };
            },
          );
          return { ...d, ...g };
        } finally {
          tf.dispose([...fakes, ...maps.flatMap((m) => [m.x, m.y])]);
        }
      },
      outputs(signal) {
        return collectOutputs(
          ctx,
          EVAL_BATCH,
          (indices): Record<string, Tensor> => {
            const [main, remove] = directions(ctx, problem);
            const out = roles[main!.generator]!.run(main!.input(ctx.eval, indices), false);
            if (amodal) {
              const { image, maskLogit } = splitAmodal(tf, out, c);
              return { mask: tf.sigmoid(maskLogit), image };
            }
            if (problem === 'domain-translation') {
              const back = tiledOneHot(tf, ctx.eval.labels('sourceDomain', indices), examples.domains, examples.imageSize);
              return { image: out, cycle: roles.generator!.run(tf.concat([out, back], -1), false) };
            }
            if (problem === 'style-transfer')
              return { applied: out, removed: roles[remove!.generator]!.run(remove!.input(ctx.eval, indices), false) };
            return { image: out };
          },
          signal,
        );
      },
    };
  },
};
