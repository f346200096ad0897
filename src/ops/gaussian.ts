// The Gaussian likelihood with a learned per-dimension log-variance: −log N(x; μ, σ²) summed, and
// in training ∂/∂μ in the same pass; its log-variance columns are the units workers own.
import type { Op } from './types.js';

/** Gaussian likelihood with a learned per-dimension log-variance (float offset). */
export interface GaussianSpec { kind: 'gaussian'; input: number; target: number; dim: number; logVar: number }

export const gaussian: Op<GaussianSpec> = {
  // log σ² per dimension, starting at 0 (unit variance).
  parameters: (s) => [{ name: 'output_log_var', shape: [s.dim], field: 'logVar', init: { kind: 'zeros' } }],
  forward(c, s, rows, _keys, train) {
    return { reconstruction: c.k.gaussian_nll(c.buffer[s.input], c.buffer[s.target], c.params + 4 * s.logVar, rows, s.dim, train ? c.gradient[s.input] : 0) };
  },
  backwardInput() {}, // the gradient was written by forward
  rowLoss(c, s, rows, out) {
    c.k.gaussian_nll_rows(c.buffer[s.input], c.buffer[s.target], c.params + 4 * s.logVar, rows, s.dim, out);
  },
  units: (s) => s.dim,
  backwardParams(c, s, u0, u1, rows, accumulate) {
    c.k.gaussian_logvar_grad(c.buffer[s.input], c.buffer[s.target], c.params + 4 * s.logVar, rows, s.dim, u0, u1,
      c.grads + 4 * s.logVar, accumulate ? 1 : 0);
  },
  parameterRanges: (s, u0, u1) => [[s.logVar + u0, u1 - u0]],
  summary: (s) => ({ name: 'output_log_var', kind: 'gaussian', input: s.dim, output: s.dim, activation: '', parameters: s.dim }),
};
