// The conv-transpose2d op: PyTorch's ConvTranspose2d (weight [in, out, k, k], held channels-last
// as [in, k, k, out] like the patches' (ky, kx, o) order; output_padding) followed by its
// activation, on images held pixel-major (HWC per row). Forward: every input
// pixel's contribution X·W in one GEMM, scattered onto the output grid (col2im), then bias and
// activation; backward: the output gradient's patches (im2col) times Wᵀ, and for the weight
// gradient Xᵀ times those patches. Its units are the weight's patch columns (see conv-units.ts).
import { checkKeys } from '../check-keys.js';
import { ConfigError } from '../errors.js';
import { ACTIVATIONS, type Activation } from '../model/config.js';
import { biasShare, columnRanges } from './conv-units.js';
import { layerActivation, layerInt } from './layer-checks.js';
import { gradientZeros, LISTS_BELOW, sparseEnough, type Zeros } from './sparse-data.js';
import type { Op } from './types.js';

/** C × H × W in, O × Ho × Wo out, square kernel k; `dcols` the output gradient's patches. */
export interface ConvTranspose2dSpec {
  kind: 'conv-transpose2d'; name: string; layer: number; input: number; output: number; cols: number; dcols: number;
  C: number; H: number; W: number; O: number; k: number; stride: number; pad: number; Ho: number; Wo: number;
  weight: number; bias: number; act: number; alpha: number;
  /** Where its input's zeros come from, if it has many (set by the layout): skipped when sparse enough. */
  inputZeros?: Zeros;
}

/** `{ type: 'conv-transpose2d', filters: 32, kernel: 4, stride: 2, padding: 1, outputPadding: 0 }`. */
export interface ConvTranspose2dLayer {
  type: 'conv-transpose2d'; filters: number; kernel: number; stride?: number; padding?: number; outputPadding?: number; activation?: Activation; alpha?: number;
}

const patch = (s: ConvTranspose2dSpec) => s.O * s.k * s.k;

export const convTranspose2d: Op<ConvTranspose2dSpec, ConvTranspose2dLayer> = {
  // torch.nn.ConvTranspose2d's initialisation: fan-in is weight.size(1)·k·k = out·k·k.
  parameters: (s) => [
    { name: `${s.name}.weight`, shape: [s.C, s.O, s.k, s.k], field: 'weight', channelsLast: true, init: { kind: 'uniform', bound: 1 / Math.sqrt(patch(s)), stream: 2 * s.layer + 1 } },
    { name: `${s.name}.bias`, shape: [s.O], field: 'bias', init: { kind: 'uniform', bound: 1 / Math.sqrt(patch(s)), stream: 2 * s.layer + 2 } },
  ],
  forward(c, s, rows) {
    const K = patch(s);
    const x = c.buffer[s.input], n = rows * s.H * s.W;
    const gemm = sparseEnough(c, s.inputZeros, x, n * s.C, LISTS_BELOW) ? c.k.gemm_nn_lists : c.k.gemm_nn;
    gemm(n, K, s.C, x, s.C, c.params + 4 * s.weight, K, c.buffer[s.cols], K, 0, c.pack);
    c.k.col2im(c.buffer[s.output], c.buffer[s.cols], rows, s.Ho, s.Wo, s.O, s.k, s.k, s.stride, s.pad, s.H, s.W, 0);
    c.k.bias_act(c.buffer[s.output], rows * s.Ho * s.Wo, s.O, c.params + 4 * s.bias, s.act, s.alpha);
  },
  backwardInput(c, s, rows) {
    const K = patch(s);
    if (s.act !== 0) c.k.act_backward(c.gradient[s.output], c.buffer[s.output], rows * s.Ho * s.Wo * s.O, s.act, s.alpha);
    c.k.im2col(c.buffer[s.dcols], c.gradient[s.output], rows, s.Ho, s.Wo, s.O, s.k, s.k, s.stride, s.pad, s.H, s.W);
    if (c.gradient[s.input] === 0) return;
    const dz = c.gradient[s.output], size = rows * s.Ho * s.Wo * s.O, m = rows * s.H * s.W;
    const [dcols, w, dx] = [c.buffer[s.dcols], c.params + 4 * s.weight, c.gradient[s.input]];
    // dX = dZ's patches · Wᵀ through each patch row's own nonzeros: gemm_nt_bias_act_lists without
    // bias or activation is gemm_nt with beta 0 (dcgan28's first transposed conv, patches about
    // 50 % nonzero: 6.34 ms against 6.70 for the 4-row form, bench/sparse-conv.mjs).
    if (sparseEnough(c, gradientZeros(s.act), dz, size, LISTS_BELOW)) c.k.gemm_nt_bias_act_lists(m, s.C, K, dcols, K, w, K, dx, s.C, 0, 0, 0, c.pack);
    else (sparseEnough(c, gradientZeros(s.act), dz, size) ? c.k.gemm_nt_skip : c.k.gemm_nt)(m, s.C, K, dcols, K, w, K, dx, s.C, 0, c.pack);
  },
  // Owned by patch columns of the [C, K] weight, the bias channels in proportion (see conv-units.ts).
  units: (s) => patch(s),
  backwardParams(c, s, u0, u1, rows, accumulate) {
    const K = patch(s), beta = accumulate ? 1 : 0;
    // dW = Xᵀ·dZ's patches skips the patches' zeros if they are sparse (transposed, packing only
    // X's narrow panels; with a 4-wide kernel, panels of 4 kernel columns of one channel: see
    // conv2d's), else X's (4 channels).
    const [x, dcols, dw] = [c.buffer[s.input], c.buffer[s.dcols] + 4 * u0, c.grads + 4 * (s.weight + u0)], n = rows * s.H * s.W;
    if (sparseEnough(c, gradientZeros(s.act), c.gradient[s.output], rows * s.Ho * s.Wo * s.O)) {
      c.k.gemm_tn_skip_grouped(s.C, u1 - u0, n, x, s.C, dcols, K, dw, K, beta, c.pack, s.k === 4 ? s.O : 0);
    } else {
      (sparseEnough(c, s.inputZeros, x, n * s.C) ? c.k.gemm_tn_skip_a : c.k.gemm_tn)(s.C, u1 - u0, n, x, s.C, dcols, K, dw, K, beta, c.pack);
    }
    const [o0, o1] = biasShare(s.O, K, u0, u1);
    if (o1 > o0) c.k.col_sums(c.grads + 4 * (s.bias + o0), c.gradient[s.output] + 4 * o0, rows * s.Ho * s.Wo, o1 - o0, s.O, beta);
  },
  parameterRanges: (s, u0, u1) => columnRanges(s.weight, s.C, patch(s), s.bias, s.O, u0, u1),
  summary: (s) => ({ name: s.name, kind: `conv-transpose2d ${s.k}×${s.k}/${s.stride}`, input: s.C * s.H * s.W, output: s.O * s.Ho * s.Wo,
    activation: ACTIVATIONS[s.act], parameters: s.C * patch(s) + s.O }),
  layer: {
    type: 'conv-transpose2d',
    build(l, c) {
      checkKeys(l, ['type', 'filters', 'kernel', 'stride', 'padding', 'outputPadding', 'activation', 'alpha'], c.where);
      if (!c.shape) throw new ConfigError(`${c.where}: conv-transpose2d needs image rows: put { type: 'reshape', shape: [channels, height, width] } before it`);
      const O = layerInt(l.filters, 'filters', 1, c), k = layerInt(l.kernel, 'kernel', 1, c), stride = layerInt(l.stride ?? 1, 'stride', 1, c);
      const pad = layerInt(l.padding ?? 0, 'padding', 0, c), extra = layerInt(l.outputPadding ?? 0, 'outputPadding', 0, c);
      if (extra >= stride) throw new ConfigError(`${c.where}.outputPadding must be smaller than the stride (${stride}), got ${extra}`);
      const [C, H, W] = c.shape;
      const Ho = (H - 1) * stride - 2 * pad + k + extra, Wo = (W - 1) * stride - 2 * pad + k + extra;
      if (Ho < 1 || Wo < 1) throw new ConfigError(`${c.where}: padding ${pad} leaves no output pixels of the ${H}×${W} input`);
      const { act, alpha } = layerActivation(l, c);
      // One patch buffer serves both: the forward's patches are scattered at once, the gradient's kept for the weight gradient.
      const output = c.buffer(O * Ho * Wo, true), cols = c.buffer(H * W * O * k * k, false), dcols = cols;
      const spec: ConvTranspose2dSpec = { kind: 'conv-transpose2d', name: c.name, layer: c.layer, input: c.input, output, cols, dcols,
        C, H, W, O, k, stride, pad, Ho, Wo, weight: -1, bias: -1, act, alpha };
      return { spec, output, width: O * Ho * Wo, modules: 2, shape: [O, Ho, Wo] };
    },
  },
};
