// Runs training steps and batched inference. The in-thread executor calls the engine directly;
// the worker pool (workers/pool.ts) implements the same interface over shared memory.
import { type DataRef, Engine, type LossSums, type NonFinite, type OptimizerSettings, type Plan, stepRows } from './engine.js';
import { runStep, SINGLE_THREAD } from './step.js';
import { type StepSchedule, stepValues } from './train/schedule.js';
import type { KernelExports } from './kernels.js';

export interface StepSettings {
  optimizer: OptimizerSettings;
  /** 0 = no clipping. */
  clipNorm: number;
}

/** The steps of one epoch: step b trains on order[b·batchSize ..] and is optimiser step stepBase + b + 1. */
export interface EpochSpec {
  data: DataRef;
  /** Byte offset of the epoch's order (i32 dataset indices, `rows` of them). */
  order: number;
  rows: number;
  batchSize: number;
  /** The epoch over the model's life (0-based): the noise stream, and where the schedules stand. */
  stream: number;
  stepBase: number;
  settings: StepSettings;
  schedule: StepSchedule;
}


/**
 * Steps of an epoch run from step `from` on. The caller releases steps (a worker pool starts a
 * released step as soon as the previous one is done, with no message in between) and reads each
 * step's loss sums in order.
 */
export interface StepRun {
  /** Steps below this may have started. */
  readonly released: number;
  /** After finish(): no further step starts in this run. */
  readonly finished: boolean;
  /** Lets steps below `count` start (never lowers it). */
  release(count: number): void;
  /** How many of the epoch's steps are complete now (results may not have been read yet). */
  completed(): number;
  /** Loss sums of step b once it is complete; rejects with the run's failure (a WorkerError). */
  result(b: number): Promise<LossSums>;
  /** Lets no further step start; resolves when every released step is complete. */
  finish(): Promise<void>;
}

export interface Executor {
  readonly workers: number;
  readonly threads: boolean;
  /** How many steps a run should have released beyond the one whose result is being read. */
  readonly ahead: number;
  /** Starts running the epoch's steps from step `from` (none starts before it is released). */
  startRun(spec: EpochSpec, from: number): StepRun;
  evaluate(data: DataRef, seed: number, stream: number): Promise<LossSums>;
  encode(data: DataRef, out: number): Promise<void>;
  /** Importance-sampled log p(x) of every row (see LogLikelihoodJob), in row order. */
  logLikelihood(job: LogLikelihoodJob): Promise<Float64Array>;
  /** `labels`: byte offset of the rows' i32 classes (conditional models), 0 otherwise. */
  decode(z: number, rows: number, out: number, noiseSeed?: number, labels?: number): Promise<void>;
  dispose(): Promise<void>;
}


/** What logLikelihood estimates: `samples` per row of `data`, noise keyed by (seed, stream); progress after every block of rows. */
export interface LogLikelihoodJob {
  data: DataRef;
  samples: number;
  seed: number;
  stream: number;
  onRows?: (done: number) => void | Promise<void>;
}

/** Rows per call of a log-likelihood job: small enough for progress and for sharing the work out evenly. */
export const LOG_LIKELIHOOD_BLOCK = 4;

/** Loss sums over `rows` rows as per-example nats: the loss (reconstruction + β·KL) and its two terms. */
export function perExample(s: LossSums, rows: number, beta: number): { loss: number; reconstruction: number; kl: number } {
  return { loss: (s.reconstruction + beta * s.kl) / rows, reconstruction: s.reconstruction / rows, kl: s.kl / rows };
}

/** Sums two loss reports. */
export function addSums(a: LossSums, b: LossSums): LossSums {
  const nonFinite = Math.max(a.nonFinite ?? 0, b.nonFinite ?? 0) as NonFinite | 0;
  return { reconstruction: a.reconstruction + b.reconstruction, kl: a.kl + b.kl, ...(nonFinite ? { nonFinite } : {}) };
}

export class InThreadExecutor implements Executor {
  readonly workers = 1;
  readonly threads = false;
  readonly ahead = 1;
  readonly engine: Engine;

  constructor(k: KernelExports, private readonly plan: Plan) {
    this.engine = new Engine(k, plan, 0);
  }

  /** One step (or, with update false, only the gradients) on the batch rows whose indices are at idxPtr. */
  step(data: DataRef, idxPtr: number, batch: number, stream: number, step: number, clipNorm: number, beta: number,
       opt: OptimizerSettings, update = true): LossSums {
    return runStep(this.engine, { data, idx: idxPtr, batch, stream, step, opt, beta, clipNorm, owner: 0, workers: 1,
      capacity: this.plan.workspaces[0].rows, update }, SINGLE_THREAD);
  }

  /** In this thread a step runs when its result is asked for: there is nothing to overlap. */
  startRun(spec: EpochSpec, from: number): StepRun {
    const run = { released: from, finished: false, completed: from };
    return {
      get released() { return run.released; },
      get finished() { return run.finished; },
      release: (count) => { run.released = Math.max(run.released, count); },
      completed: () => run.completed,
      result: async (b) => {
        const { start, size } = stepRows(b, spec.batchSize, spec.rows);
        const { beta, opt } = stepValues(spec, spec.settings.optimizer, b);
        const sums = this.step(spec.data, spec.order + 4 * start, size, spec.stream, spec.stepBase + b + 1, spec.settings.clipNorm, beta, opt);
        run.completed = Math.max(run.completed, b + 1);
        return sums;
      },
      finish: async () => { run.finished = true; },
    };
  }

  async evaluate(data: DataRef, seed: number, stream: number): Promise<LossSums> {
    return this.engine.evaluateRows(data, 0, data.rows, seed, stream);
  }

  async encode(data: DataRef, out: number): Promise<void> {
    this.engine.encodeRows(data, 0, data.rows, out);
  }

  async logLikelihood({ data, samples, seed, stream, onRows }: LogLikelihoodJob): Promise<Float64Array> {
    const out = new Float64Array(data.rows);
    for (let start = 0; start < data.rows; start += LOG_LIKELIHOOD_BLOCK) {
      const rows = Math.min(LOG_LIKELIHOOD_BLOCK, data.rows - start);
      out.set(this.engine.logLikelihoodRows(data, start, rows, samples, seed, stream), start);
      await onRows?.(start + rows);
    }
    return out;
  }

  async decode(z: number, rows: number, out: number, noiseSeed?: number, labels = 0): Promise<void> {
    this.engine.decodeRows(z, rows, out, noiseSeed, 0, labels);
  }

  async dispose(): Promise<void> {}
}
