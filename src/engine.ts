// The sequence of kernel calls for one shard of rows: forward, loss, backward into this
// worker's gradient region; and the reduce + optimiser update over a parameter slice.
// Runs unchanged on the main thread and in every worker: it holds only numbers (byte offsets)
// and the instance's exports, never a tensor.
import type { KernelExports } from './kernels.js';
import type { DenseLayer } from './model/layout.js';

/** Per-worker scratch for at most `rows` rows at a time, plus its gradient region. Byte offsets. */
export interface Workspace {
  rows: number;
  grads: number;
  x: number;
  /** Output of each dense layer, [rows × outDim]. */
  acts: number[];
  eps: number;
  z: number;
  ping: number;
  pong: number;
  pack: number;
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
  paramFloats: number;
  params: number;
  adamM: number;
  adamV: number;
  /** Bytes between consecutive workers' gradient regions. */
  gradStride: number;
  workspaces: Workspace[];
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
}

export const EVAL_STREAM = 0x7ffffff0;
export const SAMPLE_STREAM = 0x7ffffff1;
const U8_SCALE = 1 / 255;

export class Engine {
  private readonly ws: Workspace;

  constructor(private readonly k: KernelExports, private readonly plan: Plan, readonly worker: number) {
    this.ws = plan.workspaces[worker];
  }

  private loadRows(data: DataRef, idx: number, start: number, rows: number): void {
    if (data.u8) this.k.gather_u8(this.ws.x, data.ptr, idx, start, rows, data.cols, U8_SCALE);
    else this.k.gather_f32(this.ws.x, data.ptr, idx, start, rows, data.cols);
  }

  private param(floatOffset: number): number {
    return this.plan.params + 4 * floatOffset;
  }

  private grad(floatOffset: number): number {
    return this.ws.grads + 4 * floatOffset;
  }

  /** Runs dense layers [from, to) on `rows` rows starting from `input`; returns the last output. */
  private forwardLayers(from: number, to: number, input: number, rows: number): number {
    const { k, plan, ws } = this;
    for (let i = from; i < to; i++) {
      const L = plan.layers[i];
      k.gemm_nt(rows, L.outDim, L.inDim, input, L.inDim, this.param(L.weight), L.inDim, ws.acts[i], L.outDim, 0, ws.pack);
      k.bias_act(ws.acts[i], rows, L.outDim, this.param(L.bias), L.act, plan.alpha);
      input = ws.acts[i];
    }
    return input;
  }

  /** Encoder, noise (sample index from idx or start+r), z, decoder, loss; gradient into `grad`. */
  private forwardLoss(rows: number, idx: number, start: number, stream: number, seed: number, grad: boolean, accumulate: boolean): LossSums {
    const { k, plan, ws } = this;
    const head = this.forwardLayers(0, plan.encoderLayers, ws.x, rows);
    k.normal_rows(ws.eps, rows, plan.latentDim, idx, start, seed, stream);
    const kl = k.latent_forward(head, rows, plan.latentDim, ws.eps, ws.z);
    const out = this.forwardLayers(plan.encoderLayers, plan.layers.length, ws.z, rows);
    const dOut = grad ? ws.ping : 0;
    const reconstruction = plan.bernoulli
      ? k.bernoulli_nll(out, ws.x, rows * plan.inputDim, dOut)
      : k.gaussian_nll(out, ws.x, this.param(plan.outputLogVar), rows, plan.inputDim, dOut,
        grad ? this.grad(plan.outputLogVar) : 0, accumulate ? 1 : 0);
    return { reconstruction, kl };
  }

  /** Backward from the loss gradient in ping; writes (or adds to) this worker's gradients. */
  private backward(rows: number, accumulate: boolean): void {
    const { k, plan, ws } = this;
    const beta = accumulate ? 1 : 0;
    let g = ws.ping, spare = ws.pong;
    const layerBackward = (i: number, input: number, needInput: boolean) => {
      const L = plan.layers[i];
      k.gemm_tn(L.outDim, L.inDim, rows, g, L.outDim, input, L.inDim, this.grad(L.weight), L.inDim, beta, ws.pack);
      k.col_sums(this.grad(L.bias), g, rows, L.outDim, beta);
      if (!needInput) return;
      k.gemm_nn(rows, L.inDim, L.outDim, g, L.outDim, this.param(L.weight), L.inDim, spare, L.inDim, 0, ws.pack);
      if (i !== plan.encoderLayers) k.act_backward(spare, input, rows * L.inDim, plan.layers[i - 1].act, plan.alpha);
      [g, spare] = [spare, g];
    };
    for (let i = plan.layers.length - 1; i >= plan.encoderLayers; i--) {
      layerBackward(i, i === plan.encoderLayers ? ws.z : ws.acts[i - 1], true);
    }
    // g now holds ∂/∂z; turn it into ∂/∂[μ | log σ²] including β·KL.
    const head = ws.acts[plan.encoderLayers - 1];
    k.latent_backward(head, rows, plan.latentDim, ws.eps, g, spare, plan.beta);
    [g, spare] = [spare, g];
    for (let i = plan.encoderLayers - 1; i >= 0; i--) {
      layerBackward(i, i === 0 ? ws.x : ws.acts[i - 1], i > 0);
    }
  }

  /**
   * Forward and backward for `rows` rows whose dataset indices are the i32 array at byte `idx`.
   * Gradients (sums over the rows, not averaged) go to this worker's region; noise for a row
   * is keyed by (seed, stream = epoch, dataset index), whatever worker draws it.
   */
  trainRows(data: DataRef, idx: number, rows: number, stream: number): LossSums {
    const sums = { reconstruction: 0, kl: 0 };
    if (rows === 0) this.zeroGradients();
    for (let done = 0; done < rows; done += this.ws.rows) {
      const n = Math.min(this.ws.rows, rows - done);
      const chunkIdx = idx + 4 * done;
      this.loadRows(data, chunkIdx, 0, n);
      const s = this.forwardLoss(n, chunkIdx, 0, stream, this.plan.seed, true, done > 0);
      this.backward(n, done > 0);
      sums.reconstruction += s.reconstruction;
      sums.kl += s.kl;
    }
    return sums;
  }

  private zeroGradients(): void {
    // A worker with no rows this step contributes zeros to the reduction.
    this.k.fill(this.ws.grads, this.plan.paramFloats, 0);
  }

  /** Loss sums (one z sample per row, keyed by (seed, stream, start + r)) for rows [start, start+rows). */
  evaluateRows(data: DataRef, start: number, rows: number, seed: number, stream: number): LossSums {
    const sums = { reconstruction: 0, kl: 0 };
    for (let done = 0; done < rows; done += this.ws.rows) {
      const n = Math.min(this.ws.rows, rows - done);
      this.loadRows(data, 0, start + done, n);
      const s = this.forwardLoss(n, 0, start + done, stream, seed, false, false);
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
      this.loadRows(data, 0, start + done, n);
      const head = this.forwardLayers(0, this.plan.encoderLayers, this.ws.x, n);
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
      const last = this.forwardLayers(plan.encoderLayers, plan.layers.length, z + 4 * L * done, n);
      const dst = out + 4 * plan.inputDim * done;
      if (plan.bernoulli) k.sigmoid(last, dst, n * plan.inputDim);
      else k.gather_f32(dst, last, 0, 0, n, plan.inputDim);
    }
  }

  /**
   * Sums the workers' gradients over parameter floats [from, to) in worker order, then applies
   * the optimiser to that slice with gradient scale s (1/batch · clip factor).
   */
  update(from: number, to: number, workers: number, step: number, opt: OptimizerSettings, gradScale: number): void {
    const { k, plan } = this;
    const n = to - from;
    if (n <= 0) return;
    const g0 = plan.workspaces[0].grads + 4 * from;
    if (workers > 1) k.reduce_sum(g0, g0, plan.gradStride, workers, n);
    const p = plan.params + 4 * from;
    const m = plan.adamM + 4 * from;
    if (opt.kind === 'sgd') {
      k.sgd_step(p, g0, m, n, opt.learningRate, opt.momentum, opt.weightDecay, gradScale, opt.nesterov ? 1 : 0);
    } else {
      k.adam_step(p, g0, m, plan.adamV + 4 * from, n, opt.learningRate, opt.beta1, opt.beta2, opt.epsilon, step,
        gradScale, opt.weightDecay, opt.kind === 'adamw' ? 1 : 0);
    }
  }

  /** Σ g² over [from, to) of the summed gradient (after reduce), for global-norm clipping. */
  reduceAndNorm(from: number, to: number, workers: number): number {
    const n = to - from;
    if (n <= 0) return 0;
    const g0 = this.plan.workspaces[0].grads + 4 * from;
    if (workers > 1) this.k.reduce_sum(g0, g0, this.plan.gradStride, workers, n);
    return this.k.sum_squares(g0, n);
  }
}
