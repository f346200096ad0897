// One worker source for Node worker_threads and browser module Web Workers. It imports nothing
// from Node (the Node bootstrap is node-entry.ts), instantiates the shared kernel module on the
// shared memory, and runs Engine commands received through Comlink.
import { type Endpoint, expose } from 'comlink';
import { Engine, type Plan, stepRows } from '../src/engine.js';
import { runStep } from '../src/step.js';
import { stepValues } from '../src/train/schedule.js';
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

/**
 * How long a worker that arrives first at a barrier polls before it sleeps in Atomics.wait. A
 * sleeping thread takes 50–200 µs to wake on this kind of machine (a VM whose idle vCPU halts),
 * and a step of the reference model at batch 128 has two barriers in about 6 ms: measured,
 * polling first cut the mean wait per step from 0.23 to 0.12 ms and raised 2-worker throughput
 * about 2%. Imbalances longer than this still sleep, so an idle pool burns no CPU.
 */
const SPIN_MS = 0.5;

/** Polls `cell` for up to SPIN_MS while it still holds `value`. */
function spinWhile(cell: Int32Array, value: number): void {
  const start = performance.now();
  for (let n = 1; Atomics.load(cell, 0) === value; n++) {
    if ((n & 63) === 0 && performance.now() - start > SPIN_MS) return;
  }
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
  spinWhile(generation, gen);
  while (Atomics.load(generation, 0) === gen) {
    if (Atomics.load(abort, 0) !== 0) throw new Error('aborted: another worker failed');
    Atomics.wait(generation, 0, gen, 50);
  }
}

function ready(): Engine {
  if (!engine) throw new Error('worker used before init');
  return engine;
}

function maybeFail(step: number, phase: 'start' | 'update'): void {
  if (!fault || fault.step !== step || (fault.phase ?? 'start') !== phase) return;
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
  run(c) {
    const e = ready();
    const abort = int32(CONTROL.abort), released = int32(CONTROL.released), end = int32(CONTROL.end);
    const status = int32(CONTROL.status(index));
    let ran = 0;
    for (let b = c.from; ; b++) {
      // Wait until step b is released, or the run is over (the main thread never sets the end
      // below what it has released, so every worker runs the same steps).
      for (;;) {
        if (Atomics.load(abort, 0) !== 0) throw new Error(`aborted: another worker failed (step ${c.stepBase + b + 1})`);
        if (b >= Atomics.load(end, 0)) return ran;
        const r = Atomics.load(released, 0);
        if (b < r) break;
        Atomics.wait(released, 0, r, 50);
      }
      const step = c.stepBase + b + 1;
      const mark = (state: number) => Atomics.store(status, 0, step * STATUS_STEP + state);
      try {
        mark(SLICE_WORKING);
        maybeFail(step, 'start');
        const { start, size: batch } = stepRows(b, c.batchSize, c.rows), idx = c.order + 4 * start;
        const values = stepValues(c, c.optimizer, b);
        const sums = runStep(e, { data: c.data, idx, batch, stream: c.stream, step, opt: values.opt, beta: values.beta, clipNorm: c.clipNorm,
          owner: index, workers, capacity: plan!.workspaces[0].rows, update: true }, {
          agree(mine) {
            Atomics.store(int32(CONTROL.verdict(index)), 0, mine);
            barrier(); // every shard's gradients and verdict are ready (and nobody reads parameters any more)
            // Every worker reads the same verdicts, so all of them skip a diverging step together.
            let all = 0;
            for (let w = 0; w < workers; w++) all = Math.max(all, Atomics.load(int32(CONTROL.verdict(w)), 0));
            return all;
          },
          beforeUpdate: () => maybeFail(step, 'update'),
          updating: () => mark(SLICE_UPDATING),
          betweenPasses: () => barrier(), // nobody overwrites a shard still being read
          gradientsReady() {
            mark(SLICE_GRADS_READY);
            barrier(); // every owned gradient is complete: the norm may be read and the update start
          },
        });
        const verdict = sums.nonFinite ?? 0;
        const losses = new Float64Array(memory!.buffer, control + CONTROL.losses(index, b), 3);
        losses[0] = sums.reconstruction; losses[1] = sums.kl; losses[2] = verdict;
        if (verdict) { // no parameter changed: the run ends here, and the main thread reports it
          mark(SLICE_DONE);
          barrier(); // every worker has written its loss sums for this step before the main thread reads them
          if (index === 0) {
            Atomics.store(int32(CONTROL.completed), 0, b + 1);
            Atomics.notify(int32(CONTROL.completed), 0);
          }
          return ran;
        }
        mark(SLICE_DONE);
        barrier(); // every slice is updated before anyone's next forward pass reads the parameters
        ran++;
        if (index === 0) {
          const completed = int32(CONTROL.completed);
          Atomics.store(completed, 0, b + 1);
          // Wake the main thread only when it asked to be (it reads results in bursts).
          if (b + 1 >= Atomics.load(int32(CONTROL.wake), 0)) Atomics.notify(completed, 0);
        }
      } catch (err) {
        // Stop the other workers now, from this thread: no later step may pass a barrier.
        Atomics.store(abort, 0, 1);
        Atomics.notify(int32(CONTROL.generation), 0);
        throw err;
      }
    }
  },
  evaluate(data, start, rows, seed, stream) {
    return ready().evaluateRows(data, start, rows, seed, stream);
  },
  encode(data, start, rows, out) {
    ready().encodeRows(data, start, rows, out);
  },
  logLikelihood(data, start, rows, samples, seed, stream) {
    return ready().logLikelihoodRows(data, start, rows, samples, seed, stream);
  },
  decode(z, rows, out, noiseSeed, rowOffset, labels) {
    ready().decodeRows(z, rows, out, noiseSeed, rowOffset, labels);
  },
  injectFault(f) {
    fault = f;
  },
};

const nodePort = (globalThis as { __wasmVaeParentPort?: Endpoint }).__wasmVaeParentPort;
expose(api, nodePort ?? (globalThis as unknown as Endpoint));
