// The dense op: Y = act(X·Wᵀ + b), PyTorch's Linear followed by the activation. Forward fuses
// the bias and the activation into the GEMM's tile stores; backward first turns ∂/∂Y into
// ∂/∂(pre-activation) in place, then gives ∂/∂X; the parameter gradients of output units
// [u0, u1) are one GEMM over all the pass's rows (rows in order: the same sums for any worker count).
import { checkKeys } from '../check-keys.js';
import { ConfigError } from '../errors.js';
import { ACTIVATIONS, type Activation } from '../model/config.js';
import { layerActivation } from './layer-checks.js';
import { gradientZeros, LISTS_BELOW, sparseEnough, type Zeros } from './sparse-data.js';
import type { Op, OpContext } from './types.js';

/**
 * A dense layer Y = act(X·Wᵀ + b), weight [out, in] and bias at float offsets; `name` is its
 * PyTorch module path ('encoder.0'), `layer` its index among the layers with parameters (its seed streams).
 */
export interface DenseSpec {
  kind: 'dense'; name: string; layer: number; input: number; output: number; inDim: number; outDim: number; weight: number; bias: number; act: number;
  /** Leaky ReLU's slope or ELU's α. */
  alpha: number;
  /** Where its input's zeros come from, if it has many (set by the layout): skipped when sparse enough. */
  inputZeros?: Zeros;
}

/**
 * `{ type: 'dense', units: 400 }` in an encoder or decoder list; `activation` defaults to the
 * model's (the decoder's last layer: identity), `alpha` (leaky ReLU's slope, ELU's α) to the
 * model's activationAlpha for the model's activation, else 0.01 (leaky ReLU) or 1 (ELU).
 */
export interface DenseLayer { type: 'dense'; units: number; activation?: Activation; alpha?: number }

const IDENTITY = 0;


export const dense: Op<DenseSpec, DenseLayer> = {
  // torch.nn.Linear's initialisation: weight and bias uniform in ±1/√in.
  parameters: (s) => [
    { name: `${s.name}.weight`, shape: [s.outDim, s.inDim], field: 'weight', init: { kind: 'uniform', bound: 1 / Math.sqrt(s.inDim), stream: 2 * s.layer + 1 } },
    { name: `${s.name}.bias`, shape: [s.outDim], field: 'bias', init: { kind: 'uniform', bound: 1 / Math.sqrt(s.inDim), stream: 2 * s.layer + 2 } },
  ],
  forward(c, s, rows) {
    const x = c.buffer[s.input];
    const gemm = sparseEnough(c, s.inputZeros, x, rows * s.inDim, LISTS_BELOW) ? c.k.gemm_nt_bias_act_lists : c.k.gemm_nt_bias_act;
    gemm(rows, s.outDim, s.inDim, x, s.inDim, c.params + 4 * s.weight, s.inDim,
      c.buffer[s.output], s.outDim, c.params + 4 * s.bias, s.act, s.alpha, c.pack);
  },
  backwardInput(c, s, rows) {
    if (s.act !== IDENTITY) c.k.act_backward(c.gradient[s.output], c.buffer[s.output], rows * s.outDim, s.act, s.alpha);
    if (c.gradient[s.input] === 0) return; // the data: nothing to propagate into
    const dy = c.gradient[s.output];
    const gemm = sparseEnough(c, gradientZeros(s.act), dy, rows * s.outDim, LISTS_BELOW) ? c.k.gemm_nn_lists : c.k.gemm_nn;
    gemm(rows, s.inDim, s.outDim, dy, s.outDim, c.params + 4 * s.weight, s.inDim, c.gradient[s.input], s.inDim, 0, c.pack);
  },
  units: (s) => s.outDim,
  backwardParams(c, s, u0, u1, rows, accumulate) {
    const beta = accumulate ? 1 : 0;
    // dW = dYᵀ·X skips X's zeros (each input's own, through lists) if they are sparse, else dY's
    // (4 units at a time).
    const gemm = sparseEnough(c, s.inputZeros, c.buffer[s.input], rows * s.inDim, LISTS_BELOW) ? c.k.gemm_tn_lists
      : sparseEnough(c, gradientZeros(s.act), c.gradient[s.output], rows * s.outDim) ? c.k.gemm_tn_skip_a : c.k.gemm_tn;
    gemm(u1 - u0, s.inDim, rows, c.gradient[s.output] + 4 * u0, s.outDim, c.buffer[s.input], s.inDim,
      c.grads + 4 * (s.weight + u0 * s.inDim), s.inDim, beta, c.pack);
    c.k.col_sums(c.grads + 4 * (s.bias + u0), c.gradient[s.output] + 4 * u0, rows, u1 - u0, s.outDim, beta);
  },
  parameterRanges: (s, u0, u1) => [[s.weight + u0 * s.inDim, (u1 - u0) * s.inDim], [s.bias + u0, u1 - u0]],
  summary: (s) => ({ name: s.name, kind: 'dense', input: s.inDim, output: s.outDim, activation: ACTIVATIONS[s.act], parameters: s.inDim * s.outDim + s.outDim }),
  layer: {
    type: 'dense',
    build(l, c) {
      checkKeys(l, ['type', 'units', 'activation', 'alpha'], c.where);
      if (c.shape) throw new ConfigError(`${c.where}: a dense layer after image layers needs { type: 'flatten' } before it (PyTorch's order of the features)`);
      if (typeof l.units !== 'number' || !Number.isInteger(l.units) || l.units < 1) {
        throw new ConfigError(`${c.where}.units must be a positive integer, got ${String(l.units)}`);
      }
      const { act, alpha } = layerActivation(l, c);
      const output = c.buffer(l.units, true);
      const spec: DenseSpec = { kind: 'dense', name: c.name, layer: c.layer, input: c.input, output, inDim: c.width, outDim: l.units, weight: -1, bias: -1, act, alpha };
      // Two Sequential modules, Linear and its activation (nn.Identity for identity), as the width
      // shorthand has always named them: encoder.0, encoder.2, ….
      return { spec, output, width: l.units, modules: 2 };
    },
  },
};
