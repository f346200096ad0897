// The public model: one VAE API over the wasm kernels, in Node and in browsers.
import { Arena } from './arena.js';
import { hardwareConcurrency, readFileBytes, sharedMemoryAvailable, writeFileAtomic } from '#platform';
import { WorkerPool } from '../workers/pool.js';
import { CONTROL } from '../workers/protocol.js';
import { type DataRef, Engine, EVAL_STREAM, type Plan } from './engine.js';
import { checkKeys } from './check-keys.js';
import { ConfigError, DisposedError, FileFormatError, ModelMismatchError, ShapeError, WasmVaeError, WorkerError } from './errors.js';
import { decodeSafetensors, encodeSafetensors, type NamedTensor } from './model/safetensors.js';
import { type Executor, InThreadExecutor } from './executor.js';
import { copyIn, type DataInput, rowCount } from './input.js';
import { createMemory, INITIAL_PAGES, instantiate, type KernelBuild, type KernelExports, kernelModule, type KernelModule } from './kernels.js';
import { resolveConfig, type ResolvedConfig, type VAEConfig } from './model/config.js';
import { type ParameterLayout, parameterLayout } from './model/layout.js';
import { allocModel, buildPlan, initialiseParameters, type ModelRegions } from './model/plan.js';
import { KernelProfile, type ProfileEntry } from './profile.js';
import { fitLoop, parsePartialEpoch, type TrainingState, yieldNow } from './train/fit.js';
import { type FitOptions, type History, resolveFit, type WorkerCount } from './train/options.js';

/** Options of VAE.create, VAE.fromBytes and VAE.load: how the model runs, not what it is. */
export interface CreateOptions {
  /**
   * Kernel build: 'auto' (default) picks relaxed SIMD where the engine validates it (on Node 20
   * after setting V8's flag, see RuntimeInfo.relaxedSimdByFlag), else plain SIMD; 'simd' forces
   * the plain build; 'relaxed' fails where relaxed SIMD is missing.
   */
  build?: KernelBuild;
  /** Rows a worker processes per pass (default 256); larger batches are split and their gradients summed. */
  chunkRows?: number;
  /** Default worker count for fit and for encode/decode/evaluate calls of 1,024 rows or more (default 1: this thread). */
  workers?: WorkerCount;
  /** Time every kernel call made on this thread (see VAE.profile()); for benchmarks (default false). */
  profile?: boolean;
}

const CREATE_OPTION_KEYS: readonly (keyof CreateOptions)[] = ['build', 'chunkRows', 'workers', 'profile'];


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

/** What runs the numbers (vae.runtime). */
export interface RuntimeInfo {
  /** Worker threads (true) or this thread (false): in use, or planned before the first call that needs them. */
  threads: boolean;
  /** Workers in use by the last call, or before any call the count CreateOptions.workers gives here. */
  workers: number;
  /** Whether the worker pool is running now (it starts on the first fit, or large encode/decode/evaluate). */
  poolStarted: boolean;
  /** WebAssembly SIMD (always: the kernels need it). */
  simd: boolean;
  /** The relaxed-SIMD build (fused multiply-add) is in use; else the plain SIMD build. */
  relaxedSimd: boolean;
  /** Relaxed SIMD validated only after wasm-vae set V8's --experimental-wasm-relaxed-simd (Node 20). */
  relaxedSimdByFlag: boolean;
  /** Why the runtime differs from what was asked (no SharedArrayBuffer, ...). */
  warnings: string[];
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
  private readonly state: TrainingState = { step: 0, optimizerStep: 0, epoch: 0 };
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;
  private modelMark: number;
  private readonly warnings: string[] = [];
  /** Set while fit() awaits a user callback: model calls then run at once (see exclusive()). */
  private callback: { drain: () => Promise<void> } | null = null;
  private kernelProfile: KernelProfile | undefined;
  /** The worker count the last call ran with (undefined before any call needed workers). */
  private lastWorkers: number | undefined;

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
    /** Byte offset of the control block the worker pool synchronises on. */
    private readonly control: number,
  ) {
    this.config = config;
    this.layout = layout;
    this.modelMark = arena.mark();
  }

  /** Builds a model with freshly initialised parameters (torch.nn.Linear's scheme, seeded). */
  static async create(config: VAEConfig, options: CreateOptions = {}): Promise<VAE> {
    checkKeys(options, CREATE_OPTION_KEYS, 'create options');
    const resolved = resolveConfig(config);
    const layout = parameterLayout(resolved);
    resolveWorkers(options.workers);
    const kernel = await kernelModule(options.build ?? 'auto');
    const memory = createMemory(INITIAL_PAGES);
    const k = await instantiate(kernel.module, memory);
    const arena = new Arena(memory, k.heap_base());
    const control = arena.alloc(CONTROL_BYTES); // barrier, abort flag, per-worker status slots
    const regions = allocModel(arena, layout);
    const chunkRows = options.chunkRows ?? 256;
    const plan = buildPlan(k, arena, resolved, layout, regions, 1, chunkRows);
    initialiseParameters(k, layout, regions.params, resolved.seed);
    const profile = options.profile ? new KernelProfile() : undefined;
    const vae = new VAE(resolved, layout, k, arena, regions, plan, new InThreadExecutor(profile ? profile.wrap(k) : k, plan),
      kernel, options.workers ?? 1, chunkRows, control);
    vae.kernelProfile = profile;
    vae.usableWorkers(resolveWorkers(vae.defaultWorkers)); // records the no-isolation warning up front
    return vae;
  }

  /** What runs the numbers: worker threads or this thread, how many, and which SIMD build. */
  get runtime(): RuntimeInfo {
    const workers = this.executor.threads ? this.executor.workers : this.lastWorkers ?? this.usableWorkers(resolveWorkers(this.defaultWorkers));
    return { threads: workers > 1, workers, poolStarted: this.executor.threads, simd: true, relaxedSimd: this.kernel.relaxedSimd,
      relaxedSimdByFlag: this.kernel.relaxedSimdByFlag, warnings: [...this.warnings] };
  }

  /**
   * The worker count this page or process can give for `n` asked: 1 where SharedArrayBuffer is
   * missing (a page that is not cross-origin isolated), with a warning recorded.
   */
  private usableWorkers(n: number): number {
    if (n > 1 && !sharedMemoryAvailable()) {
      const warning = `SharedArrayBuffer is unavailable (the page is not cross-origin isolated: serve it with COOP/COEP headers); training on one thread instead of ${n} workers`;
      if (!this.warnings.includes(warning)) this.warnings.push(warning);
      return 1;
    }
    return n;
  }

  /**
   * Makes `n` workers ready (reusing the running pool when it has that size). Must run at the
   * start of an exclusive call, before any transient allocation. Without shared memory (a page
   * that is not cross-origin isolated) it falls back to this thread and records a warning.
   */
  private async useWorkers(n: number): Promise<void> {
    if (this.callback) return; // inside a fit callback: keep the pool that fit is using
    n = this.usableWorkers(n);
    this.lastWorkers = n;
    if (n === this.executor.workers) return;
    await this.executor.dispose();
    this.executor = new InThreadExecutor(this.k, this.plan);
    if (n === 1) return;
    const plan = buildPlan(this.k, this.arena, this.config, this.layout, this.regions, n, this.chunkRows);
    this.modelMark = this.arena.mark();
    this.executor = await WorkerPool.start(this.kernel.module, this.arena.memory, plan, this.control, new Engine(this.k, plan, 0));
  }

  /** After a worker failure: end the broken pool; the next call starts a fresh one. */
  private async recover(err: unknown): Promise<void> {
    if (!(err instanceof WorkerError)) return;
    await this.executor.dispose().catch(() => undefined);
    this.executor = new InThreadExecutor(this.k, this.plan);
  }

  /**
   * With CreateOptions.profile: time per kernel (GEMMs by shape) spent on this thread since the
   * last reset, largest first. Worker threads are not profiled.
   */
  profile(reset = false): ProfileEntry[] {
    const entries = this.kernelProfile?.entries() ?? [];
    if (reset) this.kernelProfile?.reset();
    return entries;
  }

  /** Epochs and optimiser steps completed over this model's life. */
  get progress(): { epoch: number; step: number } {
    return { epoch: this.state.epoch, step: this.state.step };
  }

  /**
   * Runs `fn` after every earlier call on this model has finished, with transient memory freed
   * after. Called from inside a fit() callback (onBatchEnd, onEpochEnd), it runs at once instead —
   * after the step in flight has finished, so it sees settled parameters — since queueing behind
   * the fit that is waiting for the callback would never end.
   */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.callback) {
      const callback = this.callback;
      return (async () => {
        await callback.drain();
        const mark = this.arena.mark();
        try {
          return await fn();
        } finally {
          this.arena.release(mark);
        }
      })();
    }
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
    if (this.callback) return Promise.reject(new ConfigError('fit() cannot be called from inside a fit() callback'));
    try {
      resolveFit(options); // every option checked (and unknown keys refused) before anything starts
    } catch (err) {
      return Promise.reject(err);
    }
    return this.exclusive(async () => {
      const workers = resolveWorkers(options.workers ?? this.defaultWorkers, options.batchSize ?? 128);
      await this.useWorkers(workers);
      await yieldNow(); // keep a page responsive: each setup phase is a task of its own
      const train = this.load(data, 'training data');
      await yieldNow();
      const validation = options.validation === undefined ? undefined : this.load(options.validation, 'validation data');
      await yieldNow();
      return fitLoop({
        arena: this.arena, executor: this.executor, seed: this.config.seed, beta: this.config.beta,
        state: this.state, train, validation, warnings: [...this.warnings],
        inCallback: async (drain, run) => {
          this.callback = { drain };
          try {
            await run();
          } finally {
            this.callback = null;
          }
        },
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
      const rows = rowCount(z, this.config.latentDim, 'latent input', 'latentDim');
      await this.workersFor(rows);
      const ref = copyIn(this.k, this.arena, z, this.config.latentDim, 'latent input', -Infinity, Infinity, 'latentDim');
      return this.decodeAt(ref.ptr, rows);
    });
  }

  private async decodeAt(z: number, rows: number, noiseSeed?: number): Promise<Float32Array> {
    const D = this.config.inputDim;
    const out = this.arena.allocFloats(rows * D);
    await this.executor.decode(z, rows, out, noiseSeed);
    return this.arena.f32(out, rows * D).slice();
  }

  /** n new examples: z ~ N(0, I) (seeded by options.seed, default the model's seed), decoded to means. */
  sample(n: number, options: { seed?: number } = {}): Promise<Float32Array> {
    return this.exclusive(async () => {
      checkKeys(options, ['seed'], 'sample options');
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

  /**
   * The model as safetensors bytes: every parameter under its PyTorch name and layout, the config
   * and training progress in the header metadata, and with `optimizer: true` the optimiser state
   * (`optimizer.m.<name>`, `optimizer.v.<name>`) so that training can resume exactly.
   */
  toBytes(options: { optimizer?: boolean } = {}): Uint8Array {
    if (this.disposed) throw new DisposedError('this VAE was disposed');
    const entries: [string, NamedTensor][] = [];
    const region = (base: number, prefix: string) => {
      for (const t of this.layout.tensors) {
        entries.push([prefix + t.name, { shape: t.shape, data: this.arena.f32(base + 4 * t.offset, t.size) }]);
      }
    };
    region(this.regions.params, '');
    if (options.optimizer) {
      region(this.regions.adamM, 'optimizer.m.');
      region(this.regions.adamV, 'optimizer.v.');
    }
    return encodeSafetensors(entries, {
      format: 'pt',
      'wasm_vae.config': JSON.stringify(this.config),
      'wasm_vae.epoch': String(this.state.epoch),
      'wasm_vae.step': String(this.state.step),
      ...(options.optimizer ? { 'wasm_vae.optimizer_step': String(this.state.optimizerStep) } : {}),
      ...(options.optimizer && this.state.partial ? { 'wasm_vae.partial_epoch': JSON.stringify(this.state.partial) } : {}),
      'wasm_vae.optimizer': options.optimizer ? '1' : '0',
    });
  }

  /** Builds a model from safetensors bytes written by toBytes()/save(). */
  static async fromBytes(bytes: Uint8Array, options: CreateOptions & { file?: string } = {}): Promise<VAE> {
    const file = options.file ?? 'model bytes';
    const decoded = decodeSafetensors(bytes, file);
    const text = decoded.metadata['wasm_vae.config'];
    if (text === undefined) throw new FileFormatError('no wasm_vae.config in the metadata: not a wasm-vae model file', file);
    let config: VAEConfig;
    try {
      config = JSON.parse(text) as VAEConfig;
    } catch {
      throw new FileFormatError('wasm_vae.config in the metadata is not valid JSON', file);
    }
    const { file: _file, ...createOptions } = options;
    const vae = await VAE.create(config, createOptions).catch((err: unknown) => {
      throw err instanceof WasmVaeError ? new FileFormatError(`invalid config in the metadata: ${err.message}`, file) : err;
    });
    try {
      vae.restore(decoded.tensors, decoded.metadata, file);
    } catch (err) {
      await vae.dispose();
      throw err;
    }
    return vae;
  }

  /** Replaces this model's parameters (and optimiser state, if present) with those of a model file of the same architecture. */
  loadBytes(bytes: Uint8Array, file = 'model bytes'): void {
    if (this.disposed) throw new DisposedError('this VAE was disposed');
    const decoded = decodeSafetensors(bytes, file);
    const theirs = decoded.metadata['wasm_vae.config'];
    if (theirs !== undefined && theirs !== JSON.stringify(this.config)) {
      throw new ModelMismatchError(`${file} holds another architecture: ${theirs}; this model is ${JSON.stringify(this.config)}`);
    }
    this.restore(decoded.tensors, decoded.metadata, file);
  }

  private restore(tensors: Map<string, NamedTensor>, metadata: Record<string, string>, file: string): void {
    const withOptimizer = metadata['wasm_vae.optimizer'] === '1';
    const prefixes = withOptimizer ? ['', 'optimizer.m.', 'optimizer.v.'] : [''];
    const expected = new Set<string>();
    for (const prefix of prefixes) {
      for (const t of this.layout.tensors) {
        const name = prefix + t.name;
        expected.add(name);
        const found = tensors.get(name);
        if (!found) throw new ModelMismatchError(`${file}: missing tensor ${name} [${t.shape.join(', ')}] (a model of another architecture?)`);
        if (found.shape.join() !== t.shape.join()) {
          throw new ModelMismatchError(`${file}: tensor ${name} has shape [${found.shape.join(', ')}], this model needs [${t.shape.join(', ')}]`);
        }
      }
    }
    for (const name of tensors.keys()) {
      if (!expected.has(name)) throw new ModelMismatchError(`${file}: unexpected tensor ${name} (a model of another architecture?)`);
    }
    const regionFor = [this.regions.params, this.regions.adamM, this.regions.adamV];
    if (!withOptimizer) {
      const n = this.layout.floats;
      this.arena.f32(this.regions.adamM, n).fill(0);
      this.arena.f32(this.regions.adamV, n).fill(0);
    }
    prefixes.forEach((prefix, i) => {
      for (const t of this.layout.tensors) this.arena.f32(regionFor[i] + 4 * t.offset, t.size).set(tensors.get(prefix + t.name)!.data);
    });
    const int = (key: string) => {
      const v = Number(metadata[key] ?? '0');
      return Number.isSafeInteger(v) && v >= 0 ? v : 0;
    };
    // Progress is what the file says, with or without optimiser state: a model saved after 10
    // epochs reports epoch 10 (resuming without moments restarts Adam's bias correction anyway).
    this.state.epoch = int('wasm_vae.epoch');
    this.state.step = int('wasm_vae.step');
    // Adam's bias correction restarts with fresh moments, as a new torch.optim.Adam would.
    this.state.partial = withOptimizer ? parsePartialEpoch(metadata['wasm_vae.partial_epoch']) : undefined;
    this.state.optimizerStep = withOptimizer ? int(metadata['wasm_vae.optimizer_step'] === undefined ? 'wasm_vae.step' : 'wasm_vae.optimizer_step') : 0;
  }

  /** Node: writes the model file atomically (temporary file, then rename). */
  async save(path: string, options: { optimizer?: boolean } = {}): Promise<void> {
    await writeFileAtomic(path, this.toBytes(options));
  }

  /** Node: reads a model file written by save(). */
  static async load(path: string, options: CreateOptions = {}): Promise<VAE> {
    return VAE.fromBytes(await readFileBytes(path), { ...options, file: path });
  }

  /** Ends the model's workers; the model cannot be used afterwards. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    await this.queue;
    this.disposed = true;
    await this.executor.dispose();
  }
}
