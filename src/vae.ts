// The public model: one VAE API over the wasm kernels, in Node and in browsers.
import { Arena } from './arena.js';
import { CallQueue } from './call-queue.js';
import { readFileBytes, writeFileAtomic } from '#platform';
import { autoWorkers, type CreateOptions, resolveCreateOptions, resolveWorkers, type RuntimeInfo, usableWorkers } from './runtime.js';
import { WorkerPool } from '../workers/pool.js';
import { CONTROL } from '../workers/protocol.js';
import { type DataRef, Engine, EVAL_STREAM, type Plan } from './engine.js';
import { checkKeys } from './check-keys.js';
import { ConfigError, DisposedError, ModelMismatchError, ShapeError, WorkerError } from './errors.js';
import { checkParameterRecord, checkTensors, encodeModel, type ModelMemory, type ReadOptions, readModelFile, restoreModel } from './model/file.js';
import { checkModelFits } from './model/memory.js';
import { formatSummary, type ModelSummary, summarize } from './model/summary.js';
import { decodeSafetensors } from './model/safetensors.js';
import { readTensor, writeTensor } from './model/tensors.js';
import { type Executor, InThreadExecutor, perExample } from './executor.js';
import { copyIn, copyLabels, type DataInput, type LabelInput, loadRows, type RowCheck, rowCount, splitHead } from './input.js';
import { createMemory, INITIAL_PAGES, instantiate, type KernelExports, kernelModule, type KernelModule } from './kernels.js';
import { resolveConfig, type ResolvedConfig, type VAEConfig } from './model/config.js';
import { type ParameterLayout, parameterLayout } from './model/layout.js';
import { allocModel, buildPlan, initialiseParameters, type ModelRegions } from './model/plan.js';
import { KernelProfile, type ProfileEntry } from './profile.js';
import { type FitSettings, fitLoop, type TrainingState, yieldNow } from './train/fit.js';
import { prepareFitData } from './train/prepare.js';
import { EVALUATE_KEYS, logLikelihoodJob, type LogLikelihoodOptions } from './density.js';
import { type FitOptions, type History, resolveFit, type WorkerCount } from './train/options.js';
import type { GradientReport, LossReport } from './reports.js';
import { type LatentMethods, latentMethods } from './latent/methods.js';

const CONTROL_BYTES = CONTROL.bytes(64);
export type { LossReport, GradientReport } from './reports.js';
/** Latent-space methods (interpolate, traverse, activeUnits, attributeVector, edit, embed) are in src/latent/methods.ts. */
export interface VAE extends LatentMethods {}

export class VAE {
  readonly config: ResolvedConfig;
  readonly layout: ParameterLayout;
  private readonly state: TrainingState = { step: 0, optimizerStep: 0, epoch: 0 };
  private modelMark: number;
  private readonly warnings: string[] = [];
  private kernelProfile: KernelProfile | undefined;
  /** The worker count the last call ran with (undefined before any call needed workers). */
  private lastWorkers: number | undefined;
  private readonly calls: CallQueue;

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
    this.calls = new CallQueue(arena, () => this.modelMark, (err) => this.recover(err));
  }

  /** Builds a model with freshly initialised parameters (torch.nn.Linear's scheme, seeded). */
  static async create(config: VAEConfig, options: CreateOptions = {}): Promise<VAE> {
    const run = resolveCreateOptions(options);
    const resolved = resolveConfig(config);
    const layout = parameterLayout(resolved);
    checkModelFits(resolved, layout, run.chunkRows); // before any allocation
    const kernel = await kernelModule(run.build);
    const memory = createMemory(INITIAL_PAGES);
    const k = await instantiate(kernel.module, memory);
    const arena = new Arena(memory, k.heap_base());
    const control = arena.alloc(CONTROL_BYTES); // barrier, abort flag, per-worker status slots
    const regions = allocModel(arena, layout);
    const plan = buildPlan(k, arena, resolved, layout, regions, 1, run.chunkRows);
    initialiseParameters(k, arena, layout, regions, resolved.seed);
    const profile = run.profile ? new KernelProfile() : undefined;
    const vae = new VAE(resolved, layout, k, arena, regions, plan, new InThreadExecutor(profile ? profile.wrap(k) : k, plan),
      kernel, run.workers, run.chunkRows, control);
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

  private usableWorkers(n: number): number {
    return usableWorkers(n, this.warnings);
  }

  /**
   * Makes `n` workers ready (reusing the running pool when it has that size). Must run at the
   * start of an exclusive call, before any transient allocation. Without shared memory (a page
   * that is not cross-origin isolated) it falls back to this thread and records a warning.
   */
  private async useWorkers(n: number): Promise<void> {
    if (this.calls.inCallback) return; // inside a fit callback: keep the pool that fit is using
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

  /**
   * The optimiser, learning rate and batch size of the last fit (or, for a model read from a
   * checkpoint, of the run that wrote it); undefined before any training.
   */
  get trainingSettings(): FitSettings | undefined {
    return this.state.settings ? { ...this.state.settings } : undefined;
  }

  /**
   * The layers in order (kind, widths, activation, parameters), every tensor with its shape, the
   * total parameter count, the config and the training progress; `text` is the table that
   * `wasm-vae info` prints.
   */
  summary(): ModelSummary & { text: string } {
    const s = summarize(this.config, this.layout, this.progress);
    return { ...s, text: formatSummary(s) };
  }

  /** Epochs and optimiser steps completed over this model's life. */
  get progress(): { epoch: number; step: number } {
    return { epoch: this.state.epoch, step: this.state.step };
  }

  /** Calls on at least 1,024 rows use the default worker pool (started on first need). */
  private async workersFor(rows: number): Promise<void> {
    if (rows >= 1024) await this.useWorkers(resolveWorkers(this.defaultWorkers));
  }

  private load(data: DataInput, what: string, labels: LabelInput | undefined, check: RowCheck = 'range'): DataRef {
    return loadRows(this.k, this.arena, this.config, data, what, labels, check);
  }

  /**
   * Trains on rows of `data` (Float32Array in [0,1] for Bernoulli, or Uint8Array bytes read as
   * byte/255). Losses are nats per example. Successive calls continue the optimiser and epochs.
   */
  fit(data: DataInput, options: FitOptions = {}): Promise<History> {
    if (this.calls.inCallback) return Promise.reject(new ConfigError('fit() cannot be called from inside a fit() callback'));
    try {
      resolveFit(options); // every option checked (and unknown keys refused) before anything starts
    } catch (err) {
      return Promise.reject(err);
    }
    return this.calls.run(async () => {
      const asked = options.workers ?? this.defaultWorkers, busy: string[] = [];
      const workers = resolveWorkers(asked, options.batchSize ?? 128);
      await this.useWorkers(asked === 'auto' ? await autoWorkers(workers, busy) : workers);
      await yieldNow(); // keep a page responsive: each setup phase is a task of its own
      const loaded = this.load(data, 'training data', options.labels, 'train');
      await yieldNow();
      const { train, validation } = prepareFitData({ k: this.k, arena: this.arena, config: this.config, layout: this.layout,
        params: this.regions.params, trainedSteps: this.state.step, capacity: this.chunkRows }, resolveFit(options), loaded,
      options.validation && this.load(options.validation, 'validation data', options.validationLabels));
      await yieldNow();
      return fitLoop({
        arena: this.arena, executor: this.executor, seed: this.config.seed, beta: this.config.beta,
        state: this.state, train, validation, warnings: [...this.warnings, ...busy],
        saveParameters: () => this.arena.f32(this.regions.params, this.layout.floats).slice(),
        restoreParameters: (saved) => this.arena.f32(this.regions.params, this.layout.floats).set(saved),
        stopRequested: () => this.calls.disposed ? new DisposedError('this VAE was disposed during fit(); training stopped after the current batch') : undefined,
        inCallback: (drain, run) => this.calls.asCallback(drain, run),
      }, options);
    });
  }

  /** Negative ELBO per example (one z sample per example, fixed noise), with its two terms; with `samples`, also the NLL by importance sampling. */
  evaluate(data: DataInput, options: { labels?: LabelInput } & LogLikelihoodOptions = {}): Promise<LossReport> {
    return this.calls.run(async () => {
      const { labels, ...nll } = options;
      checkKeys(options, EVALUATE_KEYS, 'evaluate options');
      // The workers are chosen first: a pool started after a load would keep the loaded rows.
      const job = nll.samples === undefined ? undefined : await this.estimateWorkers(data, nll);
      if (!job) await this.workersFor(rowCount(data, this.config.inputDim, 'evaluation data'));
      const ref = this.load(data, 'evaluation data', labels);
      const s = await this.executor.evaluate(ref, this.config.seed, EVAL_STREAM);
      const log = job && await this.executor.logLikelihood({ ...job, data: ref });
      return { ...perExample(s, ref.rows, this.config.beta), ...(log ? { nll: -log.reduce((a, b) => a + b, 0) / log.length } : {}) };
    });
  }

  /**
   * Importance-sampled log p(x) of every row, in nats (Burda et al. 2015): what papers report as
   * test NLL (its negative mean) with samples: 5000 on binarised MNIST. Runs on the worker pool.
   */
  logLikelihood(x: DataInput, options: LogLikelihoodOptions = {}): Promise<Float64Array> {
    return this.calls.run(async () => {
      const job = await this.estimateWorkers(x, options);
      return this.executor.logLikelihood({ ...job, data: this.load(x, 'log-likelihood data', options.labels) });
    });
  }

  /** Checks a log-likelihood call and makes its workers ready (before any load). */
  private async estimateWorkers(x: DataInput, options: LogLikelihoodOptions): Promise<ReturnType<typeof logLikelihoodJob>> {
    const rows = rowCount(x, this.config.inputDim, 'log-likelihood data'), job = logLikelihoodJob(options, this.config, x, rows);
    if (options.workers === undefined) await this.workersFor(rows * job.samples);
    else await this.useWorkers(resolveWorkers(options.workers));
    return job;
  }

  /** Parameters of q(z|x) for each row: mean and log-variance, rows × latentDim each (labels: a conditional model's classes; workers: default CreateOptions.workers from 1,024 rows). */
  encode(x: DataInput, options: { labels?: LabelInput; workers?: WorkerCount } = {}): Promise<{ mean: Float32Array; logVar: Float32Array }> {
    return this.calls.run(async () => {
      checkKeys(options, ['labels', 'workers'], 'encode options');
      const rows = rowCount(x, this.config.inputDim, 'encode input');
      await (options.workers === undefined ? this.workersFor(rows) : this.useWorkers(resolveWorkers(options.workers)));
      const ref = this.load(x, 'encode input', options.labels, 'none');
      const L = this.config.latentDim;
      const out = this.arena.allocFloats(ref.rows * 2 * L);
      await this.executor.encode(ref, out);
      return splitHead(this.k, this.arena, out, ref.rows, L);
    });
  }

  /** Decoder means for latent rows z (rows × latentDim): pixel probabilities for Bernoulli (labels: a conditional model's classes). */
  decode(z: Float32Array, options: { labels?: LabelInput } = {}): Promise<Float32Array> {
    return this.calls.run(async () => {
      checkKeys(options, ['labels'], 'decode options');
      const rows = rowCount(z, this.config.latentDim, 'latent input', 'latentDim');
      await this.workersFor(rows);
      const ref = copyIn(this.k, this.arena, z, this.config.latentDim, 'latent input', -Infinity, Infinity, 'latentDim');
      return this.decodeAt(ref.ptr, rows, undefined, copyLabels(this.arena, options.labels, rows, this.config.conditional?.classes, 'decode'));
    });
  }

  private async decodeAt(z: number, rows: number, noiseSeed: number | undefined, labels: number): Promise<Float32Array> {
    const D = this.config.inputDim;
    const out = this.arena.allocFloats(rows * D);
    await this.executor.decode(z, rows, out, noiseSeed, labels);
    return this.arena.f32(out, rows * D).slice();
  }

  /**
   * n new examples: z ~ N(0, I) (seeded by options.seed, default the model's seed), decoded to
   * means; a conditional model draws them of the classes in options.labels (one per example).
   */
  sample(n: number, options: { seed?: number; labels?: LabelInput } = {}): Promise<Float32Array> {
    return this.calls.run(async () => {
      checkKeys(options, ['seed', 'labels'], 'sample options');
      if (!Number.isInteger(n) || n < 1) throw new ShapeError(`sample count must be a positive integer, got ${n}`);
      const labels = copyLabels(this.arena, options.labels, n, this.config.conditional?.classes, 'sample');
      await this.workersFor(n);
      const z = this.arena.allocFloats(n * this.config.latentDim);
      return this.decodeAt(z, n, (options.seed ?? this.config.seed) >>> 0, labels);
    });
  }

  /** Decoder means at the encoder means: the model's reconstruction of each row (labels: a conditional model's classes). */
  async reconstruct(x: DataInput, options: { labels?: LabelInput } = {}): Promise<Float32Array> {
    const { mean } = await this.encode(x, options);
    return this.decode(mean, options);
  }

  /** @internal The kernels and scratch memory, in call order (scratch released after `fn`): the latent-space methods' arithmetic. */
  withKernels<T>(fn: (k: KernelExports, arena: Arena) => T): Promise<T> {
    return this.calls.run(async () => fn(this.k, this.arena));
  }

  /** Copies of every parameter tensor, by PyTorch-style name. */
  getParameters(): Record<string, Float32Array> {
    if (this.calls.disposed) throw new DisposedError('this VAE was disposed');
    return Object.fromEntries(this.layout.tensors.map((t) => [t.name, readTensor(this.arena, this.regions.params, t)]));
  }

  /**
   * Replaces parameters by name; every tensor of the layout must be present with its exact size
   * and finite values (a NaN would silently poison every later step).
   */
  setParameters(tensors: Record<string, Float32Array>): void {
    if (this.calls.disposed) throw new DisposedError('this VAE was disposed');
    checkParameterRecord(this.layout, tensors);
    for (const t of this.layout.tensors) writeTensor(this.arena, this.regions.params, t, tensors[t.name]);
  }

  /** The noise ε the model draws for dataset rows `indices` in epoch `stream`: rows × samples × latentDim (samples: IWAE's k, default 1). */
  noise(indices: Int32Array, stream: number, samples = 1): Promise<Float32Array> {
    return this.calls.run(async () => {
      const L = this.config.latentDim, n = indices.length * samples;
      const idx = this.arena.alloc(4 * n), out = this.arena.allocFloats(n * L);
      this.arena.i32(idx, n).set(Int32Array.from({ length: n }, (_, b) => indices[Math.floor(b / samples)]));
      this.k.normal_samples(out, n, L, idx, 0, samples, 0, this.config.seed, stream);
      return this.arena.f32(out, n * L).slice();
    });
  }

  /**
   * Loss and its gradient for rows x, without changing the parameters. Row r uses the noise of
   * sample index r in epoch `stream` (see noise()); samples > 1: of the IWAE bound with k samples.
   */
  computeGradients(x: DataInput, stream = 0, labels?: LabelInput, samples = 1): Promise<GradientReport> {
    return this.calls.run(async () => {
      const ref = { ...this.load(x, 'gradient input', labels), ...(samples > 1 ? { samples } : {}) }; // samples > 1: the IWAE bound
      const idx = this.arena.alloc(4 * ref.rows);
      this.arena.i32(idx, ref.rows).set(Int32Array.from({ length: ref.rows }, (_, r) => r));
      const s = new InThreadExecutor(this.k, this.plan).step(ref, idx, ref.rows, stream, 0, 0, this.config.beta, resolveFit({}).optimizer, false);
      const g = this.plan.grads;
      this.k.scale(g, this.layout.floats, 1 / ref.rows);
      const gradients = Object.fromEntries(this.layout.tensors.map((t) => [t.name, readTensor(this.arena, g, t)]));
      return { ...perExample(s, ref.rows, this.config.beta), gradients };
    });
  }

  /**
   * The model as safetensors bytes: every parameter under its PyTorch name and layout, the config
   * and training progress in the header metadata, and with `optimizer: true` the optimiser state
   * (`optimizer.m.<name>`, `optimizer.v.<name>`) so that training can resume exactly.
   */
  toBytes(options: { optimizer?: boolean } = {}): Uint8Array {
    if (this.calls.disposed) throw new DisposedError('this VAE was disposed');
    checkKeys(options, ['optimizer'], 'toBytes options');
    return encodeModel(this.memory(), options.optimizer === true);
  }

  private memory(): ModelMemory {
    return { config: this.config, layout: this.layout, arena: this.arena, regions: this.regions, state: this.state };
  }

  /**
   * Builds a model from safetensors bytes written by toBytes()/save(). The file's tensors are
   * checked against its config, and the config against the memory it needs, before anything is
   * allocated; non-finite parameters are refused unless `allowNonFinite`.
   */
  static async fromBytes(bytes: Uint8Array, options: CreateOptions & ReadOptions & { file?: string } = {}): Promise<VAE> {
    const { file = 'model bytes', allowNonFinite, ...createOptions } = options;
    const { decoded, config } = readModelFile(bytes, file, { allowNonFinite });
    const vae = await VAE.create(config, createOptions);
    restoreModel(vae.memory(), decoded);
    return vae;
  }

  /**
   * Replaces this model's parameters (and optimiser state, if present) with those of a
   * safetensors file of the same architecture: one written by wasm-vae, or a PyTorch state dict
   * saved under the same names (no config in its metadata; every tensor is checked by name and shape).
   */
  loadBytes(bytes: Uint8Array, file = 'model bytes', options: ReadOptions = {}): void {
    if (this.calls.disposed) throw new DisposedError('this VAE was disposed');
    const decoded = decodeSafetensors(bytes, file);
    const theirs = decoded.metadata['wasm_vae.config'];
    if (theirs !== undefined && theirs !== JSON.stringify(this.config)) {
      throw new ModelMismatchError(`${file} holds another architecture: ${theirs}; this model is ${JSON.stringify(this.config)}`);
    }
    checkTensors(decoded, this.layout, file, options);
    restoreModel(this.memory(), decoded);
  }

  /** Node: writes the model file atomically (temporary file, then rename). */
  async save(path: string, options: { optimizer?: boolean } = {}): Promise<void> {
    await writeFileAtomic(path, this.toBytes(options));
  }

  /** Node: reads a model file written by save(). */
  static async load(path: string, options: CreateOptions & ReadOptions = {}): Promise<VAE> {
    return VAE.fromBytes(await readFileBytes(path), { ...options, file: path });
  }

  /**
   * Ends the model's workers; the model cannot be used afterwards (calls made later reject with
   * DisposedError; calls made earlier finish first). Called from inside a fit() callback, it
   * resolves at once, and the fit stops after that callback, ends the workers and rejects with a
   * DisposedError.
   */
  dispose(): Promise<void> {
    return this.calls.dispose(() => this.executor.dispose());
  }
}
Object.assign(VAE.prototype, latentMethods);
