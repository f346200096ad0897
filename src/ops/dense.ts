// The dense op: Y = act(X·Wᵀ + b), PyTorch's Linear followed by the activation. Forward fuses
// the bias and the activation into the GEMM's tile stores; backward first turns ∂/∂Y into
// ∂/∂(pre-activation) in place, then gives ∂/∂X; the parameter gradients of output units
// [u0, u1) are one GEMM over all the pass's rows (rows in order: the same sums for any worker count).
import type { DenseSpec, Op } from './types.js';

const IDENTITY = 0;

export const dense: Op<DenseSpec> = {
  // torch.nn.Linear's initialisation: weight and bias uniform in ±1/√in.
  parameters: (s) => [
    { name: `${s.name}.weight`, shape: [s.outDim, s.inDim], field: 'weight', init: { kind: 'uniform', bound: 1 / Math.sqrt(s.inDim), stream: 2 * s.layer + 1 } },
    { name: `${s.name}.bias`, shape: [s.outDim], field: 'bias', init: { kind: 'uniform', bound: 1 / Math.sqrt(s.inDim), stream: 2 * s.layer + 2 } },
  ],
  forward(c, s, rows) {
    c.k.gemm_nt_bias_act(rows, s.outDim, s.inDim, c.buffer[s.input], s.inDim, c.params + 4 * s.weight, s.inDim,
      c.buffer[s.output], s.outDim, c.params + 4 * s.bias, s.act, c.alpha, c.pack);
  },
  backwardInput(c, s, rows) {
    if (s.act !== IDENTITY) c.k.act_backward(c.gradient[s.output], c.buffer[s.output], rows * s.outDim, s.act, c.alpha);
    if (c.gradient[s.input] === 0) return; // the data: nothing to propagate into
    c.k.gemm_nn(rows, s.inDim, s.outDim, c.gradient[s.output], s.outDim, c.params + 4 * s.weight, s.inDim,
      c.gradient[s.input], s.inDim, 0, c.pack);
  },
  units: (s) => s.outDim,
  backwardParams(c, s, u0, u1, rows, accumulate) {
    const beta = accumulate ? 1 : 0;
    c.k.gemm_tn(u1 - u0, s.inDim, rows, c.gradient[s.output] + 4 * u0, s.outDim, c.buffer[s.input], s.inDim,
      c.grads + 4 * (s.weight + u0 * s.inDim), s.inDim, beta, c.pack);
    c.k.col_sums(c.grads + 4 * (s.bias + u0), c.gradient[s.output] + 4 * u0, rows, u1 - u0, s.outDim, beta);
  },
  parameterRanges: (s, u0, u1) => [[s.weight + u0 * s.inDim, (u1 - u0) * s.inDim], [s.bias + u0, u1 - u0]],
};
