/**
 * One IR node → the PyTorch code that computes it, with the IR's semantics
 * (PyTorch's own: explicit symmetric padding, count_include_pad, bilinear with
 * align_corners=False). Tensors are NCHW inside the module, so the IR's channel
 * axis (last) is dim 1 and `flatten` permutes to H, W, C before flattening.
 * Ops with parameters become submodules (so `shareWeightsWith` can reuse the
 * owner's); the rest are inline functional calls.
 */
import { InvalidArchitectureError } from '../../common/errors.js';
import { DPP_FULL_GUIDE, type IrNode, type Shape } from '../../search-space/index.js';

export interface OpCode {
  /** Constructor of the submodule that holds the node's parameters, e.g. `nn.Conv2d(3, 16, 3, padding=1, bias=False)`. */
  module?: string;
  /** Python expression of the node's value from its inputs' names and its submodule (`self.name`, the owner's for a sharer). */
  forward(inputs: readonly string[], module: string): string;
}

type PairValue = number | readonly [number, number];

const isDefault = (v: PairValue, d: number): boolean => (typeof v === 'number' ? v === d : v[0] === d && v[1] === d);

/** `3` for a square value, `(1, 3)` otherwise. */
export function pyPair(v: PairValue): string {
  if (typeof v === 'number') return String(v);
  return v[0] === v[1] ? String(v[0]) : `(${v[0]}, ${v[1]})`;
}

/** A finite JS number as a Python literal (JS prints `1e-7`, `0.1`, `2`: all valid Python). */
export function pyNumber(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`cannot write ${x} as a Python literal`);
  return String(x);
}

/** Keyword arguments whose value differs from the PyTorch default, in order. */
function kwargs(entries: readonly [string, string, boolean][]): string {
  return entries
    .filter(([, , differs]) => differs)
    .map(([k, v]) => `, ${k}=${v}`)
    .join('');
}

const channelsOf = (shape: Shape): number => shape[shape.length - 1]!;

/** Code for `node`, given its input shapes (IR convention, channels-last, no batch axis). */
export function opCode(node: IrNode, inputShapes: readonly Shape[]): OpCode {
  const x = inputShapes[0]!;
  const unary = (f: (a: string) => string): OpCode => ({ forward: ([a]) => f(a!) });
  switch (node.op) {
    case 'conv2d':
      return {
        module: `nn.Conv2d(${channelsOf(x)}, ${node.filters}, ${pyPair(node.kernel)}${kwargs([
          ['stride', pyPair(node.stride), !isDefault(node.stride, 1)],
          ['padding', pyPair(node.padding), !isDefault(node.padding, 0)],
          ['dilation', pyPair(node.dilation), !isDefault(node.dilation, 1)],
          ['groups', String(node.groups), node.groups !== 1],
          ['bias', 'False', !node.bias],
        ])})`,
        forward: ([a], m) => `${m}(${a})`,
      };
    case 'conv2dTranspose':
      return {
        module: `nn.ConvTranspose2d(${channelsOf(x)}, ${node.filters}, ${pyPair(node.kernel)}${kwargs([
          ['stride', pyPair(node.stride), !isDefault(node.stride, 1)],
          ['padding', pyPair(node.padding), !isDefault(node.padding, 0)],
          ['output_padding', pyPair(node.outputPadding), !isDefault(node.outputPadding, 0)],
          ['bias', 'False', !node.bias],
        ])})`,
        forward: ([a], m) => `${m}(${a})`,
      };
    case 'maxPool': {
      // PyTorch pads max pooling with -inf, as the IR means.
      const args = `${pyPair(node.kernel)}, stride=${pyPair(node.stride ?? node.kernel)}${kwargs([['padding', pyPair(node.padding), !isDefault(node.padding, 0)]])}`;
      return unary((a) => `F.max_pool2d(${a}, ${args})`);
    }
    case 'avgPool': {
      const padded = !isDefault(node.padding, 0);
      const args = `${pyPair(node.kernel)}, stride=${pyPair(node.stride ?? node.kernel)}${kwargs([
        ['padding', pyPair(node.padding), padded],
        ['count_include_pad', 'False', padded && !node.countIncludePad],
      ])}`;
      return unary((a) => `F.avg_pool2d(${a}, ${args})`);
    }
    case 'globalAvgPool':
      return unary((a) => `${a}.mean(dim=(2, 3))`);
    case 'globalMaxPool':
      return unary((a) => `${a}.amax(dim=(2, 3))`);
    case 'batchNorm': {
      // The IR's momentum is PyTorch's (running = (1 - m)·running + m·batch).
      const cls = x.length === 3 ? 'nn.BatchNorm2d' : 'nn.BatchNorm1d';
      return {
        module: `${cls}(${channelsOf(x)}${kwargs([
          ['eps', pyNumber(node.epsilon), node.epsilon !== 1e-5],
          ['momentum', pyNumber(node.momentum), node.momentum !== 0.1],
          ['affine', 'False', !node.affine],
        ])})`,
        forward: ([a], m) => `${m}(${a})`,
      };
    }
    case 'instanceNorm':
      // No running statistics: instance statistics in training and evaluation alike.
      return {
        module: `nn.InstanceNorm2d(${channelsOf(x)}${kwargs([
          ['eps', pyNumber(node.epsilon), node.epsilon !== 1e-5],
          ['affine', 'True', node.affine],
        ])})`,
        forward: ([a], m) => `${m}(${a})`,
      };
    case 'relu':
      return unary((a) => `F.relu(${a})`);
    case 'leakyRelu':
      return unary((a) => `F.leaky_relu(${a}, ${pyNumber(node.alpha)})`);
    case 'sigmoid':
      return unary((a) => `torch.sigmoid(${a})`);
    case 'tanh':
      return unary((a) => `torch.tanh(${a})`);
    case 'add':
      return { forward: (inputs) => inputs.join(' + ') };
    case 'concat':
      return { forward: (inputs) => `torch.cat([${inputs.join(', ')}], dim=1)` };
    case 'channelScale':
      return { forward: ([a, s]) => `${a} * ${s}[:, :, None, None]` };
    case 'dense':
      return {
        module: `nn.Linear(${channelsOf(x)}, ${node.units}${kwargs([['bias', 'False', !node.bias]])})`,
        forward: ([a], m) => `${m}(${a})`,
      };
    case 'flatten':
      // The IR flattens channels-last (H, W, C); NCHW must be permuted first.
      return unary((a) => (x.length === 3 ? `${a}.permute(0, 2, 3, 1).flatten(1)` : `${a}.flatten(1)`));
    case 'dropout':
      return unary((a) => `F.dropout(${a}, ${pyNumber(node.rate)}, self.training)`);
    case 'upsample':
      return unary((a) =>
        node.mode === 'nearest'
          ? `F.interpolate(${a}, scale_factor=${node.scale}, mode="nearest")`
          : `F.interpolate(${a}, scale_factor=${node.scale}, mode="bilinear", align_corners=False)`,
      );
    case 'zeros':
      return unary((a) => `torch.zeros_like(${a})`);
    case 'channelSlice':
      return unary((a) => `${a}[:, ${node.start}:${node.start + node.size}]`);
    case 'dpp': {
      const tuple = (v: PairValue): string => {
        const [a, b] = typeof v === 'number' ? [v, v] : v;
        return `(${a}, ${b})`;
      };
      return {
        module: `${DPP_CLASS_NAME}(${channelsOf(x)}, ${tuple(node.kernel)}, ${tuple(node.stride ?? node.kernel)}, ${tuple(node.padding)}, "${node.variant}", "${node.reward}", "${node.sampling}", ${pyNumber(node.epsilon)})`,
        forward: ([a], m) => `${m}(${a})`,
      };
    }
  }
}

/**
 * Name of the detail-preserving pooling class a generated module defines when its IR
 * uses `dpp`. The leading underscore keeps it apart from every node name (python-names.ts
 * never starts one with `_`).
 */
export const DPP_CLASS_NAME = '_BlockqnnDpp';

/**
 * The IR's `dpp` op in PyTorch, emitted into a generated module only when its IR uses
 * it, so the module still imports nothing but torch. The same computation as the tfjs
 * engine's DetailPreservingPool2D (src/engines/tfjs/layers-dpp.ts, which says where
 * each choice comes from) on the same windows (src/search-space/dpp-geometry.ts).
 */
export const DPP_MODULE_SOURCE = `class ${DPP_CLASS_NAME}(nn.Module):
    """Detail-preserving pooling (Saeedan, Weber, Goesele, Roth, CVPR 2018), per channel:
    O[p] = sum_q w[p,q] I[q] / sum_q w[p,q], w[p,q] = alpha + rho_lambda(I[q] - guide[p]),
    rho(x) = sqrt(x^2 + eps^2)^lambda (asym: max(0, x) in place of x), alpha = exp(log_alpha)
    and lambda = exp(log_lambda) per channel; the guide is the box filter over the window
    (lite) or a learned 3x3 filter (full). Taps in the padding weigh 0. sampling "s3": pooling
    at stride 1, then one random row and column per block of stride (training) or the block
    mean (evaluation).
    """

    GUIDE = ${DPP_FULL_GUIDE}

    def __init__(self, channels, kernel, stride, padding, variant, reward, sampling, eps):
        super().__init__()
        self.kernel, self.stride, self.padding = kernel, stride, padding
        self.variant, self.reward, self.sampling, self.eps = variant, reward, sampling, eps
        self.log_alpha = nn.Parameter(torch.zeros(channels))
        self.log_lambda = nn.Parameter(torch.zeros(channels))
        if variant == "full":
            g = self.GUIDE
            self.guide = nn.Parameter(torch.full((channels, 1, g, g), 1.0 / (g * g)))

    def _axis(self, dim, size):
        k, s, p = self.kernel[dim], self.stride[dim], self.padding[dim]
        step = 1 if self.sampling == "s3" else s
        inner = (size + 2 * p - k) // step + 1
        out = -(-inner // s) if self.sampling == "s3" else inner
        offset = (k - self.GUIDE) // 2
        lo, hi = -p, (inner - 1) * step - p + k - 1
        if self.variant == "full":
            lo, hi = min(lo, offset - p), max(hi, (inner - 1) * step - p + offset + self.GUIDE - 1)
        return k, s, p, step, inner, out, offset, max(0, -lo), max(0, hi - (size - 1))

    @staticmethod
    def _real(k, p, step, inner, size, x):
        first = torch.arange(inner, device=x.device) * step - p
        return [((first + i >= 0) & (first + i < size)).to(x.dtype) for i in range(k)]

    @staticmethod
    def _blocks(s, inner, out, x):
        starts = torch.arange(out, device=x.device) * s
        lengths = (inner - starts).clamp(max=s)
        at = torch.arange(inner, device=x.device)[None, :] - starts[:, None]
        mean = ((at >= 0) & (at < lengths[:, None])).to(x.dtype) / lengths[:, None].to(x.dtype)
        return starts, lengths, mean

    def forward(self, x):
        n, c, h, w = x.shape
        kh, sh, ph, step_h, ih, oh, gh, top, bottom = self._axis(0, h)
        kw, sw, pw, step_w, iw, ow, gw, left, right = self._axis(1, w)
        xp = F.pad(x, (left, right, top, bottom))
        r0, c0 = top - ph, left - pw
        taps = [[xp[:, :, r0 + i:r0 + i + step_h * (ih - 1) + 1:step_h, c0 + j:c0 + j + step_w * (iw - 1) + 1:step_w]
                 for j in range(kw)] for i in range(kh)]
        rows = self._real(kh, ph, step_h, ih, h, x)
        cols = self._real(kw, pw, step_w, iw, w, x)
        if self.variant == "full":
            g = self.GUIDE
            region = xp[:, :, r0 + gh:r0 + gh + step_h * (ih - 1) + g, c0 + gw:c0 + gw + step_w * (iw - 1) + g]
            guide = F.conv2d(region, self.guide, stride=(step_h, step_w), groups=c)
        else:
            guide = sum(t for row in taps for t in row) / (sum(rows)[:, None] * sum(cols)[None, :])
        alpha = self.log_alpha.exp().view(1, c, 1, 1)
        half_lambda = 0.5 * self.log_lambda.exp().view(1, c, 1, 1)
        eps2 = self.eps * self.eps
        num, den = 0, 0
        for i in range(kh):
            for j in range(kw):
                d = taps[i][j] - guide
                if self.reward == "asym":
                    d = F.relu(d)
                weight = alpha + torch.exp(half_lambda * torch.log(d * d + eps2))
                if ph > 0 or pw > 0:
                    weight = weight * (rows[i][:, None] * cols[j][None, :])
                num = num + weight * taps[i][j]
                den = den + weight
        y = num / den
        if self.sampling != "s3":
            return y
        starts_h, lengths_h, mean_h = self._blocks(sh, ih, oh, y)
        starts_w, lengths_w, mean_w = self._blocks(sw, iw, ow, y)
        if self.training:
            pick_h = starts_h + (torch.rand(oh, device=x.device) * lengths_h).floor().long()
            pick_w = starts_w + (torch.rand(ow, device=x.device) * lengths_w).floor().long()
            return y.index_select(2, pick_h).index_select(3, pick_w)
        return torch.matmul(torch.matmul(mean_h, y), mean_w.t())
`;

/** Rejects the one sharing the IR allows but a PyTorch module cannot do: a batch norm applied to an image and to a vector. */
export function checkShareable(node: IrNode, ownerInput: Shape, input: Shape): void {
  if (node.op === 'batchNorm' && ownerInput.length !== input.length) {
    throw new InvalidArchitectureError(
      `node "${node.id}" shares a batch norm with "${node.shareWeightsWith}" across an image and a vector input, which PyTorch's BatchNorm1d/2d cannot do`,
      {
        hint: 'share batch norms only between inputs of the same rank',
        details: { node: node.id, rule: 'share-rank' },
      },
    );
  }
}
