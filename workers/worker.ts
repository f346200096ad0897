// One worker source for Node worker_threads and browser module Web Workers. It imports nothing
// from Node (the Node bootstrap is node-entry.ts), instantiates the shared kernel module on the
// shared memory, and runs Engine commands received through Comlink.
import { type Endpoint, expose } from 'comlink';
import { Engine, type LossSums, type Plan, stepPasses } from '../src/engine.js';
import { gradientScale } from '../src/gradient-scale.js';
import type { KernelExports } from '../src/kernels.js';
import {
  CONTROL, type FaultInjection, SLICE_DONE, SLICE_GRADS_READY, SLICE_UPDATING, SLICE_WORKING, STATUS_STEP, type WorkerApi,
} from './protocol.js';

let engine: Engine | undefined;
let plan: Plan | undefined;
let memory: WebAssembly.Memory | undefined;
let control = 0, index = 0, workers = 1;
let fault: FaultInjection | null = null;

function int32(offset: number): Int32Array {
  // A fresh view each time: the memory may have grown since the last call.
  return new Int32Array(memory!.buffer, control + offset, 1);
}

/** Waits until every worker has arrived; throws if the pool was aborted (a worker died). */
function barrier(): void {
  const count = int32(CONTROL.count), generation = int32(CONTROL.generation), abort = int32(CONTROL.abort);
  const gen = Atomics.load(generation, 0);
  if (Atomics.add(count, 0, 1) === workers - 1) {
    Atomics.store(count, 0, 0);
    Atomics.add(generation, 0, 1);
    Atomics.notify(generation, 0);
    return;
  }
  while (Atomics.load(generation, 0) === gen) {
    if (Atomics.load(abort, 0) !== 0) throw new Error('aborted: another worker failed');
    Atomics.wait(generation, 0, gen, 50);
  }
}

function ready(): Engine {
  if (!engine) throw new Error('worker used before init');
  return engine;
}

function maybeFail(step: number): void {
  if (!fault || fault.step !== step) return;
  if (fault.kind === 'throw') throw new Error(`injected fault at step ${step}`);
  // 'exit': end this thread abruptly, as a crash would.
  (globalThis as { close?: () => void }).close?.();
  (globalThis as { process?: { exit(code: number): never } }).process?.exit(1);
}

const api: WorkerApi = {
  init(init) {
    memory = init.memory;
    control = init.control; index = init.index; workers = init.workers;
    const instance = new WebAssembly.Instance(init.module, { env: { memory: init.memory } });
    plan = init.plan;
    engine = new Engine(instance.exports as unknown as KernelExports, init.plan, init.index);
    return { index };
  },
  step(c) {
    const e = ready();
    const abort = int32(CONTROL.abort);
    // A step queued behind a failed one must not start: the pool is being torn down.
    if (Atomics.load(abort, 0) !== 0) throw new Error(`aborted: another worker failed (step ${c.step})`);
    const status = int32(CONTROL.status(index));
    const mark = (state: number) => Atomics.store(status, 0, c.step * STATUS_STEP + state);
    try {
      mark(SLICE_WORKING);
      maybeFail(c.step);
      let sums: LossSums = { reconstruction: 0, kl: 0 };
      const passes = stepPasses(c.batch, workers, plan!.workspaces[0].rows);
      passes.forEach((pass, p) => {
        const mine = pass[index];
        const s = e.forwardBackward(c.data, c.idx + 4 * mine.start, mine.rows, c.stream);
        sums = { reconstruction: sums.reconstruction + s.reconstruction, kl: sums.kl + s.kl };
        barrier(); // every shard's dY is ready
        e.weightGradients(index, pass.map((shard, w) => ({ workspace: w, rows: shard.rows })), p > 0);
        if (p + 1 < passes.length) barrier(); // nobody overwrites a shard still being read
      });
      const norm = new Float64Array(memory!.buffer, control + CONTROL.norm(index), 1);
      if (c.clipNorm > 0) norm[0] = e.ownedSumSquares(index);
      mark(SLICE_GRADS_READY);
      barrier(); // every owned gradient (and norm) is complete: the update may start
      let sq = 0;
      if (c.clipNorm > 0) for (let w = 0; w < workers; w++) sq += new Float64Array(memory!.buffer, control + CONTROL.norm(w), 1)[0];
      mark(SLICE_UPDATING);
      e.applyOptimizer(index, c.step, c.optimizer, gradientScale(c.batch, sq, c.clipNorm));
      mark(SLICE_DONE);
      barrier(); // every slice is updated before anyone's next forward pass reads the parameters
      return sums;
    } catch (err) {
      // Stop the other workers now, from this thread: no later step may pass a barrier.
      Atomics.store(abort, 0, 1);
      Atomics.notify(int32(CONTROL.generation), 0);
      throw err;
    }
  },
  evaluate(data, start, rows, seed, stream) {
    return ready().evaluateRows(data, start, rows, seed, stream);
  },
  encode(data, start, rows, out) {
    ready().encodeRows(data, start, rows, out);
  },
  decode(z, rows, out, noiseSeed, rowOffset) {
    ready().decodeRows(z, rows, out, noiseSeed, rowOffset);
  },
  injectFault(f) {
    fault = f;
  },
};

const nodePort = (globalThis as { __wasmVaeParentPort?: Endpoint }).__wasmVaeParentPort;
expose(api, nodePort ?? (globalThis as unknown as Endpoint));
