// One training step's schedule, written once: the passes of a batch, each forward/backward over
// this worker's shard, the divergence verdict the workers agree on, the parameter gradients of
// the units it owns, and the update — fused per op when the step is one pass without clipping,
// else after every gradient (and the global norm). The in-thread executor runs it with no-op
// hooks; a worker's hooks are its barriers and status marks (workers/worker.ts).
import { Engine, type DataRef, type LossSums, type NonFinite, type OptimizerSettings, stepPasses, updatesPerLayer } from './engine.js';
import { gradientScale } from './gradient-scale.js';

export interface StepArgs {
  data: DataRef;
  /** Byte offset of the batch's dataset indices (i32), and the batch size. */
  idx: number;
  batch: number;
  stream: number;
  /** Adam's t for this step; the optimiser settings and β at the step (schedules applied). */
  step: number;
  opt: OptimizerSettings;
  beta: number;
  clipNorm: number;
  /** This thread's worker index, the worker count, and the rows a workspace holds. */
  owner: number;
  workers: number;
  capacity: number;
  /** false: gradients only (computeGradients), no optimiser step. */
  update: boolean;
}

/** Where a step synchronises with the other workers (all no-ops on a single thread). */
export interface StepHooks {
  /** After this worker's backward pass of a pass: its verdict in, the verdict of all workers out (0: finite). */
  agree(verdict: number): number;
  /** Before any parameter may change (fault injection in tests). */
  beforeUpdate(): void;
  /** This worker starts changing the parameters it owns. */
  updating(): void;
  /** Between passes: nobody overwrites a shard another worker still reads. */
  betweenPasses(): void;
  /** This worker's owned gradients are complete; it returns when every worker's are. */
  gradientsReady(): void;
}

export const SINGLE_THREAD: StepHooks = {
  agree: (verdict) => verdict, beforeUpdate: () => {}, updating: () => {}, betweenPasses: () => {}, gradientsReady: () => {},
};

/** Runs one step on `engine`; returns this worker's loss sums (flagged nonFinite when the step was skipped). */
export function runStep(engine: Engine, s: StepArgs, hooks: StepHooks): LossSums {
  // IWAE: every row takes k rows of a workspace (its samples), and a shard holds whole rows.
  const k = s.data.samples ?? 1;
  if (k > s.capacity) throw new Error(`${k} importance samples per row do not fit a workspace of ${s.capacity} rows`);
  const passes = stepPasses(s.batch, s.workers, Math.floor(s.capacity / k));
  const fused = s.update && updatesPerLayer(s.clipNorm, passes.length);
  const update = (sumSquares: number) => ({ step: s.step, opt: s.opt, gradScale: gradientScale(s.batch, sumSquares, s.clipNorm) });
  let reconstruction = 0, kl = 0;
  for (const [p, pass] of passes.entries()) {
    const mine = pass.shards[s.owner];
    const part = engine.forwardBackward(s.data, s.idx + 4 * mine.start, mine, s.stream, s.beta);
    reconstruction += part.reconstruction; kl += part.kl;
    const verdict = hooks.agree(part.nonFinite ?? 0);
    if (verdict) return { reconstruction, kl, nonFinite: verdict as NonFinite }; // a diverging step changes no parameter
    hooks.beforeUpdate();
    if (fused) hooks.updating();
    engine.weightGradients(s.owner, pass.rows * k, p > 0, fused ? update(0) : undefined);
    if (p + 1 < passes.length) hooks.betweenPasses();
  }
  if (s.update && !fused) {
    hooks.gradientsReady();
    const sumSquares = s.clipNorm > 0 ? engine.gradientSumSquares() : 0;
    hooks.updating();
    engine.applyOptimizer(s.owner, update(sumSquares));
  }
  return { reconstruction, kl };
}
