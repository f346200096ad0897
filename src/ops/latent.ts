// The latent op: draws ε ~ N(0, I) keyed by (seed, stream, dataset index), z = μ + σ·ε from the
// head [μ | log σ²], and KL(q(z|x) ‖ N(0, I)) (Kingma & Welling 2014, appendix B); backward
// gives ∂/∂[μ | log σ²] from ∂/∂z, adding β·∂KL.
import type { Op } from './types.js';

/** z = μ + σ·ε from the head [μ | log σ²], with KL(q ‖ N(0, I)). */
export interface LatentSpec { kind: 'latent'; input: number; output: number; eps: number; latent: number }

export const latent: Op<LatentSpec> = {
  parameters: () => [],
  forward(c, s, rows, keys) {
    const k = keys.samples ?? 1, first = keys.sampleStart ?? 0;
    if (k === 1 && first === 0) c.k.normal_rows(c.buffer[s.eps], rows, s.latent, keys.idx, keys.start, keys.seed, keys.stream);
    else c.k.normal_samples(c.buffer[s.eps], rows, s.latent, keys.idx, keys.start, k, first, keys.seed, keys.stream);
    return { kl: c.k.latent_forward(c.buffer[s.input], rows, s.latent, c.buffer[s.eps], c.buffer[s.output]) };
  },
  backwardInput(c, s, rows, beta) {
    if (c.rowWeights) { // the IWAE bound: the sampled log q − log p, weighted per sample, in place of the analytic KL
      c.k.latent_backward_iwae(c.buffer[s.input], rows, s.latent, c.buffer[s.eps], c.buffer[s.output], c.gradient[s.output], c.gradient[s.input], c.rowWeights);
    } else {
      c.k.latent_backward(c.buffer[s.input], rows, s.latent, c.buffer[s.eps], c.gradient[s.output], c.gradient[s.input], beta);
    }
  },
  rowLoss(c, s, rows, out) {
    c.k.latent_log_ratio(c.buffer[s.input], c.buffer[s.eps], c.buffer[s.output], rows, s.latent, out);
  },
  units: () => 0,
  backwardParams() {},
  parameterRanges: () => [],
  summary: (s) => ({ name: 'z = μ + σ·ε', kind: 'sample', input: 2 * s.latent, output: s.latent, activation: '', parameters: 0 }),
};
