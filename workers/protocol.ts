// The commands the pool sends to a worker. Only numbers and small objects cross: every tensor
// stays in the shared memory.
import type { DataRef, LossSums, OptimizerSettings, Plan } from '../src/engine.js';
import type { StepSchedule } from '../src/train/schedule.js';

/** Slot states in the control block for the update phase (Int32 per worker, one cache line each). */
export const SLICE_WORKING = 0;
/** The worker's owned gradients are complete. */
export const SLICE_GRADS_READY = 1;
/** Inside the optimiser kernels; interrupted = partly updated. */
export const SLICE_UPDATING = 2;
export const SLICE_DONE = 3;
/** A status slot holds step · STATUS_STEP + state, so a reader knows which step it describes. */
export const STATUS_STEP = 8;

/** Loss sums of the last RING steps of a run are kept per worker; the main thread stays behind. */
export const RING = 16;
/** Steps a run lets workers start beyond the one whose result the main thread is reading. */
export const AHEAD = 8;

/** Bytes of one worker's slots in the control block: status, verdict, loss ring (a multiple of 64). */
const WORKER_STRIDE = 448;

/**
 * Control block layout (byte offsets from its base; each slot on its own 64-byte line):
 * barrier arrival count, barrier generation, abort flag; for a run of steps, how many steps the
 * main thread has released, where the run must end, how many steps are complete, and from which
 * completed count the main thread wants a wake-up (Int32 each); then per worker w a status slot
 * (Int32), the verdict of its shard's divergence check for the current pass (Int32: 0 finite, else
 * a NonFinite code), and (reconstruction, KL, verdict) of its
 * rows for the last RING steps (Float64 triples).
 */
export const CONTROL = {
  count: 0,
  generation: 64,
  abort: 128,
  released: 192,
  end: 256,
  completed: 320,
  wake: 384,
  status: (w: number) => 448 + WORKER_STRIDE * w,
  verdict: (w: number) => 448 + WORKER_STRIDE * w + 4,
  losses: (w: number, step: number) => 448 + WORKER_STRIDE * w + 16 + 24 * (step % RING),
  bytes: (workers: number) => 448 + WORKER_STRIDE * workers,
};

export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  plan: Plan;
  index: number;
  workers: number;
  /** Byte offset of the control block. */
  control: number;
}

/**
 * A run of training steps over one epoch's order: step b (0-based in the epoch, from `from` on)
 * takes the rows order[b·batchSize ..] (at most batchSize, up to `rows`), and is optimiser step
 * stepBase + b + 1.
 * Workers run the steps back to back, each one once the main thread has released it (the
 * `released` slot), until the `end` slot; per-step loss sums go to the control block. In each
 * step a worker takes its shard of every pass, then its owned parameters.
 */
export interface RunCommand {
  data: DataRef;
  /** Byte offset of the epoch's order (i32 dataset indices), its length, and the batch size. */
  order: number;
  rows: number;
  batchSize: number;
  /** The first step of this run (0-based in the epoch). */
  from: number;
  /** Adam's t for step 0 of the epoch, minus one. */
  stepBase: number;
  stream: number;
  optimizer: OptimizerSettings;
  clipNorm: number;
  /** β and learning-rate schedules, evaluated per step (src/train/schedule.ts). */
  schedule: StepSchedule;
}


/** Testing hook: make this worker fail at a given step. */
export interface FaultInjection {
  step: number;
  kind: 'throw' | 'exit';
  /** Where in the step: at its start (default), or once every worker's backward pass is done. */
  phase?: 'start' | 'update';
}

export interface WorkerApi {
  init(init: WorkerInit): { index: number };
  /** Runs released steps until the run's end; returns how many it ran. */
  run(command: RunCommand): number;
  evaluate(data: DataRef, start: number, rows: number, seed: number, stream: number): LossSums;
  encode(data: DataRef, start: number, rows: number, out: number): void;
  /** Importance-sampled log p(x) of rows [start, start + rows) (Engine.logLikelihoodRows). */
  logLikelihood(data: DataRef, start: number, rows: number, samples: number, seed: number, stream: number): number[];
  decode(z: number, rows: number, out: number, noiseSeed: number | undefined, rowOffset: number, labels: number): void;
  injectFault(fault: FaultInjection | null): void;
}
