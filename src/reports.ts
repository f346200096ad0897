// What evaluate() and computeGradients() report.
export interface LossReport {
  /** Negative ELBO per example in nats (reconstruction + β·KL), one z sample per example. */
  loss: number;
  reconstruction: number;
  kl: number;
  /** With evaluate's `samples`: the negative log-likelihood per example, −mean log p(x), estimated by importance sampling. */
  nll?: number;
}

export interface GradientReport extends LossReport {
  /** ∂loss/∂tensor for the per-example mean loss, by tensor name. */
  gradients: Record<string, Float32Array>;
}
