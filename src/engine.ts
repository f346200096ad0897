// The sequence of kernel calls for one shard of rows: forward, loss, backward into this
// worker's gradient region; and the reduce + optimiser update over a parameter slice.
// Runs unchanged on the main thread and in every worker: it holds only numbers (byte offsets)
// and the instance's exports, never a tensor.
import type { KernelExports } from './kernels.js';
import type { DenseLayer } from './model/layout.js';

/** Per-worker scratch for at most `rows` rows of a step. Byte offsets. */
export interface Workspace {
  rows: number;
  x: number;
  /** Output of each dense layer, [rows × outDim]. */
  acts: number[];
  /** ∂loss/∂(pre-activation output) of each dense layer, [rows × outDim]. */
  dY: number[];
  eps: number;
  z: number;
  dz: number;
  pack: number;
}

/**
 * The parameters a worker owns in the weight-gradient and optimiser phase: for each dense layer
 * the output units [o0, o1) (weight rows and bias entries), and Gaussian log-variance columns.
 */
export interface Ownership {
  units: [number, number][];
  logVar: [number, number];
}

/** Everything a worker needs to run steps: plain numbers, sent once at pool start. */
export interface Plan {
  inputDim: number;
  latentDim: number;
  bernoulli: boolean;
  beta: number;
  alpha: number;
  seed: number;
  layers: DenseLayer[];
  encoderLayers: number;
  outputLogVar: number;
  params: number;
  grads: number;
  adamM: number;
  adamV: number;
  workspaces: Workspace[];
  ownership: Ownership[];
}

/** A block of rows in memory: f32, or u8 read as value/255. */
export interface DataRef {
  ptr: number;
  rows: number;
  cols: number;
  u8: boolean;
}

export interface OptimizerSettings {
  kind: 'adam' | 'adamw' | 'sgd';
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
  momentum: number;
  nesterov: boolean;
}

export interface LossSums {
  reconstruction: number;
  kl: number;
  /**
   * Set when a training step must not be applied: the loss sums, or a gradient buffer of the
   * backward pass (every layer's dY), hold NaN or ±Inf (NonFinite codes).
   */
  nonFinite?: NonFinite;
}

/** What a diverging step found non-finite: the loss, or a gradient (the loss being finite). */
export type NonFinite = typeof NON_FINITE_LOSS | typeof NON_FINITE_GRADIENT;
export const NON_FINITE_LOSS = 1, NON_FINITE_GRADIENT = 2;

/** An optimiser step to apply: Adam's t, the settings, and the gradient scale (1/batch · clip factor). */
export interface Update {
  step: number;
  opt: OptimizerSettings;
  gradScale: number;
}

/**
 * One worker's rows of a pass: batch rows [start, start + rows), held from row `row` of the
 * stacked workspace buffers (see buildPlan).
 */
export interface Shard {
  start: number;
  row: number;
  rows: number;
}

/** A pass: its shards, one after the other from row 0 of the stacked workspaces, `rows` in all. */
export interface Pass {
  rows: number;
  shards: Shard[];
}

/** Splits `total` into `parts` nearly equal [from, to) ranges; returns the parts + 1 bounds. */
export function splitRange(total: number, parts: number, align = 1): number[] {
  const bounds = [0];
  for (let w = 1; w < parts; w++) bounds.push(Math.min(total, Math.round((w * total) / parts / align) * align));
  bounds.push(total);
  return bounds;
}

/**
 * A step's passes: the batch is cut, in row order, into passes of at most workers × capacity
 * rows, and each pass into one shard per worker, in row order and one after the other in the
 * stacked workspaces. The weight gradients of a pass then sum its rows in order in one GEMM, so
 * gradients do not depend on the worker count.
 */
export function stepPasses(batch: number, workers: number, capacity: number): Pass[] {
  const passes: Pass[] = [];
  for (let from = 0; from < batch; from += workers * capacity) {
    const size = Math.min(workers * capacity, batch - from);
    const bounds = splitRange(size, workers);
    const shards = Array.from({ length: workers }, (_, w) => ({ start: from + bounds[w], row: bounds[w], rows: bounds[w + 1] - bounds[w] }));
    passes.push({ rows: size, shards });
  }
  return passes;
}

/** The rows of an epoch's order that step b (0-based) trains on: [start, start + size). */
export function stepRows(b: number, batchSize: number, rows: number): { start: number; size: number } {
  const start = b * batchSize;
  return { start, size: Math.min(batchSize, rows - start) };
}

/**
 * Whether a step on worker threads updates each layer's owned parameters right after that
 * layer's gradients: only without clipping (which needs the global norm first) and in one pass
 * (so that a failed worker's slice can be recomputed from the shared backward pass).
 */
export function updatesPerLayer(clipNorm: number, passes: number): boolean {
  return clipNorm === 0 && passes === 1;
}

export const EVAL_STREAM = 0x7ffffff0;
export const SAMPLE_STREAM = 0x7ffffff1;
const U8_SCALE = 1 / 255;

export class Engine {
  private readonly ws: Workspace;

  constructor(private readonly k: KernelExports, private readonly plan: Plan, readonly worker: number) {
    this.ws = plan.workspaces[worker];
  }

  /**
   * The buffers from row `row` of the stacked workspaces on (every workspace's buffers are one
   * block per kind, workspace w + 1's rows after workspace w's), with this worker's GEMM scratch.
   */
  private view(row: number): Workspace {
    const { plan } = this, base = plan.workspaces[0];
    const L = plan.latentDim;
    return {
      rows: plan.workspaces.length * base.rows - row,
      x: base.x + 4 * row * plan.inputDim,
      acts: base.acts.map((a, i) => a + 4 * row * plan.layers[i].outDim),
      dY: base.dY.map((d, i) => d + 4 * row * plan.layers[i].outDim),
      eps: base.eps + 4 * row * L,
      z: base.z + 4 * row * L,
      dz: base.dz + 4 * row * L,
      pack: this.ws.pack,
    };
  }

  private loadRows(ws: Workspace, data: DataRef, idx: number, start: number, rows: number): void {
    if (data.u8) this.k.gather_u8(ws.x, data.ptr, idx, start, rows, data.cols, U8_SCALE);
    else this.k.gather_f32(ws.x, data.ptr, idx, start, rows, data.cols);
  }

  private param(floatOffset: number): number {
    return this.plan.params + 4 * floatOffset;
  }

  private grad(floatOffset: number): number {
    return this.plan.grads + 4 * floatOffset;
  }

  /** Input of dense layer i in workspace ws. */
  private layerInput(ws: Workspace, i: number): number {
    return i === 0 ? ws.x : i === this.plan.encoderLayers ? ws.z : ws.acts[i - 1];
  }

  /** Runs dense layers [from, to) on `rows` rows starting from `input`; returns the last output. */
  private forwardLayers(ws: Workspace, from: number, to: number, input: number, rows: number): number {
    const { k, plan } = this;
    for (let i = from; i < to; i++) {
      const L = plan.layers[i];
      k.gemm_nt_bias_act(rows, L.outDim, L.inDim, input, L.inDim, this.param(L.weight), L.inDim, ws.acts[i], L.outDim,
        this.param(L.bias), L.act, plan.alpha, ws.pack);
      input = ws.acts[i];
    }
    return input;
  }

  /** Encoder, noise (sample index from idx or start+r), z, decoder and loss; ∂/∂output into dY when grad. */
  private forwardLoss(ws: Workspace, rows: number, idx: number, start: number, stream: number, seed: number, grad: boolean): LossSums {
    const { k, plan } = this;
    const head = this.forwardLayers(ws, 0, plan.encoderLayers, ws.x, rows);
    k.normal_rows(ws.eps, rows, plan.latentDim, idx, start, seed, stream);
    const kl = k.latent_forward(head, rows, plan.latentDim, ws.eps, ws.z);
    const out = this.forwardLayers(ws, plan.encoderLayers, plan.layers.length, ws.z, rows);
    const dOut = grad ? ws.dY[plan.layers.length - 1] : 0;
    const reconstruction = plan.bernoulli
      ? k.bernoulli_nll(out, ws.x, rows * plan.inputDim, dOut)
      : k.gaussian_nll(out, ws.x, this.param(plan.outputLogVar), rows, plan.inputDim, dOut);
    return { reconstruction, kl };
  }

  /**
   * Phase 1 of a step, for the shard of `rows` rows at stacked row `row` (see Shard) whose dataset
   * indices are the i32 array at byte `idx`: forward, loss, and backward through every layer into
   * the shard's dY buffers (no weight gradients yet). Noise for a row is keyed by (seed, stream =
   * epoch, dataset index), whatever worker draws it.
   */
  forwardBackward(data: DataRef, idx: number, { row, rows }: Shard, stream: number, beta = this.plan.beta): LossSums {
    if (rows === 0) return { reconstruction: 0, kl: 0 };
    const { k, plan } = this;
    const ws = this.view(row);
    this.loadRows(ws, data, idx, 0, rows);
    const sums = this.forwardLoss(ws, rows, idx, 0, stream, plan.seed, true);
    for (let i = plan.layers.length - 1; i > 0; i--) {
      const L = plan.layers[i];
      const target = i === plan.encoderLayers ? ws.dz : ws.dY[i - 1];
      k.gemm_nn(rows, L.inDim, L.outDim, ws.dY[i], L.outDim, this.param(L.weight), L.inDim, target, L.inDim, 0, ws.pack);
      if (i === plan.encoderLayers) {
        // ∂/∂z → ∂/∂[μ | log σ²], adding β·∂KL.
        k.latent_backward(ws.acts[i - 1], rows, plan.latentDim, ws.eps, ws.dz, ws.dY[i - 1], beta);
      } else {
        k.act_backward(target, ws.acts[i - 1], rows * L.inDim, plan.layers[i - 1].act, plan.alpha);
      }
    }
    // Divergence check before any parameter changes: the weight gradients are dYᵀ·X over these
    // buffers, so finite dY (and a finite loss, hence finite activations) keep them finite.
    if (!Number.isFinite(sums.reconstruction) || !Number.isFinite(sums.kl)) return { ...sums, nonFinite: NON_FINITE_LOSS };
    if (plan.layers.some((L, i) => k.all_finite(ws.dY[i], rows * L.outDim) === 0)) return { ...sums, nonFinite: NON_FINITE_GRADIENT };
    return sums;
  }

  /**
   * Phase 2: gradients of the parameters `owner` owns over the `rows` rows of a pass (its shards,
   * filled by phase 1, one after the other from row 0 of the stacked workspaces), one GEMM over
   * all of them: dW[o0:o1] = dY[:, o0:o1]ᵀ·X, db = column sums (zero when rows = 0).
   * accumulate adds to the gradients of an earlier pass of the same step. With `update`, each
   * layer's owned parameters are stepped by the optimiser as soon as their gradients are complete
   * (while those are still in cache): only for the last pass of a step without clipping.
   */
  weightGradients(owner: number, rows: number, accumulate: boolean, update?: Update): void {
    const { k, plan } = this;
    const own = plan.ownership[owner];
    const ws = plan.workspaces[0], beta = accumulate ? 1 : 0;
    plan.layers.forEach((L, i) => {
      const [o0, o1] = own.units[i];
      if (o1 <= o0) return;
      k.gemm_tn(o1 - o0, L.inDim, rows, ws.dY[i] + 4 * o0, L.outDim, this.layerInput(ws, i), L.inDim,
        this.grad(L.weight + o0 * L.inDim), L.inDim, beta, this.ws.pack);
      k.col_sums(this.grad(L.bias + o0), ws.dY[i] + 4 * o0, rows, o1 - o0, L.outDim, beta);
      if (update) {
        this.step(L.weight + o0 * L.inDim, (o1 - o0) * L.inDim, update);
        this.step(L.bias + o0, o1 - o0, update);
      }
    });
    const [c0, c1] = own.logVar;
    if (c1 > c0) {
      k.gaussian_logvar_grad(ws.acts[plan.layers.length - 1], ws.x, this.param(plan.outputLogVar), rows,
        plan.inputDim, c0, c1, this.grad(plan.outputLogVar), beta);
      if (update) this.step(plan.outputLogVar + c0, c1 - c0, update);
    }
  }

  /** Calls fn(floatOffset, count) for each contiguous parameter range `owner` owns. */
  private forOwned(owner: number, fn: (from: number, count: number) => void): void {
    const { plan } = this;
    const own = plan.ownership[owner];
    plan.layers.forEach((L, i) => {
      const [o0, o1] = own.units[i];
      if (o1 <= o0) return;
      fn(L.weight + o0 * L.inDim, (o1 - o0) * L.inDim);
      fn(L.bias + o0, o1 - o0);
    });
    const [c0, c1] = own.logVar;
    if (c1 > c0) fn(plan.outputLogVar + c0, c1 - c0);
  }

  /** Σ g² over the parameters `owner` owns (for global-norm clipping). */
  ownedSumSquares(owner: number): number {
    let total = 0;
    this.forOwned(owner, (from, n) => { total += this.k.sum_squares(this.grad(from), n); });
    return total;
  }

  /** Applies the optimiser to the parameters `owner` owns. */
  applyOptimizer(owner: number, update: Update): void {
    this.forOwned(owner, (from, n) => this.step(from, n, update));
  }

  /** One optimiser step on parameters [from, from + n) (float offsets). */
  private step(from: number, n: number, { step, opt, gradScale }: Update): void {
    const { k, plan } = this;
    const p = plan.params + 4 * from, g = plan.grads + 4 * from, m = plan.adamM + 4 * from;
    if (opt.kind === 'sgd') {
      k.sgd_step(p, g, m, n, opt.learningRate, opt.momentum, opt.weightDecay, gradScale, opt.nesterov ? 1 : 0);
    } else {
      k.adam_step(p, g, m, plan.adamV + 4 * from, n, opt.learningRate, opt.beta1, opt.beta2, opt.epsilon, step,
        gradScale, opt.weightDecay, opt.kind === 'adamw' ? 1 : 0);
    }
  }

  /** Loss sums (one z sample per row, keyed by (seed, stream, start + r)) for rows [start, start+rows). */
  evaluateRows(data: DataRef, start: number, rows: number, seed: number, stream: number): LossSums {
    const sums = { reconstruction: 0, kl: 0 };
    for (let done = 0; done < rows; done += this.ws.rows) {
      const n = Math.min(this.ws.rows, rows - done);
      this.loadRows(this.ws, data, 0, start + done, n);
      const s = this.forwardLoss(this.ws, n, 0, start + done, stream, seed, false);
      sums.reconstruction += s.reconstruction;
      sums.kl += s.kl;
    }
    return sums;
  }

  /** Writes [μ | log σ²] rows (2·latent floats each) for data rows [start, start+rows) to out. */
  encodeRows(data: DataRef, start: number, rows: number, out: number): void {
    const width = 2 * this.plan.latentDim;
    for (let done = 0; done < rows; done += this.ws.rows) {
      const n = Math.min(this.ws.rows, rows - done);
      this.loadRows(this.ws, data, 0, start + done, n);
      const head = this.forwardLayers(this.ws, 0, this.plan.encoderLayers, this.ws.x, n);
      this.k.gather_f32(out + 4 * width * done, head, 0, 0, n, width);
    }
  }

  /**
   * Decodes latent rows z (rows × latent at byte `z`) into out (rows × inputDim): Bernoulli
   * means σ(logits), or Gaussian means. When `noiseSeed` is given, z is first filled with
   * N(0, I) noise keyed by (noiseSeed, SAMPLE_STREAM, zRowOffset + r).
   */
  decodeRows(z: number, rows: number, out: number, noiseSeed?: number, zRowOffset = 0): void {
    const { k, plan, ws } = this;
    const L = plan.latentDim;
    if (noiseSeed !== undefined) k.normal_rows(z, rows, L, 0, zRowOffset, noiseSeed, SAMPLE_STREAM);
    for (let done = 0; done < rows; done += ws.rows) {
      const n = Math.min(ws.rows, rows - done);
      const last = this.forwardLayers(ws, plan.encoderLayers, plan.layers.length, z + 4 * L * done, n);
      const dst = out + 4 * plan.inputDim * done;
      if (plan.bernoulli) k.sigmoid(last, dst, n * plan.inputDim);
      else k.gather_f32(dst, last, 0, 0, n, plan.inputDim);
    }
  }
}
