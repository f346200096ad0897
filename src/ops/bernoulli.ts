// The Bernoulli likelihood on logits: −log p(x|z) summed (stable form), and in training its
// gradient σ(logits) − x written as ∂/∂logits in the same pass.
import type { Op } from './types.js';

/** Bernoulli likelihood on logits against targets in [0, 1]. */
export interface BernoulliSpec { kind: 'bernoulli'; input: number; target: number; dim: number }

export const bernoulli: Op<BernoulliSpec> = {
  parameters: () => [],
  forward(c, s, rows, _keys, train) {
    return { reconstruction: c.k.bernoulli_nll(c.buffer[s.input], c.buffer[s.target], rows, s.dim, train ? c.gradient[s.input] : 0) };
  },
  // The gradient σ(l) − x was written by forward; under the IWAE bound each sample's counts by its weight.
  backwardInput(c, s, rows) {
    if (c.rowWeights) c.k.scale_rows(c.gradient[s.input], rows, s.dim, c.rowWeights);
  },
  rowLoss(c, s, rows, out) {
    c.k.bernoulli_nll_rows(c.buffer[s.input], c.buffer[s.target], rows, s.dim, out);
  },
  units: () => 0,
  backwardParams() {},
  parameterRanges: () => [],
  summary: () => null,
};
