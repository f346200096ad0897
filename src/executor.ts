// Runs training steps and batched inference. The in-thread executor calls the engine directly;
// the worker pool (workers/pool.ts) implements the same interface over shared memory.
import { type DataRef, Engine, type LossSums, type OptimizerSettings, type Plan, stepPasses } from './engine.js';
import { gradientScale } from './gradient-scale.js';
import type { KernelExports } from './kernels.js';

export interface StepSettings {
  optimizer: OptimizerSettings;
  /** 0 = no clipping. */
  clipNorm: number;
}

export interface Executor {
  readonly workers: number;
  readonly threads: boolean;
  /** Forward+backward on batch rows whose indices are at idxPtr, then the optimiser step. */
  trainStep(data: DataRef, idxPtr: number, batch: number, stream: number, step: number, s: StepSettings): Promise<LossSums>;
  evaluate(data: DataRef, seed: number, stream: number): Promise<LossSums>;
  encode(data: DataRef, out: number): Promise<void>;
  decode(z: number, rows: number, out: number, noiseSeed?: number): Promise<void>;
  dispose(): Promise<void>;
}


/** Sums two loss reports. */
export function addSums(a: LossSums, b: LossSums): LossSums {
  return { reconstruction: a.reconstruction + b.reconstruction, kl: a.kl + b.kl };
}

export class InThreadExecutor implements Executor {
  readonly workers = 1;
  readonly threads = false;
  readonly engine: Engine;

  constructor(k: KernelExports, private readonly plan: Plan) {
    this.engine = new Engine(k, plan, 0);
  }

  /** Gradient of the batch's summed loss into the gradient region; returns the loss sums. */
  gradients(data: DataRef, idxPtr: number, batch: number, stream: number): LossSums {
    let sums: LossSums = { reconstruction: 0, kl: 0 };
    stepPasses(batch, 1, this.plan.workspaces[0].rows).forEach(([shard], pass) => {
      sums = addSums(sums, this.engine.forwardBackward(data, idxPtr + 4 * shard.start, shard.rows, stream));
      this.engine.weightGradients(0, [{ workspace: 0, rows: shard.rows }], pass > 0);
    });
    return sums;
  }

  async trainStep(data: DataRef, idxPtr: number, batch: number, stream: number, step: number, s: StepSettings): Promise<LossSums> {
    const sums = this.gradients(data, idxPtr, batch, stream);
    const sq = s.clipNorm > 0 ? this.engine.ownedSumSquares(0) : 0;
    this.engine.applyOptimizer(0, step, s.optimizer, gradientScale(batch, sq, s.clipNorm));
    return sums;
  }

  async evaluate(data: DataRef, seed: number, stream: number): Promise<LossSums> {
    return this.engine.evaluateRows(data, 0, data.rows, seed, stream);
  }

  async encode(data: DataRef, out: number): Promise<void> {
    this.engine.encodeRows(data, 0, data.rows, out);
  }

  async decode(z: number, rows: number, out: number, noiseSeed?: number): Promise<void> {
    this.engine.decodeRows(z, rows, out, noiseSeed);
  }

  async dispose(): Promise<void> {}
}
