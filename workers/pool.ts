// A pool of workers over the model's shared memory. Each step: every worker runs forward and
// backward on its rows of the batch; then each worker computes the gradients of its own slice of
// the parameters over every row, in row order, and updates that slice. Comlink carries one
// command per epoch (the steps are released through the control block); tensors never travel by
// message.
import { releaseProxy, type Remote, wrap } from 'comlink';
import { spawnWorker, type SpawnedWorker } from '#platform';
import { type DataRef, type Engine, type LossSums, type NonFinite, type OptimizerSettings, type Plan, splitRange, stepPasses, stepRows, updatesPerLayer } from '../src/engine.js';
import { WorkerError } from '../src/errors.js';
import { addSums, type EpochSpec, type Executor, LOG_LIKELIHOOD_BLOCK, type LogLikelihoodJob, type StepRun, type StepSettings } from '../src/executor.js';
import { gradientScale } from '../src/gradient-scale.js';
import { stepValues } from '../src/train/schedule.js';
import {
  AHEAD, CONTROL, type FaultInjection, SLICE_DONE, SLICE_GRADS_READY, SLICE_UPDATING, SLICE_WORKING, STATUS_STEP, type WorkerApi,
} from './protocol.js';

interface Member {
  spawned: SpawnedWorker;
  api: Remote<WorkerApi>;
  /** Rejects when the worker dies; every call races against it. */
  death: Promise<never>;
}

export class WorkerPool implements Executor {
  readonly threads = true;
  readonly ahead = AHEAD;
  private broken: WorkerError | null = null;
  /** Calls in flight: workers keep the process alive only while this is above zero. */
  private active = 0;

  private constructor(
    private readonly members: Member[],
    private readonly plan: Plan,
    private readonly memory: WebAssembly.Memory,
    private readonly control: number,
    /** An engine on this thread over the same plan: finishes a step that a dead worker left. */
    private readonly local: Engine,
  ) {}

  get workers(): number {
    return this.members.length;
  }

  /**
   * Starts `plan.workspaces.length` workers, each instantiating `module` on `memory`, sharing the
   * control block at byte `control` (CONTROL.bytes(workers) long).
   */
  static async start(module: WebAssembly.Module, memory: WebAssembly.Memory, plan: Plan, control: number,
                     local: Engine, startTimeoutMs = 30_000): Promise<WorkerPool> {
    const workers = plan.workspaces.length;
    const members: Member[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      for (let index = 0; index < plan.workspaces.length; index++) {
        const spawned = spawnWorker();
        const death = new Promise<never>((_, reject) => {
          spawned.onDeath((reason) => reject(new WorkerError(`worker ${index} ${reason}`, index)));
        });
        death.catch(() => undefined);
        members.push({ spawned, api: wrap<WorkerApi>(spawned.endpoint), death });
      }
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new WorkerError(`workers did not start within ${startTimeoutMs} ms`, -1)), startTimeoutMs);
        (timer as { unref?: () => void }).unref?.();
      });
      timeout.catch(() => undefined);
      await Promise.race([timeout, Promise.all(members.map((m, index) =>
        Promise.race([m.death, m.api.init({ module, memory, plan, index, workers, control })])))]);
    } catch (err) {
      await Promise.all(members.map((m) => m.spawned.terminate().catch(() => undefined)));
      throw err;
    } finally {
      // A pending timer's closure would keep the model's memory (hundreds of MB) alive for 30 s
      // after dispose: measured, RSS 165 -> 812 MB over 50 create/fit/dispose cycles.
      clearTimeout(timer);
    }
    members.forEach((m) => m.spawned.ref(false)); // idle workers never keep the process alive
    new Int32Array(memory.buffer, control, CONTROL.bytes(workers) / 4).fill(0);
    const pool = new WorkerPool(members, plan, memory, control, local);
    // A death wakes the others from the barrier so that they stop instead of waiting forever.
    members.forEach((m) => m.death.catch(() => pool.abortBarrier()));
    return pool;
  }

  /**
   * Calls fn on every worker and waits until every call has settled (so no worker is still
   * writing when this returns or throws); the first failure (throw or death) is rethrown as a
   * WorkerError naming the worker and the step, and the pool is then unusable.
   */
  private async all<T>(what: string, step: number | undefined | (() => number),
                       fn: (api: Remote<WorkerApi>, w: number) => Promise<T>): Promise<T[]> {
    if (this.broken) throw this.broken;
    if (this.active++ === 0) this.members.forEach((m) => m.spawned.ref(true));
    try {
      const settled = await Promise.allSettled(this.members.map((m, w) => Promise.race([m.death, fn(m.api, w)]).catch((err: unknown) => {
        this.abortBarrier(); // wake the others from the step's barrier so they stop too
        throw err;
      })));
      const reasons = settled.map((r) => (r.status === 'rejected' ? r.reason as unknown : undefined));
      // Report the root cause: a death, else a throw that is not a sibling's "aborted".
      let failed = reasons.findIndex((r) => r instanceof WorkerError);
      if (failed < 0) failed = reasons.findIndex((r) => r !== undefined && !String((r as Error)?.message).startsWith('aborted:'));
      if (failed < 0) failed = reasons.findIndex((r) => r !== undefined);
      if (failed >= 0) {
        const err = (settled[failed] as PromiseRejectedResult).reason as unknown;
        const detail = err instanceof WorkerError ? err.message : `worker ${failed} threw: ${(err as Error)?.message ?? String(err)}`;
        const at = typeof step === 'function' ? step() : step;
        this.broken = new WorkerError(`${detail} (${what}${at === undefined ? '' : `, step ${at}`})`, failed, at);
        throw this.broken;
      }
      return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
    } finally {
      if (--this.active === 0) this.members.forEach((m) => m.spawned.ref(false));
    }
  }

  private abortBarrier(): void {
    Atomics.store(this.int32(CONTROL.abort), 0, 1);
    Atomics.notify(this.int32(CONTROL.generation), 0);
    Atomics.notify(this.int32(CONTROL.released), 0);
  }

  private rowBounds(rows: number): number[] {
    return splitRange(rows, this.members.length);
  }

  private int32(offset: number): Int32Array {
    return new Int32Array(this.memory.buffer, this.control + offset, 1);
  }

  /**
   * Every worker runs the epoch's steps from `from` back to back: each starts a step once it is
   * released (a slot in the control block) and the previous one is done, so no message passes
   * between steps. Step results are read from the control block when `completed` passes them.
   */
  startRun(spec: EpochSpec, from: number): StepRun {
    const released = this.int32(CONTROL.released), end = this.int32(CONTROL.end), completed = this.int32(CONTROL.completed);
    const wake = this.int32(CONTROL.wake);
    const batches = Math.ceil(spec.rows / spec.batchSize);
    Atomics.store(released, 0, from);
    Atomics.store(completed, 0, from);
    Atomics.store(end, 0, batches);
    Atomics.store(wake, 0, from + 1);
    // The step that failed: the first one not done on every worker (`completed` may lag by one).
    const failedStep = () => {
      const step = spec.stepBase + Atomics.load(completed, 0) + 1;
      const done = this.members.every((_, w) => Atomics.load(this.int32(CONTROL.status(w)), 0) === step * STATUS_STEP + SLICE_DONE);
      return done ? step + 1 : step;
    };
    const done = this.all('training step', failedStep, (api) => api.run({
      data: spec.data, order: spec.order, rows: spec.rows, batchSize: spec.batchSize, from,
      stepBase: spec.stepBase, stream: spec.stream, optimizer: spec.settings.optimizer, clipNorm: spec.settings.clipNorm, schedule: spec.schedule,
    })).catch((err: unknown) => {
      if (err instanceof WorkerError && err.step !== undefined) {
        const b = err.step - spec.stepBase - 1;
        this.finishStep(err.step, stepRows(b, spec.batchSize, spec.rows).size, spec.data.samples ?? 1, spec.settings, stepValues(spec, spec.settings.optimizer, b).opt, err);
      }
      Atomics.notify(completed, 0); // wake result() waiters
      throw err;
    });
    const state = { released: from, finished: false, failed: false, ended: false };
    done.then(() => { state.ended = true; }, () => { state.failed = true; }); // a failure itself is thrown by result() and finish()
    const wait = waitForChange(completed);
    const pool = this;
    return {
      get released() { return state.released; },
      get finished() { return state.finished; },
      release(count) {
        if (state.finished || count <= state.released) return;
        state.released = Math.min(count, batches);
        Atomics.store(released, 0, state.released);
        Atomics.notify(released, 0);
      },
      completed: () => Atomics.load(completed, 0),
      async result(b) {
        // When step b is not complete yet, sleep until a few more are: this thread then reads
        // several results per wake-up and takes less time from the workers' cores.
        const target = Math.min(state.released, b + AHEAD / 2);
        for (;;) {
          if (Atomics.load(completed, 0) > b) break;
          if (state.failed) await done;
          // The workers stopped early (a diverging step ends the run): this step will never run.
          if (state.ended) throw new Error(`step ${b} was not run: the run ended at step ${Atomics.load(completed, 0)}`);
          Atomics.store(wake, 0, target);
          const c = Atomics.load(completed, 0); // after publishing `wake`: no lost wake-up
          if (c >= target) break;
          // A failure ends the wait; the loop then still returns the steps completed before it.
          await Promise.race([wait(c), done]).catch(() => undefined);
        }
        let sums: LossSums = { reconstruction: 0, kl: 0 };
        for (let w = 0; w < pool.members.length; w++) {
          const l = new Float64Array(pool.memory.buffer, pool.control + CONTROL.losses(w, b), 3);
          sums = addSums(sums, { reconstruction: l[0], kl: l[1], ...(l[2] ? { nonFinite: l[2] as NonFinite } : {}) });
        }
        return sums;
      },
      async finish() {
        if (!state.finished) {
          state.finished = true;
          Atomics.store(end, 0, state.released);
          Atomics.notify(released, 0);
        }
        await done;
      },
    };
  }

  /**
   * After a failure. Parameters change only in the update phase, which starts after a barrier
   * that every worker passes with its rows' backward pass complete. If no worker began updating,
   * the model still holds the previous step's parameters. If some did, the slices not yet
   * started are finished here (their gradients computed when the step updates each layer as its
   * gradients are done, then the optimiser), so the model holds exactly the parameters after this
   * step; a slice interrupted while updating cannot be recovered, and the error says so.
   */
  private finishStep(step: number, batch: number, samples: number, s: StepSettings, opt: OptimizerSettings, err: WorkerError): void {
    const n = this.members.length;
    // A worker whose slot already describes a later step finished this one.
    const state = Array.from({ length: n }, (_, w) => {
      const slot = Atomics.load(this.int32(CONTROL.status(w)), 0);
      const slotStep = Math.floor(slot / STATUS_STEP);
      return slotStep > step ? SLICE_DONE : slotStep < step ? -1 : slot % STATUS_STEP;
    });
    if (!state.some((st) => st >= SLICE_UPDATING)) return;
    const passes = stepPasses(batch, n, Math.floor(this.plan.workspaces[0].rows / samples)); // as runStep cuts them
    const fused = updatesPerLayer(s.clipNorm, passes.length);
    // Some worker began updating, so every worker had passed the barrier after its gradients: all are complete.
    const sq = s.clipNorm > 0 ? this.local.gradientSumSquares() : 0;
    const update = { step, opt, gradScale: gradientScale(batch, sq, s.clipNorm) };
    const lost: number[] = [];
    state.forEach((st, w) => {
      if (fused && st === SLICE_WORKING) {
        this.local.weightGradients(w, passes[0].rows * samples, false, update);
      } else if (!fused && st === SLICE_GRADS_READY) {
        this.local.applyOptimizer(w, update);
      } else if (st !== SLICE_DONE) {
        lost.push(w);
      }
    });
    err.stepCompleted = lost.length === 0;
    err.message += lost.length === 0
      ? `; the step's update was completed on the main thread`
      : `; the parameters owned by worker(s) ${lost.join(', ')} were interrupted while being updated and may be partly updated`;
  }

  async evaluate(data: DataRef, seed: number, stream: number): Promise<LossSums> {
    const rows = this.rowBounds(data.rows);
    const parts = await this.all('evaluate', undefined, (api, w) => api.evaluate(data, rows[w], rows[w + 1] - rows[w], seed, stream));
    return parts.reduce(addSums);
  }

  /** Every worker takes the next block of rows when it is done with its last: the work evens out whatever the rows cost. */
  async logLikelihood({ data, samples, seed, stream, onRows }: LogLikelihoodJob): Promise<Float64Array> {
    const out = new Float64Array(data.rows);
    let next = 0, done = 0;
    await this.all('logLikelihood', undefined, async (api) => {
      while (next < data.rows) {
        const start = next, rows = Math.min(LOG_LIKELIHOOD_BLOCK, data.rows - start);
        next += rows;
        out.set(await api.logLikelihood(data, start, rows, samples, seed, stream), start);
        done += rows;
        await onRows?.(done);
      }
    });
    return out;
  }

  async encode(data: DataRef, out: number): Promise<void> {
    const rows = this.rowBounds(data.rows), width = 8 * this.plan.latentDim;
    await this.all('encode', undefined, (api, w) => api.encode(data, rows[w], rows[w + 1] - rows[w], out + width * rows[w]));
  }

  async decode(z: number, count: number, out: number, noiseSeed?: number, labels = 0): Promise<void> {
    const rows = this.rowBounds(count), L = 4 * this.plan.latentDim, D = 4 * this.plan.inputDim;
    await this.all('decode', undefined, (api, w) =>
      api.decode(z + L * rows[w], rows[w + 1] - rows[w], out + D * rows[w], noiseSeed, rows[w], labels && labels + 4 * rows[w]));
  }

  /** Testing hook: make worker `w` throw or exit at a step. */
  async injectFault(w: number, fault: FaultInjection | null): Promise<void> {
    await this.all('inject fault', undefined, async (api, i) => { if (i === w) await api.injectFault(fault); });
  }

  async dispose(): Promise<void> {
    await Promise.all(this.members.map(async (m) => {
      m.api[releaseProxy]();
      await m.spawned.terminate();
    }));
  }
}

/**
 * Returns wait(value): resolves when the Int32 slot may no longer hold `value` — through
 * Atomics.waitAsync where the engine has it, else by polling on a short timer.
 */
function waitForChange(slot: Int32Array): (value: number) => Promise<unknown> {
  const waitAsync = (Atomics as { waitAsync?: (a: Int32Array, i: number, v: number, t?: number) => { async: boolean; value: unknown } }).waitAsync;
  if (typeof waitAsync === 'function') {
    return (value) => {
      const r = waitAsync(slot, 0, value, 1000);
      return r.async ? r.value as Promise<unknown> : Promise.resolve();
    };
  }
  return () => new Promise((resolve) => setTimeout(resolve, 1));
}
