// The public model: one VAE API over the wasm kernels, in Node and in browsers.
import { Arena } from './arena.js';
import { hardwareConcurrency, sharedMemoryAvailable } from '#platform';
import { WorkerPool } from '../workers/pool.js';
import { CONTROL } from '../workers/protocol.js';
import { type DataRef, Engine, EVAL_STREAM, type Plan } from './engine.js';
import { ConfigError, DisposedError, ModelMismatchError, ShapeError, WorkerError } from './errors.js';
import { type Executor, InThreadExecutor } from './executor.js';
import { copyIn, type DataInput, rowCount } from './input.js';
import { createMemory, INITIAL_PAGES, instantiate, type KernelBuild, type KernelExports, kernelModule, type KernelModule } from './kernels.js';
import { resolveConfig, type ResolvedConfig, type VAEConfig } from './model/config.js';
import { type ParameterLayout, parameterLayout } from './model/layout.js';
import { allocModel, buildPlan, initialiseParameters, type ModelRegions } from './model/plan.js';
import { fitLoop, type TrainingState } from './train/fit.js';
import type { FitOptions, History, WorkerCount } from './train/options.js';

export interface CreateOptions {
  /** Kernel build: 'auto' picks relaxed SIMD where the engine validates it. */
  build?: KernelBuild;
  /** Rows a worker processes per pass; larger batches are split and their gradients summed. */
  chunkRows?: number;
  /** Default worker count for fit and for large encode/decode/evaluate calls (default 1: this thread). */
  workers?: WorkerCount;
}


const CONTROL_BYTES = CONTROL.bytes(64);
const MAX_WORKERS = 64;

/** Checks a worker count before any worker starts; ConfigError says what was wrong. */
export function resolveWorkers(value: WorkerCount | undefined, batchSize?: number): number {
  const n = value === undefined ? 1 : value === 'auto' ? Math.min(MAX_WORKERS, hardwareConcurrency()) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_WORKERS) {
    throw new ConfigError(`workers must be 'auto' or an integer from 1 to ${MAX_WORKERS}, got ${String(value)}`);
  }
  if (batchSize !== undefined && Number.isInteger(batchSize) && n > batchSize) {
    throw new ConfigError(`workers (${n}) must not exceed batchSize (${batchSize}): every worker needs rows`);
  }
  return n;
}

/** What is running the numbers. */
export interface RuntimeInfo {
  threads: boolean;
  workers: number;
  simd: boolean;
  relaxedSimd: boolean;
}

export interface LossReport {
  /** Negative ELBO per example in nats (reconstruction + β·KL), one z sample per example. */
  loss: number;
  reconstruction: number;
  kl: number;
}

export interface GradientReport extends LossReport {
  /** ∂loss/∂tensor for the per-example mean loss, by tensor name. */
  gradients: Record<string, Float32Array>;
}

export class VAE {
  readonly config: ResolvedConfig;
  readonly layout: ParameterLayout;
  private readonly state: TrainingState = { step: 0, epoch: 0 };
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;
  private modelMark: number;
  private readonly warnings: string[] = [];

  private constructor(
    config: ResolvedConfig,
    layout: ParameterLayout,
    private readonly k: KernelExports,
    private readonly arena: Arena,
    private readonly regions: ModelRegions,
    private readonly plan: Plan,
    private executor: Executor,
    private readonly kernel: KernelModule,
    private readonly defaultWorkers: WorkerCount,
    private readonly chunkRows: number,
  ) {
    this.config = config;
    this.layout = layout;
    this.modelMark = arena.mark();
  }

  /** Builds a model with freshly initialised parameters (torch.nn.Linear's scheme, seeded). */
  static async create(config: VAEConfig, options: CreateOptions = {}): Promise<VAE> {
    const resolved = resolveConfig(config);
    const layout = parameterLayout(resolved);
    resolveWorkers(options.workers);
    const kernel = await kernelModule(options.build ?? 'auto');
    const memory = createMemory(INITIAL_PAGES);
    const k = instantiate(kernel.module, memory);
    const arena = new Arena(memory, k.heap_base());
    arena.alloc(CONTROL_BYTES); // control block: one status slot per worker, 64 bytes apart
    const regions = allocModel(arena, layout);
    const chunkRows = options.chunkRows ?? 256;
    const plan = buildPlan(k, arena, resolved, layout, regions, 1, chunkRows);
    initialiseParameters(k, layout, regions.params, resolved.seed);
    return new VAE(resolved, layout, k, arena, regions, plan, new InThreadExecutor(k, plan), kernel, options.workers ?? 1, chunkRows);
  }

  /** What runs the numbers: worker threads or this thread, how many, and which SIMD build. */
  get runtime(): RuntimeInfo & { warnings: string[] } {
    return { threads: this.executor.threads, workers: this.executor.workers, simd: true, relaxedSimd: this.kernel.relaxedSimd,
      warnings: [...this.warnings] };
  }

  /**
   * Makes `n` workers ready (reusing the running pool when it has that size). Must run at the
   * start of an exclusive call, before any transient allocation. Without shared memory (a page
   * that is not cross-origin isolated) it falls back to this thread and records a warning.
   */
  private async useWorkers(n: number): Promise<void> {
    if (n > 1 && !sharedMemoryAvailable()) {
      const warning = `SharedArrayBuffer is unavailable (the page is not cross-origin isolated: serve it with COOP/COEP headers); training on one thread instead of ${n} workers`;
      if (!this.warnings.includes(warning)) this.warnings.push(warning);
      n = 1;
    }
    if (n === this.executor.workers) return;
    await this.executor.dispose();
    this.executor = new InThreadExecutor(this.k, this.plan);
    if (n === 1) return;
    const plan = buildPlan(this.k, this.arena, this.config, this.layout, this.regions, n, this.chunkRows);
    this.modelMark = this.arena.mark();
    this.executor = await WorkerPool.start(this.kernel.module, this.arena.memory, plan, this.controlBase(), new Engine(this.k, plan, 0));
  }

  private controlBase(): number {
    return Math.ceil(this.k.heap_base() / 64) * 64;
  }

  /** After a worker failure: end the broken pool; the next call starts a fresh one. */
  private async recover(err: unknown): Promise<void> {
    if (!(err instanceof WorkerError)) return;
    await this.executor.dispose().catch(() => undefined);
    this.executor = new InThreadExecutor(this.k, this.plan);
  }

  /** Epochs and optimiser steps completed over this model's life. */
  get progress(): { epoch: number; step: number } {
    return { ...this.state };
  }

  /** Runs `fn` after every earlier call on this model has finished, with transient memory freed after. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = async () => {
      if (this.disposed) throw new DisposedError('this VAE was disposed');
      try {
        return await fn();
      } catch (err) {
        await this.recover(err);
        throw err;
      } finally {
        this.arena.release(this.modelMark);
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Inputs at least this large use the default worker pool (started on first need). */
  private async workersFor(rows: number): Promise<void> {
    if (rows >= 1024) await this.useWorkers(resolveWorkers(this.defaultWorkers));
  }

  private bernoulliRange(): [number, number] {
    return this.config.likelihood === 'bernoulli' ? [0, 1] : [-Infinity, Infinity];
  }

  private load(data: DataInput, what: string, checkRange = true): DataRef {
    const [lo, hi] = checkRange ? this.bernoulliRange() : [-Infinity, Infinity];
    return copyIn(this.k, this.arena, data, this.config.inputDim, what, lo, hi);
  }

  /**
   * Trains on rows of `data` (Float32Array in [0,1] for Bernoulli, or Uint8Array bytes read as
   * byte/255). Losses are nats per example. Successive calls continue the optimiser and epochs.
   */
  fit(data: DataInput, options: FitOptions = {}): Promise<History> {
    return this.exclusive(async () => {
      const workers = resolveWorkers(options.workers ?? this.defaultWorkers, options.batchSize ?? 128);
      await this.useWorkers(workers);
      const train = this.load(data, 'training data');
      const validation = options.validation === undefined ? undefined : this.load(options.validation, 'validation data');
      return fitLoop({
        arena: this.arena, executor: this.executor, seed: this.config.seed, beta: this.config.beta,
        state: this.state, train, validation, warnings: [...this.warnings],
      }, options);
    });
  }

  /** Negative ELBO per example (one z sample per example, fixed noise), with its two terms. */
  evaluate(data: DataInput): Promise<LossReport> {
    return this.exclusive(async () => {
      await this.workersFor(rowCount(data, this.config.inputDim, 'evaluation data'));
      const ref = this.load(data, 'evaluation data');
      const s = await this.executor.evaluate(ref, this.config.seed, EVAL_STREAM);
      return this.report(s.reconstruction, s.kl, ref.rows);
    });
  }

  private report(reconstruction: number, kl: number, rows: number): LossReport {
    return { loss: (reconstruction + this.config.beta * kl) / rows, reconstruction: reconstruction / rows, kl: kl / rows };
  }

  /** Parameters of q(z|x) for each row: mean and log-variance, rows × latentDim each. */
  encode(x: DataInput): Promise<{ mean: Float32Array; logVar: Float32Array }> {
    return this.exclusive(async () => {
      await this.workersFor(rowCount(x, this.config.inputDim, 'encode input'));
      const ref = this.load(x, 'encode input', false);
      const L = this.config.latentDim;
      const out = this.arena.allocFloats(ref.rows * 2 * L);
      await this.executor.encode(ref, out);
      const head = this.arena.f32(out, ref.rows * 2 * L);
      const mean = new Float32Array(ref.rows * L), logVar = new Float32Array(ref.rows * L);
      for (let r = 0; r < ref.rows; r++) {
        mean.set(head.subarray(r * 2 * L, r * 2 * L + L), r * L);
        logVar.set(head.subarray(r * 2 * L + L, (r + 1) * 2 * L), r * L);
      }
      return { mean, logVar };
    });
  }

  /** Decoder means for latent rows z (rows × latentDim): pixel probabilities for Bernoulli. */
  decode(z: Float32Array): Promise<Float32Array> {
    return this.exclusive(async () => {
      const rows = rowCount(z, this.config.latentDim, 'latent input');
      await this.workersFor(rows);
      const ref = copyIn(this.k, this.arena, z, this.config.latentDim, 'latent input');
      return this.decodeAt(ref.ptr, rows);
    });
  }

  private async decodeAt(z: number, rows: number, noiseSeed?: number): Promise<Float32Array> {
    const D = this.config.inputDim;
    const out = this.arena.allocFloats(rows * D);
    await this.executor.decode(z, rows, out, noiseSeed);
    return this.arena.f32(out, rows * D).slice();
  }

  /** n new examples: z ~ N(0, I) (seeded), decoded to means. */
  sample(n: number, options: { seed?: number } = {}): Promise<Float32Array> {
    return this.exclusive(async () => {
      if (!Number.isInteger(n) || n < 1) throw new ShapeError(`sample count must be a positive integer, got ${n}`);
      await this.workersFor(n);
      const z = this.arena.allocFloats(n * this.config.latentDim);
      return this.decodeAt(z, n, (options.seed ?? this.config.seed) >>> 0);
    });
  }

  /** Decoder means at the encoder means: the model's reconstruction of each row. */
  async reconstruct(x: DataInput): Promise<Float32Array> {
    const { mean } = await this.encode(x);
    return this.decode(mean);
  }

  /** Copies of every parameter tensor, by PyTorch-style name. */
  getParameters(): Record<string, Float32Array> {
    const out: Record<string, Float32Array> = {};
    for (const t of this.layout.tensors) out[t.name] = this.arena.f32(this.regions.params + 4 * t.offset, t.size).slice();
    return out;
  }

  /** Replaces parameters by name; every tensor of the layout must be present with its exact size. */
  setParameters(tensors: Record<string, Float32Array>): void {
    if (this.disposed) throw new DisposedError('this VAE was disposed');
    for (const t of this.layout.tensors) {
      const v = tensors[t.name];
      if (!v) throw new ModelMismatchError(`missing tensor ${t.name} [${t.shape.join(', ')}]`);
      if (v.length !== t.size) throw new ModelMismatchError(`tensor ${t.name}: expected ${t.size} values [${t.shape.join(', ')}], got ${v.length}`);
    }
    for (const t of this.layout.tensors) this.arena.f32(this.regions.params + 4 * t.offset, t.size).set(tensors[t.name]);
  }

  /** The noise ε (rows × latentDim) the model draws for sample indices `indices` in epoch `stream`. */
  noise(indices: Int32Array, stream: number): Promise<Float32Array> {
    return this.exclusive(async () => {
      const L = this.config.latentDim;
      const idx = this.arena.alloc(4 * indices.length);
      this.arena.i32(idx, indices.length).set(indices);
      const out = this.arena.allocFloats(indices.length * L);
      this.k.normal_rows(out, indices.length, L, idx, 0, this.config.seed, stream);
      return this.arena.f32(out, indices.length * L).slice();
    });
  }

  /**
   * Loss and its gradient for rows x, without changing the parameters. Row r uses the noise of
   * sample index r in epoch `stream` (see noise()).
   */
  computeGradients(x: DataInput, stream = 0): Promise<GradientReport> {
    return this.exclusive(async () => {
      const ref = this.load(x, 'gradient input');
      const idx = this.arena.alloc(4 * ref.rows);
      const ids = this.arena.i32(idx, ref.rows);
      for (let r = 0; r < ref.rows; r++) ids[r] = r;
      const s = new InThreadExecutor(this.k, this.plan).gradients(ref, idx, ref.rows, stream);
      const g = this.plan.grads;
      this.k.scale(g, this.layout.floats, 1 / ref.rows);
      const gradients: Record<string, Float32Array> = {};
      for (const t of this.layout.tensors) gradients[t.name] = this.arena.f32(g + 4 * t.offset, t.size).slice();
      return { ...this.report(s.reconstruction, s.kl, ref.rows), gradients };
    });
  }

  /** Ends the model's workers; the model cannot be used afterwards. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    await this.queue;
    this.disposed = true;
    await this.executor.dispose();
  }
}
