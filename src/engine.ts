// The sequence of kernel calls for one shard of rows: forward, loss, backward into this
// worker's gradient region; and the reduce + optimiser update over a parameter slice.
// Runs unchanged on the main thread and in every worker: it holds only numbers (byte offsets)
// and the instance's exports, never a tensor.
import type { KernelExports } from './kernels.js';
import { opFor } from './ops/registry.js';
import type { OpContext, StepKeys } from './ops/types.js';
import type { Plan, Workspace } from './model/plan-types.js';

export type { Ownership, Plan, Workspace } from './model/plan-types.js';

/** A block of rows in memory: f32, or u8 read as value/255. */
export interface DataRef {
  ptr: number;
  rows: number;
  cols: number;
  u8: boolean;
  /** Byte offset of the rows' class labels (i32) for a conditional model; 0 or absent otherwise. */
  labels?: number;
  /** Dynamic binarisation: each time a row is trained on, its values p become 1 with probability p (keyed by seed, epoch, row). */
  binarize?: boolean;
  /** Importance samples per row in training (the IWAE objective's k; default 1: the ELBO). */
  samples?: number;
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
   * backward pass (every op output's gradient), hold NaN or ±Inf (NonFinite codes).
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
/** Dynamic binarisation draws from (seed ^ BINARIZE_SALT, epoch, dataset index, column): apart from ε's draws. */
export const BINARIZE_SALT = 0x42494e41;
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
  private view(row: number): OpContext {
    const { plan } = this, base = plan.workspaces[0];
    return {
      k: this.k, params: plan.params, grads: plan.grads, pack: this.ws.pack,
      buffer: base.buffers.map((b, i) => b + 4 * row * plan.widths[i]),
      gradient: base.gradients.map((g, i) => (g === 0 ? 0 : g + 4 * row * plan.widths[i])),
    };
  }

  /** This worker's own workspace (for inference, which runs a worker's rows a chunk at a time). */
  private own(): OpContext {
    return { k: this.k, params: this.plan.params, grads: this.plan.grads, pack: this.ws.pack,
      buffer: this.ws.buffers.slice(), gradient: this.ws.gradients.slice() };
  }

  /** Rows into the data buffer; with `stream` (training), a dynamically binarised set draws this epoch's bits. */
  private loadRows(c: OpContext, data: DataRef, idx: number, start: number, rows: number, stream?: number): void {
    const x = c.buffer[this.plan.x];
    if (data.binarize && stream !== undefined) {
      this.k.binarize_rows(x, data.ptr, data.u8 ? 1 : 0, idx, start, rows, data.cols, (this.plan.seed ^ BINARIZE_SALT) >>> 0, stream, 0);
    } else if (data.u8) this.k.gather_u8(x, data.ptr, idx, start, rows, data.cols, U8_SCALE);
    else this.k.gather_f32(x, data.ptr, idx, start, rows, data.cols);
  }

  /** Runs ops [from, to) forward on `rows` rows; returns the loss terms they contribute. */
  private forward(c: OpContext, from: number, to: number, rows: number, keys: StepKeys, train: boolean): LossSums {
    const sums = { reconstruction: 0, kl: 0 };
    for (let i = from; i < to; i++) {
      const spec = this.plan.ops[i];
      const loss = opFor(spec).forward(c, spec, rows, keys, train);
      if (loss) { sums.reconstruction += loss.reconstruction ?? 0; sums.kl += loss.kl ?? 0; }
    }
    return sums;
  }

  /**
   * Phase 1 of a step, for the shard of `rows` rows at stacked row `row` (see Shard) whose dataset
   * indices are the i32 array at byte `idx`: forward, loss, and backward through every op into
   * the shard's gradient buffers (no parameter gradients yet). Noise for a row is keyed by (seed,
   * stream = epoch, dataset index), whatever worker draws it.
   */
  forwardBackward(data: DataRef, idx: number, { row, rows: dataRows }: Shard, stream: number, beta = this.plan.beta): LossSums {
    if (dataRows === 0) return { reconstruction: 0, kl: 0 };
    const { k, plan } = this, samples = data.samples ?? 1, rows = dataRows * samples;
    const c = this.view(row * samples);
    if (samples > 1) { // IWAE: k rows per data row, each with its dataset index (noise, labels, dropout and binarisation keys)
      k.gather_f32(this.ws.rowIndex, idx, 0, 0, dataRows, 1);
      k.expand_rows(this.ws.rowIndex, dataRows, 1, samples);
      idx = this.ws.rowIndex;
    }
    this.loadRows(c, data, idx, 0, rows, stream);
    let sums = this.forward(c, 0, plan.ops.length, rows, { idx, start: 0, seed: plan.seed, stream, labels: data.labels ?? 0, samples }, true);
    if (samples > 1) sums = this.importanceWeights(c, sums, dataRows, samples);
    for (let i = plan.ops.length - 1; i >= 0; i--) opFor(plan.ops[i]).backwardInput(c, plan.ops[i], rows, beta);
    // Divergence check before any parameter changes: the parameter gradients are products of
    // these buffers with the (finite, since the loss is) activations.
    if (!Number.isFinite(sums.reconstruction) || !Number.isFinite(sums.kl)) return { ...sums, nonFinite: NON_FINITE_LOSS };
    if (c.gradient.some((g, i) => g !== 0 && k.all_finite(g, rows * plan.widths[i]) === 0)) return { ...sums, nonFinite: NON_FINITE_GRADIENT };
    return sums;
  }

  /**
   * The IWAE bound of `rows` data rows of k samples (Burda et al. 2015): each sample's log-weight
   * from the ops' row terms, the normalised weights left in the row-terms scratch for the backward
   * pass (c.rowWeights). Returns the negative bound as reconstruction (the samples' mean −log p(x|z))
   * plus the rest (reported as kl).
   */
  private importanceWeights(c: OpContext, sums: LossSums, rows: number, samples: number): LossSums {
    const { plan, ws } = this, n = rows * samples, last = plan.ops.length - 1;
    const latent = plan.ops[plan.latentOp], lik = plan.ops[last];
    opFor(latent).rowLoss!(c, latent, n, ws.rowTerms);
    opFor(lik).rowLoss!(c, lik, n, ws.rowTerms + 4 * ws.rows);
    const negativeBound = this.k.iwae_weights(ws.rowTerms, ws.rowTerms + 4 * ws.rows, rows, samples);
    c.rowWeights = ws.rowTerms;
    const reconstruction = sums.reconstruction / samples;
    return { reconstruction, kl: negativeBound - reconstruction };
  }

  /**
   * Phase 2: gradients of the units `owner` owns over the `rows` rows of a pass (its shards,
   * filled by phase 1, one after the other from row 0 of the stacked workspaces), one GEMM over
   * all of them per op. accumulate adds to the gradients of an earlier pass of the same step.
   * With `update`, each op's owned parameters are stepped by the optimiser as soon as their
   * gradients are complete (while those are still in cache): only for the last pass of a step
   * without clipping.
   */
  weightGradients(owner: number, rows: number, accumulate: boolean, update?: Update): void {
    const { plan } = this;
    const own = plan.ownership[owner], c = this.view(0);
    plan.ops.forEach((spec, i) => {
      const [u0, u1] = own.units[i];
      if (u1 <= u0) return;
      const op = opFor(spec);
      op.backwardParams(c, spec, u0, u1, rows, accumulate);
      if (update) for (const [from, n] of op.parameterRanges(spec, u0, u1)) this.step(from, n, update);
    });
  }

  /** Calls fn(floatOffset, count) for each contiguous parameter range `owner` owns. */
  private forOwned(owner: number, fn: (from: number, count: number) => void): void {
    const own = this.plan.ownership[owner];
    this.plan.ops.forEach((spec, i) => {
      const [u0, u1] = own.units[i];
      if (u1 > u0) for (const [from, n] of opFor(spec).parameterRanges(spec, u0, u1)) fn(from, n);
    });
  }

  /**
   * Σ g² over every parameter, tensor by tensor in the model's order (for global-norm clipping,
   * once every gradient is complete): each worker sums all of them the same way, so the clip factor
   * has the same bits for any worker count (per-owner partial sums split the f32 chunks and the f64
   * additions differently: 3 workers clipped differently from 1 in the last bits).
   */
  gradientSumSquares(): number {
    let total = 0;
    for (const spec of this.plan.ops) {
      const op = opFor(spec);
      for (const [from, n] of op.parameterRanges(spec, 0, op.units(spec))) total += this.k.sum_squares(this.plan.grads + 4 * from, n);
    }
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
    const c = this.own();
    for (let done = 0; done < rows; done += this.ws.rows) {
      const n = Math.min(this.ws.rows, rows - done);
      this.loadRows(c, data, 0, start + done, n);
      const s = this.forward(c, 0, this.plan.ops.length, n, { idx: 0, start: start + done, seed, stream, labels: data.labels ?? 0 }, false);
      sums.reconstruction += s.reconstruction;
      sums.kl += s.kl;
    }
    return sums;
  }

  /**
   * Importance-sampled log p(x) (Burda et al. 2015) of data rows [start, start + rows): for each
   * row, `samples` z ~ q(z|x), keyed by (seed, stream, row, sample), in chunks of at most a
   * workspace's rows; log (1/k) Σ_s p(x|z_s) p(z_s) / q(z_s|x) by a running log-sum-exp in f64.
   * The encoder runs once per row (its [μ | log σ²] kept in the head's gradient buffer, free
   * outside training), the decoder once per sample. Each row's estimate depends on the chunk
   * size, never on the worker that computes it.
   */
  logLikelihoodRows(data: DataRef, start: number, rows: number, samples: number, seed: number, stream: number): number[] {
    const { k, plan, ws } = this, c = this.own(), cap = ws.rows, head = 2 * plan.latentDim, last = plan.ops.length - 1;
    const heads = c.gradient[plan.head], lik = plan.ops[last], latent = plan.ops[plan.latentOp];
    const terms = [ws.rowTerms, ws.rowTerms + 4 * cap];
    const estimates: number[] = [];
    for (let done = 0; done < rows; done += cap) {
      const n = Math.min(cap, rows - done);
      this.loadRows(c, data, 0, start + done, n);
      this.forward(c, 0, plan.latentOp, n, { idx: 0, start: start + done, seed, stream, labels: data.labels ?? 0 }, false);
      k.gather_f32(heads, c.buffer[plan.head], 0, 0, n, head);
      for (let r = 0; r < n; r++) {
        const row = start + done + r, first = Math.min(cap, samples);
        // Once per row, not per chunk: no op from the latent op on writes x, the head or the row
        // indices, so the row's copies serve every chunk. Every sample row is data row `row`: its
        // index keys the noise and a conditional model's label.
        this.loadRows(c, data, 0, row, 1);
        k.repeat_row(c.buffer[plan.x], c.buffer[plan.x], plan.inputDim, first);
        k.repeat_row(c.buffer[plan.head], heads + 4 * head * r, head, first);
        k.fill_i32(ws.rowIndex, first, row);
        let lse = -Infinity;
        for (let s0 = 0; s0 < samples; s0 += cap) {
          const m = Math.min(cap, samples - s0);
          const keys = { idx: ws.rowIndex, start: 0, seed, stream, labels: data.labels ?? 0, samples: first, sampleStart: s0 };
          this.forward(c, plan.latentOp, last, m, keys, false);
          opFor(latent).rowLoss!(c, latent, m, terms[0]);
          opFor(lik).rowLoss!(c, lik, m, terms[1]);
          lse = k.log_sum_exp_update(terms[0], terms[1], m, lse);
        }
        estimates.push(lse - Math.log(samples));
      }
    }
    return estimates;
  }

  /** Writes [μ | log σ²] rows (2·latent floats each) for data rows [start, start+rows) to out. */
  encodeRows(data: DataRef, start: number, rows: number, out: number): void {
    const { plan } = this, width = 2 * plan.latentDim, c = this.own();
    for (let done = 0; done < rows; done += this.ws.rows) {
      const n = Math.min(this.ws.rows, rows - done);
      this.loadRows(c, data, 0, start + done, n);
      this.forward(c, 0, plan.latentOp, n, { idx: 0, start: start + done, seed: plan.seed, stream: 0, labels: data.labels ?? 0 }, false);
      this.k.gather_f32(out + 4 * width * done, c.buffer[plan.head], 0, 0, n, width);
    }
  }

  /**
   * Decodes latent rows z (rows × latent at byte `z`) into out (rows × inputDim): Bernoulli
   * means σ(logits), or Gaussian means. When `noiseSeed` is given, z is first filled with
   * N(0, I) noise keyed by (noiseSeed, SAMPLE_STREAM, zRowOffset + r). A conditional model reads
   * row r's class from the i32 at labels + 4r.
   */
  decodeRows(z: number, rows: number, out: number, noiseSeed?: number, zRowOffset = 0, labels = 0): void {
    const { k, plan, ws } = this;
    const L = plan.latentDim, c = this.own();
    if (noiseSeed !== undefined) k.normal_rows(z, rows, L, 0, zRowOffset, noiseSeed, SAMPLE_STREAM);
    for (let done = 0; done < rows; done += ws.rows) {
      const n = Math.min(ws.rows, rows - done);
      c.buffer[plan.z] = z + 4 * L * done; // the decoder reads z where the caller put it
      this.forward(c, plan.latentOp + 1, plan.ops.length - 1, n, { idx: 0, start: done, seed: plan.seed, stream: 0, labels }, false);
      const dst = out + 4 * plan.inputDim * done;
      if (plan.bernoulli) k.sigmoid(c.buffer[plan.output], dst, n * plan.inputDim);
      else k.gather_f32(dst, c.buffer[plan.output], 0, 0, n, plan.inputDim);
    }
  }
}
