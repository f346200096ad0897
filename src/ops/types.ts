// What an op is: plain data in the plan (its spec, sent to every worker) and, per kind, the
// kernel calls that run it (an Op, found in the registration table in registry.ts). Each op's
// file declares its spec type; registry.ts joins them into OpSpec.
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
  /**
   * Byte offset of each row's normalised importance weight (f32) when the rows are the samples of
   * the IWAE objective, 0 otherwise: the loss ops' backward weighs each row's gradient by it.
   */
  rowWeights?: number;
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
  /**
   * Rows that are importance samples: `samples` consecutive rows per data row (default 1), the
   * first of them sample number `sampleStart` (default 0); ε of sample s is keyed by (data row, s).
   */
  samples?: number;
  sampleStart?: number;
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
  /** PyTorch's shape (what the API and files show). */
  shape: number[];
  init: Init;
  field: string;
  /**
   * A conv weight [a, b, kh, kw] held as [a, kh, kw, b] (PyTorch's channels_last memory format),
   * the patch order of assembly/conv.ts; src/model/tensors.ts permutes at the API and in files.
   */
  channelsLast?: boolean;
}

/**
 * The kernels of one kind of op, forward and backward side by side. `units` is what ownership
 * splits among workers in the weight-gradient phase (0: no parameters).
 */
export interface Op<S extends { kind: string }, L = never> {
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
  /**
   * For the ops whose terms make an importance weight, each row's term, written as f32 to `out`:
   * a likelihood's −log p(x|z), the latent op's log q(z|x) − log p(z) at its sampled z.
   */
  rowLoss?(c: OpContext, s: S, rows: number, out: number): void;
  /** How `vae.summary()` shows the op (null: not shown). */
  summary(s: S): SummaryRow | null;
  /** For an op users can put in `encoder` / `decoder` lists: checks a layer's config and builds the op. */
  layer?: LayerBuilder<L, S>;
}

/** One row of `vae.summary()`'s table. */
export interface SummaryRow { name: string; kind: string; input: number; output: number; activation: string; parameters: number }

/** Where a layer goes in the model being built. */
export interface LayerContext {
  /** The input's buffer and its width (floats per row). */
  input: number;
  width: number;
  /** For image activations, [channels, height, width], held pixel-major (HWC) per row; undefined for flat rows. */
  shape?: [number, number, number];
  /** A new buffer of `width` floats per row, with a gradient buffer when `gradient`. */
  buffer(width: number, gradient: boolean): number;
  /** The module path PyTorch's Sequential would give the layer: 'encoder.2'. */
  name: string;
  /** How many layers with parameters come before this one (dense: its initialisation streams). */
  layer: number;
  /** The op's position in the model: unique, for noise streams of its own. */
  index: number;
  /** The activation code a dense layer gets by default here (the model's; identity for the decoder's last layer). */
  activation: number;
  /** The default α of an activation (leaky ReLU's slope, ELU's α): the model's activationAlpha for its own activation. */
  alpha(activation: number): number;
  /** Where the layer is, for errors: 'encoder[1]'. */
  where: string;
}

/** A layer's op, its output buffer and width, and how many Sequential modules it takes (Linear + ReLU: 2). */
export interface BuiltLayer<S> { spec: S; output: number; width: number; modules: number; shape?: [number, number, number] }

export interface LayerBuilder<L, S> {
  /** The layer config's type as users write it: { type: 'dense', … }. */
  type: string;
  /** Throws ConfigError naming `c.where` for a bad config; else the op. */
  build(config: L, c: LayerContext): BuiltLayer<S>;
}

