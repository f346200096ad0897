// The commands the pool sends to a worker. Only numbers and small objects cross: every tensor
// stays in the shared memory.
import type { DataRef, LossSums, OptimizerSettings, Plan } from '../src/engine.js';

/** Slot states in the control block for the update phase (Int32 per worker, one cache line each). */
export const SLICE_WORKING = 0;
/** The worker's owned gradients are complete (and their squared norm written, when clipping). */
export const SLICE_GRADS_READY = 1;
/** Inside the optimiser kernels; interrupted = partly updated. */
export const SLICE_UPDATING = 2;
export const SLICE_DONE = 3;
/** A status slot holds step · STATUS_STEP + state, so a reader knows which step it describes. */
export const STATUS_STEP = 8;

/**
 * Control block layout (byte offsets from its base; each slot on its own 64-byte line):
 * barrier arrival count, barrier generation, abort flag, then per worker w a status slot
 * (Int32) and a gradient-norm partial (Float64).
 */
export const CONTROL = {
  count: 0,
  generation: 64,
  abort: 128,
  status: (w: number) => 256 + 64 * w,
  norm: (w: number) => 256 + 64 * w + 8,
  bytes: (workers: number) => 256 + 64 * workers,
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

/** One training step: each worker takes its shard of every pass, then its owned parameters. */
export interface StepCommand {
  data: DataRef;
  /** Byte offset of the batch's first dataset index (i32), and the batch size. */
  idx: number;
  batch: number;
  stream: number;
  step: number;
  optimizer: OptimizerSettings;
  clipNorm: number;
}


/** Testing hook: make this worker fail at a given step. */
export interface FaultInjection {
  step: number;
  kind: 'throw' | 'exit';
}

export interface WorkerApi {
  init(init: WorkerInit): { index: number };
  step(command: StepCommand): LossSums;
  evaluate(data: DataRef, start: number, rows: number, seed: number, stream: number): LossSums;
  encode(data: DataRef, start: number, rows: number, out: number): void;
  decode(z: number, rows: number, out: number, noiseSeed: number | undefined, rowOffset: number): void;
  injectFault(fault: FaultInjection | null): void;
}
