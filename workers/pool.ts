// A pool of workers over the model's shared memory. Each step: every worker runs forward and
// backward on its rows of the batch into its own gradient region; then each worker sums the
// workers' gradients over its own parameter slice, in worker order, and applies the optimiser
// there. Comlink carries the commands; tensors never travel by message.
import { releaseProxy, type Remote, wrap } from 'comlink';
import { spawnWorker, type SpawnedWorker } from '#platform';
import { type DataRef, type Engine, type LossSums, type Plan, splitRange } from '../src/engine.js';
import { WorkerError } from '../src/errors.js';
import type { Executor, StepSettings } from '../src/executor.js';
import { gradientScale } from '../src/gradient-scale.js';
import { addSums } from '../src/executor.js';
import {
  CONTROL, type FaultInjection, SLICE_DONE, SLICE_GRADS_READY, SLICE_UPDATING, STATUS_STEP, type WorkerApi,
} from './protocol.js';

interface Member {
  spawned: SpawnedWorker;
  api: Remote<WorkerApi>;
  /** Rejects when the worker dies; every call races against it. */
  death: Promise<never>;
}

export class WorkerPool implements Executor {
  readonly threads = true;
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
        const t = setTimeout(() => reject(new WorkerError(`workers did not start within ${startTimeoutMs} ms`, -1)), startTimeoutMs);
        (t as { unref?: () => void }).unref?.();
      });
      await Promise.race([timeout, Promise.all(members.map((m, index) =>
        Promise.race([m.death, m.api.init({ module, memory, plan, index, workers, control })])))]);
    } catch (err) {
      await Promise.all(members.map((m) => m.spawned.terminate().catch(() => undefined)));
      throw err;
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
  private async all<T>(what: string, step: number | undefined, fn: (api: Remote<WorkerApi>, w: number) => Promise<T>): Promise<T[]> {
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
        this.broken = new WorkerError(`${detail} (${what}${step === undefined ? '' : `, step ${step}`})`, failed, step);
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
  }

  private rowBounds(rows: number): number[] {
    return splitRange(rows, this.members.length);
  }

  private int32(offset: number): Int32Array {
    return new Int32Array(this.memory.buffer, this.control + offset, 1);
  }

  async trainStep(data: DataRef, idxPtr: number, batch: number, stream: number, step: number, s: StepSettings): Promise<LossSums> {
    try {
      const parts = await this.all('training step', step, (api) => api.step({
        data, idx: idxPtr, batch, stream, step, optimizer: s.optimizer, clipNorm: s.clipNorm,
      }));
      return parts.reduce(addSums);
    } catch (err) {
      if (err instanceof WorkerError) this.finishStep(step, batch, s, err);
      throw err;
    }
  }

  /**
   * After a failure. Parameters change only in the update phase, which starts after a barrier
   * that every worker passes with its owned gradients complete. If no worker began updating, the
   * model still holds the previous step's parameters. If some did, the slices not yet started
   * are updated here, so the model holds exactly the parameters after this step; a slice
   * interrupted inside the optimiser kernel cannot be recovered, and the error says so.
   */
  private finishStep(step: number, batch: number, s: StepSettings, err: WorkerError): void {
    const n = this.members.length;
    // A worker whose slot already describes a later step finished this one.
    const state = Array.from({ length: n }, (_, w) => {
      const slot = Atomics.load(this.int32(CONTROL.status(w)), 0);
      const slotStep = Math.floor(slot / STATUS_STEP);
      return slotStep > step ? SLICE_DONE : slotStep < step ? -1 : slot % STATUS_STEP;
    });
    if (!state.some((st) => st >= SLICE_UPDATING)) return;
    let sq = 0;
    if (s.clipNorm > 0) for (let w = 0; w < n; w++) sq += new Float64Array(this.memory.buffer, this.control + CONTROL.norm(w), 1)[0];
    const lost: number[] = [];
    state.forEach((st, w) => {
      if (st === SLICE_GRADS_READY) this.local.applyOptimizer(w, step, s.optimizer, gradientScale(batch, sq, s.clipNorm));
      else if (st !== SLICE_DONE) lost.push(w);
    });
    err.stepCompleted = lost.length === 0;
    err.message += lost.length === 0
      ? `; the step's update was completed on the main thread`
      : `; the parameters owned by worker(s) ${lost.join(', ')} were interrupted inside the optimiser and may be partly updated`;
  }

  async evaluate(data: DataRef, seed: number, stream: number): Promise<LossSums> {
    const rows = this.rowBounds(data.rows);
    const parts = await this.all('evaluate', undefined, (api, w) => api.evaluate(data, rows[w], rows[w + 1] - rows[w], seed, stream));
    return parts.reduce(addSums);
  }

  async encode(data: DataRef, out: number): Promise<void> {
    const rows = this.rowBounds(data.rows), width = 8 * this.plan.latentDim;
    await this.all('encode', undefined, (api, w) => api.encode(data, rows[w], rows[w + 1] - rows[w], out + width * rows[w]));
  }

  async decode(z: number, count: number, out: number, noiseSeed?: number): Promise<void> {
    const rows = this.rowBounds(count), L = 4 * this.plan.latentDim, D = 4 * this.plan.inputDim;
    await this.all('decode', undefined, (api, w) =>
      api.decode(z + L * rows[w], rows[w + 1] - rows[w], out + D * rows[w], noiseSeed, rows[w]));
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
