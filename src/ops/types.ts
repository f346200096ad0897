// What an op is: plain data in the plan (an OpSpec, sent to every worker) and, per kind, the
// kernel calls that run it (an Op, found in the registration table in registry.ts).
import type { KernelExports } from '../kernels.js';

/** Where an op runs: the instance's kernels and the byte offsets of this view's memory. */
export interface OpContext {
  k: KernelExports;
  /** Parameter and gradient regions (byte offsets; ops hold float offsets into them). */
  params: number;
  grads: number;
  /** Byte offset of buffer b (an activation, at the view's first row), and of its gradient (0: none). */
  buffer: number[];
  gradient: number[];
  /** This worker's GEMM packing scratch. */
  pack: number;
  /** Slope of leaky ReLU or α of ELU. */
  alpha: number;
}

/** What a forward pass needs beyond the buffers: the rows' noise keys and β for the backward pass. */
export interface StepKeys {
  /** Byte offset of the rows' dataset indices (0: rows are start, start + 1, …). */
  idx: number;
  start: number;
  seed: number;
  stream: number;
  /** Byte offset of the data rows' class labels (i32, indexed like the rows), 0 for an unconditional model. */
  labels: number;
}

/** Loss terms an op contributes (summed over the rows). */
export interface OpLoss {
  reconstruction?: number;
  kl?: number;
}

/** How a parameter tensor starts: uniform in ±bound from a seeded stream, or zeros. */
export type Init = { kind: 'uniform'; bound: number; stream: number } | { kind: 'zeros' };

/**
 * A parameter tensor an op declares: its PyTorch name, shape and initialisation, and the field
 * of the op's spec that receives its float offset in the parameter vector.
 */
export interface TensorDecl {
  name: string;
  shape: number[];
  init: Init;
  field: string;
}

/**
 * The kernels of one kind of op, forward and backward side by side. `units` is what ownership
 * splits among workers in the weight-gradient phase (0: no parameters).
 */
export interface Op<S> {
  /** The parameter tensors of this op, in the order they lie in the parameter vector. */
  parameters(s: S): TensorDecl[];
  /** Forward over `rows` rows; with `train`, also the gradient a loss op seeds the backward pass with. */
  forward(c: OpContext, s: S, rows: number, keys: StepKeys, train: boolean): OpLoss | void;
  /** ∂loss/∂input from ∂loss/∂output (β weighs the KL's part). */
  backwardInput(c: OpContext, s: S, rows: number, beta: number): void;
  units(s: S): number;
  /** Gradients of the parameters of units [u0, u1) over `rows` rows (beta 1: add to an earlier pass's). */
  backwardParams(c: OpContext, s: S, u0: number, u1: number, rows: number, accumulate: boolean): void;
  /** The parameter ranges (float offset, count) of units [u0, u1): what the optimiser steps. */
  parameterRanges(s: S, u0: number, u1: number): [number, number][];
}

/**
 * A dense layer Y = act(X·Wᵀ + b), weight [out, in] and bias at float offsets; `name` is its
 * PyTorch module path ('encoder.0'), `layer` its index among the dense layers (its seed streams).
 */
export interface DenseSpec {
  kind: 'dense'; name: string; layer: number; input: number; output: number; inDim: number; outDim: number; weight: number; bias: number; act: number;
}
/** z = μ + σ·ε from the head [μ | log σ²], with KL(q ‖ N(0, I)). */
export interface LatentSpec { kind: 'latent'; input: number; output: number; eps: number; latent: number }
/** Bernoulli likelihood on logits against targets in [0, 1]. */
export interface BernoulliSpec { kind: 'bernoulli'; input: number; target: number; dim: number }
/** Gaussian likelihood with a learned per-dimension log-variance (float offset). */
export interface GaussianSpec { kind: 'gaussian'; input: number; target: number; dim: number; logVar: number }

/** Each row followed by the one-hot code of its label: output cols + classes wide. */
export interface ConditionSpec { kind: 'condition'; input: number; output: number; cols: number; classes: number }

export type OpSpec = DenseSpec | LatentSpec | BernoulliSpec | GaussianSpec | ConditionSpec;
