import { Arena } from '../src/arena.js';
import { createMemory, instantiate, type KernelBuild, type KernelExports, kernelModule } from '../src/kernels.js';

export const DATA_DIR = process.env.WASM_VAE_DATA ?? new URL('../../shared/data/mnist', import.meta.url).pathname;

export interface Kernels {
  k: KernelExports;
  arena: Arena;
  relaxed: boolean;
  /** Copies values into a fresh region and returns its byte offset. */
  put(values: ArrayLike<number>): number;
  get(ptr: number, n: number): Float32Array;
}

export async function kernels(build: KernelBuild): Promise<Kernels> {
  const { module, relaxedSimd } = await kernelModule(build);
  const memory = createMemory(64);
  const k = await instantiate(module, memory);
  const arena = new Arena(memory, k.heap_base());
  return {
    k, arena, relaxed: relaxedSimd,
    put(values) {
      const p = arena.allocFloats(Math.max(1, values.length));
      arena.f32(p, values.length).set(values);
      return p;
    },
    get: (ptr, n) => arena.f32(ptr, n).slice(),
  };
}

/** Deterministic pseudo-random numbers in [lo, hi). */
export function rng(seed: number): (lo?: number, hi?: number) => number {
  let s = seed >>> 0;
  return (lo = -1, hi = 1) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + (hi - lo) * (s / 4294967296);
  };
}

export function randomArray(n: number, next: (lo?: number, hi?: number) => number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = next(lo, hi);
  return a;
}

/** Largest |a − b| / (atol + rtol·|b|); ≤ 1 means within tolerance. */
export function worstError(a: ArrayLike<number>, b: ArrayLike<number>, atol: number, rtol = 0): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / (atol + rtol * Math.abs(b[i])));
  return Number.isNaN(worst) ? Infinity : worst;
}

/**
 * How live rate readouts agree with the rate over the whole epoch: the worst relative deviation and
 * the share of readouts within `tolerance`. Tests assert the share, not the worst: on a 2-core CI
 * machine a browser's main thread and its two workers share the cores, and a readout taken while
 * the scheduler starves one worker for a moment is off by more (26 % measured once in ~10 runs)
 * although the meter is right. A meter that misreads bursts of callbacks is off on most readouts.
 */
export function rateAgreement(readouts: number[], truth: number, tolerance = 0.2): { worst: number; within: number } {
  const deviations = readouts.map((r) => Math.abs(r / truth - 1));
  return {
    worst: Math.max(...deviations),
    within: deviations.filter((d) => d < tolerance).length / deviations.length,
  };
}
