/**
 * Introspective training and robustness evaluation as recipe options, both off
 * by default so BlockQNN's early-stop recipe (and every task key) is unchanged.
 *
 * `introspective` trains the candidate as a Wasserstein introspective neural
 * network classifier (WINN: Lee, Xu, Fan, Tu, "Wasserstein Introspective Neural
 * Networks", CVPR 2018, §3 and the supervised experiments; arXiv:1711.08875). We
 * implement the paper's supervised formulation, as in its released code
 * (github.com/kjunelee/WINN, supervised/WINN-ResNet-MNIST): the IR's K-way
 * classifier stays the classifier, a linear critic f(x) = w·logits(x) + b on its
 * logits scores "real versus pseudo-negative", and the loss is
 *
 *   CE(real) + criticWeight · (E f(pseudo-negative) − E f(real) + λ · E (‖∇x f(x̂)‖₂ − 1)²)
 *
 * with x̂ on random segments between real images and pseudo-negatives (WGAN-GP).
 * Pseudo-negatives start as uniform noise over the pixel range and are synthesised
 * after every epoch but the last by Langevin steps on the input, the paper's
 * Δx = (ε/2)·∇x g(x) + η with g(x) = f(x) − classWeight·CE(x, y) (the code's
 * class-conditional synthesis term), clipped to [0, 1], until the batch's mean
 * critic score reaches a threshold drawn between the smallest and largest mean
 * real score of the epoch (the code's stopping rule), at most `synthesisSteps`.
 * Why not the K+1-way (ICN-style) alternative: the supervised WINN keeps the
 * network and its K outputs identical to plain training, so the two compare
 * like for like, and the critic adds only K+1 parameters outside the IR.
 *
 * `robustness` evaluates the trained network (plain or introspective) on the
 * validation split under the fast gradient sign method (Goodfellow et al., ICLR
 * 2015): x' = clip(x + ε·sign(∇x CE), 0, 1), white-box against the network
 * itself, reported as `fgsmAccuracy@ε` in the outcome's extra metrics.
 */
import { z } from 'zod';

/** The paper's FGSM ε: 0.25 on its [-1, 1] pixels (supervised/FGSM-Adversarial), i.e. 0.125 on [0, 1]. */
export const PAPER_FGSM_EPSILON = 0.125;

const positiveInt = (field: string, max: number) =>
  z
    .number()
    .int({ error: `${field} must be a whole number` })
    .min(1, { error: `${field} must be at least 1` })
    .max(max, { error: `${field} must be at most ${max}` });

export const introspectiveSchema = z
  .strictObject({
    /** The formulation; only the paper's supervised WINN so far. */
    mode: z.literal('winn').default('winn'),
    /** Weight of the Wasserstein term beside the cross-entropy (the code: d_softmax_loss + 0.01 · d_wass_loss). */
    criticWeight: z
      .number()
      .gt(0, { error: 'criticWeight must be > 0 (0 is plain training: drop `introspective`)' })
      .max(100)
      .default(0.01),
    /** λ of the gradient penalty (WGAN-GP's and the code's `scale = 10.0`). */
    gradientPenalty: z.number().min(0, { error: 'gradientPenalty must be ≥ 0' }).max(1000).default(10),
    /** Pseudo-negatives synthesised per epoch, and the size of the initial noise pool (the code's g_neg_images_count = 1000). */
    synthesisPerEpoch: positiveInt('synthesisPerEpoch', 1_000_000).default(1000),
    /** Most Langevin steps per synthesis batch (the code's max_opt_steps = 2000); the threshold usually stops it sooner. */
    synthesisSteps: positiveInt('synthesisSteps', 100_000).default(2000),
    /**
     * ε of the Langevin step Δx = (ε/2)·∇g + η. The code optimises the image with Adam
     * (rate 0.02) instead; 0.1 moves a critic with ‖∇f‖ ≈ 1 (what the penalty enforces)
     * by about 0.05 in L2 per step, so the threshold is reached within the step budget.
     */
    stepSize: z.number().gt(0, { error: 'stepSize must be > 0' }).max(100).default(0.1),
    /** Standard deviation of η per pixel (pixels are in [0, 1]). */
    noise: z.number().min(0, { error: 'noise must be ≥ 0' }).max(1).default(0.005),
    /** Weight of the class term in synthesis (the code: g_loss = |wass − thres| + 0.5 · softmax loss). */
    classWeight: z.number().min(0, { error: 'classWeight must be ≥ 0' }).max(100).default(0.5),
    /** Pseudo-negatives kept (oldest dropped first); the code keeps all of them. */
    poolSize: positiveInt('poolSize', 1_000_000).default(10_000),
  })
  .refine((o) => o.poolSize >= o.synthesisPerEpoch, {
    error: 'poolSize must be at least synthesisPerEpoch, or a synthesis round would not fit in the pool',
    path: ['poolSize'],
  });

export const robustnessSchema = z.strictObject({
  /** FGSM step sizes on [0, 1] pixels; default the paper's 0.125. */
  fgsmEpsilons: z
    .array(
      z
        .number()
        .min(0, { error: 'an FGSM ε must be ≥ 0 (a perturbation size on [0, 1] pixels)' })
        .max(1, { error: 'an FGSM ε must be ≤ 1 (pixels are in [0, 1])' }),
    )
    .min(1, { error: 'fgsmEpsilons needs at least one ε' })
    .max(16)
    .refine((list) => new Set(list).size === list.length, { error: 'fgsmEpsilons must not repeat an ε' })
    .default([PAPER_FGSM_EPSILON]),
});

/** Spread into the recipe schema: both fields optional, absent unless asked for. */
export const introspectiveRecipeFields = {
  introspective: introspectiveSchema.optional(),
  robustness: robustnessSchema.optional(),
};

export type IntrospectiveOptions = z.infer<typeof introspectiveSchema>;
export type RobustnessOptions = z.infer<typeof robustnessSchema>;

/** The extra-metric key of FGSM accuracy at ε; both engines name it here so their keys agree. */
export function fgsmKey(epsilon: number): string {
  return `fgsmAccuracy@${epsilon}`;
}

/** The extra metrics an introspective training reports (from its last synthesis round and epoch). */
export const WINN_METRICS = [
  /** Mean over the last epoch of E f(real) − E f(pseudo-negative): the critic's Wasserstein estimate. */
  'winnWassersteinEstimate',
  /** Mean gradient penalty E (‖∇x f(x̂)‖ − 1)² over the last epoch (before λ). */
  'winnGradientPenalty',
  /** Mean critic score of the last synthesis round's pseudo-negatives before the first step … */
  'winnSynthesisScoreStart',
  /** … and after the last. */
  'winnSynthesisScoreEnd',
  /** Mean Langevin steps per batch in the last synthesis round. */
  'winnSynthesisSteps',
  /** Pseudo-negatives in the pool at the end. */
  'winnPoolSize',
] as const;
