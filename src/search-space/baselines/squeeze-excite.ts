/**
 * The Squeeze-and-Excitation block (Hu, Shen, Sun, "Squeeze-and-Excitation
 * Networks", CVPR 2018, Fig. 1 and Fig. 3): global average pooling squeezes each
 * channel to one number, two dense layers C → C/r → C with a ReLU between and a
 * sigmoid after excite them, and the result rescales the channels of the input.
 * The dense layers carry biases, as in the paper's released models, so the block
 * has 2·C²/r + C/r + C parameters.
 */
import type { IrBuilder } from '../builder.js';

/** Appends SE(x) = x · σ(W2 · relu(W1 · gap(x))) and returns the rescaled tensor's id. */
export function appendSqueezeExcite(b: IrBuilder, x: string, reduction: number): string {
  const channels = b.channelsOf(x);
  return b.scoped('se', () => {
    const squeezed = b.globalAvgPool(x, 'squeeze');
    const hidden = b.relu(b.dense(squeezed, { units: channels / reduction }, 'reduce'));
    const gate = b.sigmoid(b.dense(hidden, { units: channels }, 'expand'));
    return b.channelScale(x, gate);
  });
}
