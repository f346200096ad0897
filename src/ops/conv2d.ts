// The conv2d op: PyTorch's Conv2d followed by its activation, on images held pixel-major (HWC
// per row). Forward: the rows' patches (im2col, (ky, kx, c) order: the weight is held
// channels-last, [out, kh, kw, in]) times Wᵀ in one GEMM
// over all pixels of all rows, the bias and activation fused into its tile stores; backward: ∂/∂Z
// (activation first), the patches' gradient ∂Z·W scattered back (col2im); the weight gradient of
// patch columns [u0, u1) is one GEMM over every pixel of the pass's rows, in order.
import { checkKeys } from '../check-keys.js';
import { ConfigError } from '../errors.js';
import { ACTIVATIONS, type Activation } from '../model/config.js';
import { biasShare, columnRanges } from './conv-units.js';
import { layerActivation, layerInt } from './layer-checks.js';
import { GRADIENT_LISTS_BELOW, gradientZeros, LISTS_BELOW, sparseEnough, type Zeros } from './sparse-data.js';
import type { Op, OpContext } from './types.js';

/** A conv2d layer: C × H × W in, O × Ho × Wo out, square kernel k; `cols`/`dcols` its patch scratch buffers. */
export interface Conv2dSpec {
  kind: 'conv2d'; name: string; layer: number; input: number; output: number; cols: number; dcols: number;
  C: number; H: number; W: number; O: number; k: number; stride: number; pad: number; Ho: number; Wo: number;
  weight: number; bias: number; act: number; alpha: number;
  /** Where its input's zeros come from, if it has many (set by the layout): its patches skip them when sparse enough. */
  inputZeros?: Zeros;
}

/** `{ type: 'conv2d', filters: 32, kernel: 4, stride: 2, padding: 1 }`; stride 1, padding 0 and the model's activation by default. */
export interface Conv2dLayer { type: 'conv2d'; filters: number; kernel: number; stride?: number; padding?: number; activation?: Activation; alpha?: number }

const patch = (s: Conv2dSpec) => s.C * s.k * s.k;
const pixels = (s: Conv2dSpec) => s.Ho * s.Wo;

/** Whether the input of `rows` rows is sparse enough for its patches to skip their zeros. */
const sparseInput = (c: OpContext, s: Conv2dSpec, rows: number) => sparseEnough(c, s.inputZeros, c.buffer[s.input], rows * s.C * s.H * s.W);

export const conv2d: Op<Conv2dSpec, Conv2dLayer> = {
  // torch.nn.Conv2d's initialisation: weight and bias uniform in ±1/√(in·k·k).
  parameters: (s) => [
    { name: `${s.name}.weight`, shape: [s.O, s.C, s.k, s.k], field: 'weight', channelsLast: true, init: { kind: 'uniform', bound: 1 / Math.sqrt(patch(s)), stream: 2 * s.layer + 1 } },
    { name: `${s.name}.bias`, shape: [s.O], field: 'bias', init: { kind: 'uniform', bound: 1 / Math.sqrt(patch(s)), stream: 2 * s.layer + 2 } },
  ],
  forward(c, s, rows) {
    const K = patch(s);
    c.k.im2col(c.buffer[s.cols], c.buffer[s.input], rows, s.H, s.W, s.C, s.k, s.k, s.stride, s.pad, s.Ho, s.Wo);
    // Each patch row's own nonzeros (lists) rather than those of 4 rows: on dcgan28's second conv
    // (patches 47 % nonzero, 78 % of 4-row steps kept) 6.26 ms against 6.69 for the 4-row form; on
    // its first (MNIST patches) 430 µs against 498 (bench/sparse-conv.mjs).
    const input = c.buffer[s.input], size = rows * s.C * s.H * s.W;
    const gemm = sparseEnough(c, s.inputZeros, input, size, LISTS_BELOW) ? c.k.gemm_nt_bias_act_lists
      : sparseInput(c, s, rows) ? c.k.gemm_nt_bias_act_skip : c.k.gemm_nt_bias_act;
    gemm(rows * pixels(s), s.O, K, c.buffer[s.cols], K, c.params + 4 * s.weight, K, c.buffer[s.output], s.O,
      c.params + 4 * s.bias, s.act, s.alpha, c.pack);
  },
  backwardInput(c, s, rows) {
    const K = patch(s), n = rows * pixels(s);
    if (s.act !== 0) c.k.act_backward(c.gradient[s.output], c.buffer[s.output], n * s.O, s.act, s.alpha);
    if (c.gradient[s.input] === 0) return; // the data: nothing to propagate into
    const dz = c.gradient[s.output], gemm = sparseEnough(c, gradientZeros(s.act), dz, n * s.O, LISTS_BELOW) ? c.k.gemm_nn_lists : c.k.gemm_nn;
    gemm(n, K, s.O, dz, s.O, c.params + 4 * s.weight, K, c.buffer[s.dcols], K, 0, c.pack);
    c.k.col2im(c.gradient[s.input], c.buffer[s.dcols], rows, s.H, s.W, s.C, s.k, s.k, s.stride, s.pad, s.Ho, s.Wo, 0);
  },
  // Owned by patch columns of the [O, K] weight, the bias channels in proportion (see conv-units.ts).
  units: (s) => patch(s),
  backwardParams(c, s, u0, u1, rows, accumulate) {
    const K = patch(s), n = rows * pixels(s), beta = accumulate ? 1 : 0;
    // dW = dZᵀ·patches skips the patches' zeros if they are sparse, else dZ's (4 channels). The
    // first runs transposed and packs only dZ's narrow panels; the second packs every patch column
    // of B. With a 4-wide kernel its panels are 4 kernel columns of one channel (grouped), which
    // share a ReLU's zeros more than 4 channels of one pixel: dcgan28's second conv after 3 epochs
    // keeps 69 % of such steps against 83 % (see bench/zeros.mjs).
    // A gradient mostly zeros (a ReLU layer's: dcgan28's second conv about 20 % nonzero) goes
    // through its own zeros' lists first: their time follows its share alone.
    const [dz, cols, dw] = [c.gradient[s.output], c.buffer[s.cols] + 4 * u0, c.grads + 4 * (s.weight + u0)];
    if (sparseEnough(c, gradientZeros(s.act), dz, n * s.O, GRADIENT_LISTS_BELOW)) c.k.gemm_tn_lists_a(s.O, u1 - u0, n, dz, s.O, cols, K, dw, K, beta, c.pack);
    else if (sparseInput(c, s, rows)) c.k.gemm_tn_skip_grouped(s.O, u1 - u0, n, dz, s.O, cols, K, dw, K, beta, c.pack, s.k === 4 ? s.C : 0);
    else (sparseEnough(c, gradientZeros(s.act), dz, n * s.O) ? c.k.gemm_tn_skip_a : c.k.gemm_tn)(s.O, u1 - u0, n, dz, s.O, cols, K, dw, K, beta, c.pack);
    const [o0, o1] = biasShare(s.O, K, u0, u1);
    if (o1 > o0) c.k.col_sums(c.grads + 4 * (s.bias + o0), c.gradient[s.output] + 4 * o0, n, o1 - o0, s.O, beta);
  },
  parameterRanges: (s, u0, u1) => columnRanges(s.weight, s.O, patch(s), s.bias, s.O, u0, u1),
  summary: (s) => ({ name: s.name, kind: `conv2d ${s.k}×${s.k}/${s.stride}`, input: s.C * s.H * s.W, output: s.O * s.Ho * s.Wo,
    activation: ACTIVATIONS[s.act], parameters: s.O * patch(s) + s.O }),
  layer: {
    type: 'conv2d',
    build(l, c) {
      checkKeys(l, ['type', 'filters', 'kernel', 'stride', 'padding', 'activation', 'alpha'], c.where);
      if (!c.shape) throw new ConfigError(`${c.where}: conv2d needs image rows: give the model an inputShape [channels, height, width] (and no flat layer before it)`);
      const O = layerInt(l.filters, 'filters', 1, c), k = layerInt(l.kernel, 'kernel', 1, c);
      const stride = layerInt(l.stride ?? 1, 'stride', 1, c), pad = layerInt(l.padding ?? 0, 'padding', 0, c);
      const [C, H, W] = c.shape;
      const Ho = Math.floor((H + 2 * pad - k) / stride) + 1, Wo = Math.floor((W + 2 * pad - k) / stride) + 1;
      if (Ho < 1 || Wo < 1) throw new ConfigError(`${c.where}: a ${k}×${k} kernel with padding ${pad} does not fit the ${H}×${W} input (no output pixels)`);
      const { act, alpha } = layerActivation(l, c);
      const output = c.buffer(O * Ho * Wo, true), K = C * k * k;
      const cols = c.buffer(Ho * Wo * K, false), dcols = c.buffer(Ho * Wo * K, false);
      const spec: Conv2dSpec = { kind: 'conv2d', name: c.name, layer: c.layer, input: c.input, output, cols, dcols, C, H, W, O, k, stride, pad, Ho, Wo,
        weight: -1, bias: -1, act, alpha };
      return { spec, output, width: O * Ho * Wo, modules: 2, shape: [O, Ho, Wo] };
    },
  },
};
