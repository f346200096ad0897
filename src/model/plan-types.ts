// The plan: what every thread running a model's steps knows of it, as plain data (sent to each
// worker once, when the pool starts).
import type { OpSpec } from '../ops/registry.js';

/**
 * Per-worker scratch for at most `rows` rows of a step, byte offsets: every buffer of the plan
 * (the data, each op's output, ε) and its gradient (0 where there is none), and GEMM scratch.
 */
export interface Workspace {
  rows: number;
  buffers: number[];
  gradients: number[];
  pack: number;
  /** Two f32 per row: per-row loss terms (rowLoss) for importance weights. */
  rowTerms: number;
  /** One i32 per row: the dataset index of each sample row (IWAE: each row's index repeated k times). */
  rowIndex: number;
}

/** The units of every op that a worker owns in the weight-gradient and optimiser phase. */
export interface Ownership {
  units: [number, number][];
}

/** Everything a worker needs to run steps: plain numbers and op specs, sent once at pool start. */
export interface Plan {
  inputDim: number;
  latentDim: number;
  bernoulli: boolean;
  beta: number;
  seed: number;
  /** The model, in the order data flows: encoder ops, the latent op, decoder ops, the likelihood. */
  ops: OpSpec[];
  /** Index of the latent op in `ops`. */
  latentOp: number;
  /** Floats per row of each buffer; buffers the data (x), the head, z and the decoder's output are these ids. */
  widths: number[];
  x: number;
  head: number;
  z: number;
  output: number;
  params: number;
  grads: number;
  adamM: number;
  adamV: number;
  workspaces: Workspace[];
  ownership: Ownership[];
}

