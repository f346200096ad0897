// Runs training steps and batched inference. The in-thread executor calls the engine directly;
// the worker pool (workers/pool.ts) implements the same interface over shared memory.
import { type DataRef, Engine, type LossSums, type OptimizerSettings, type Plan } from './engine.js';
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

/** Scale for the summed gradient: 1/batch, times the clipping factor when the norm is too large. */
export function gradientScale(batch: number, sumSquares: number, clipNorm: number): number {
  const mean = 1 / batch;
  if (!(clipNorm > 0)) return mean;
  const norm = Math.sqrt(sumSquares) * mean;
  return norm > clipNorm ? mean * (clipNorm / norm) : mean;
}

export class InThreadExecutor implements Executor {
  readonly workers = 1;
  readonly threads = false;
  readonly engine: Engine;

  constructor(k: KernelExports, private readonly plan: Plan) {
    this.engine = new Engine(k, plan, 0);
  }

  async trainStep(data: DataRef, idxPtr: number, batch: number, stream: number, step: number, s: StepSettings): Promise<LossSums> {
    const sums = this.engine.trainRows(data, idxPtr, batch, stream);
    const P = this.plan.paramFloats;
    const sq = s.clipNorm > 0 ? this.engine.reduceAndNorm(0, P, 1) : 0;
    this.engine.update(0, P, 1, step, s.optimizer, gradientScale(batch, sq, s.clipNorm));
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
