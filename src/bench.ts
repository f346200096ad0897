// Benchmarks shared by the CLI (wasm-vae bench) and bench/*.mjs: the SIMD ceiling of this CPU,
// GEMM GFLOP/s per layout at the reference shapes, and training samples/s.
import { Arena } from './arena.js';
import { createMemory, instantiate, type KernelBuild, type KernelExports, kernelModule } from './kernels.js';

export interface Ceiling {
  /** The larger of the two forms below: the reference the other benchmarks divide by. */
  gflops: number;
  /** 12 independent chains a ← a·y + x in registers. */
  chains: number;
  /** The GEMM's 4×8 micro-kernel over packed panels resident in L1 (c += a·b). */
  tile: number;
  relaxedSimd: boolean;
}
/** A GEMM of the reference step: layout, shape and what it computes. */
export type Shape = Omit<GemmResult, 'gflops' | 'percentOfCeiling'>;
export interface GemmResult { layout: 'nt' | 'nn' | 'tn'; m: number; n: number; k: number; gflops: number; percentOfCeiling: number; what: string }

async function kernels(build: KernelBuild): Promise<{ k: KernelExports; arena: Arena; relaxedSimd: boolean }> {
  const { module, relaxedSimd } = await kernelModule(build);
  const memory = createMemory(256);
  const k = await instantiate(module, memory);
  return { k, arena: new Arena(memory, k.heap_base()), relaxedSimd };
}

function bestOf(repeats: number, run: () => void): number {
  let best = Infinity;
  for (let r = 0; r < repeats; r++) {
    const t = performance.now();
    run();
    best = Math.min(best, performance.now() - t);
  }
  return best / 1000;
}

/**
 * Microseconds per call of `run`: after a warm-up call, as many calls as take `minMs`, timed 7
 * times; the best (the least disturbed) of the 7.
 */
export function microsecondsPerCall(run: () => void, minMs = 50): number {
  run();
  let reps = 0;
  for (const t0 = performance.now(); performance.now() - t0 < minMs;) { run(); reps++; }
  return (1e6 * bestOf(7, () => { for (let i = 0; i < reps; i++) run(); })) / reps;
}

/**
 * Peak GFLOP/s of one thread, two ways: independent f32x4 multiply-add chains in registers, and
 * the GEMM micro-kernel on operands resident in L1. The ceiling is the larger.
 */
export async function measureCeiling(build: KernelBuild = 'auto'): Promise<Ceiling> {
  const { k, arena, relaxedSimd } = await kernels(build);
  const iterations = 2_000_000;
  k.peak_madd(10_000, 1);
  const chains = (12 * 4 * 2 * iterations) / bestOf(7, () => k.peak_madd(iterations, 1)) / 1e9;
  const scratch = arena.alloc(4 * (12 * 256 + 32)), sweeps = 20_000;
  k.peak_tile(500, scratch);
  const tile = (2 * 4 * 8 * 256 * sweeps) / bestOf(7, () => k.peak_tile(sweeps, scratch)) / 1e9;
  return { gflops: Math.max(chains, tile), chains, tile, relaxedSimd };
}

/** The GEMMs of one training step of the reference model (batch 128), plus a few larger shapes. */
export const REFERENCE_GEMMS: Shape[] = [
  { layout: 'nt', m: 128, n: 400, k: 784, what: 'forward encoder.0' },
  { layout: 'nt', m: 128, n: 40, k: 400, what: 'forward head' },
  { layout: 'nt', m: 128, n: 400, k: 20, what: 'forward decoder.0' },
  { layout: 'nt', m: 128, n: 784, k: 400, what: 'forward decoder.2' },
  { layout: 'nn', m: 128, n: 400, k: 784, what: 'dX decoder.2' },
  { layout: 'nn', m: 128, n: 20, k: 400, what: 'dX decoder.0' },
  { layout: 'nn', m: 128, n: 400, k: 40, what: 'dX head' },
  { layout: 'tn', m: 784, n: 400, k: 128, what: 'dW decoder.2' },
  { layout: 'tn', m: 400, n: 784, k: 128, what: 'dW encoder.0' },
  { layout: 'tn', m: 40, n: 400, k: 128, what: 'dW head' },
  { layout: 'tn', m: 400, n: 20, k: 128, what: 'dW decoder.0' },
  { layout: 'nt', m: 512, n: 1024, k: 1024, what: 'larger' },
  { layout: 'nn', m: 512, n: 1024, k: 1024, what: 'larger' },
  { layout: 'tn', m: 1024, n: 1024, k: 512, what: 'larger' },
];

/**
 * Runs measure(operands) for each shape with random A [m×k], B, C [m×n] and a bias [n] in fresh
 * memory; `time(run)` is the best of 5 of enough repetitions for 2e8 flops, in µs per run.
 */
async function perShape<T>(build: KernelBuild, shapes: Shape[],
                           measure: (g: Shape, o: { k: KernelExports; a: number; b: number; c: number; bias: number; scratch: number },
                                     time: (run: () => void) => number) => T): Promise<T[]> {
  const { k, arena } = await kernels(build);
  const scratch = arena.alloc(k.gemm_scratch_bytes());
  return shapes.map((g) => {
    const mark = arena.mark();
    const a = arena.allocFloats(g.m * g.k), b = arena.allocFloats(g.n * g.k), c = arena.allocFloats(g.m * g.n), bias = arena.allocFloats(g.n);
    k.uniform_fill(a, g.m * g.k, -1, 1, 1, 1, 0);
    k.uniform_fill(b, g.n * g.k, -1, 1, 1, 2, 0);
    k.uniform_fill(bias, g.n, -1, 1, 1, 3, 0);
    const reps = Math.max(1, Math.round(2e8 / (2 * g.m * g.n * g.k)));
    const time = (run: () => void) => {
      run();
      return (1e6 * bestOf(5, () => { for (let r = 0; r < reps; r++) run(); })) / reps;
    };
    const result = measure(g, { k, a, b, c, bias, scratch }, time);
    arena.release(mark);
    return result;
  });
}

export async function measureGemms(build: KernelBuild = 'auto', ceiling?: number): Promise<GemmResult[]> {
  return perShape(build, REFERENCE_GEMMS, (g, { k, a, b, c, scratch }, time) => {
    const us = time(() => {
      if (g.layout === 'nt') k.gemm_nt(g.m, g.n, g.k, a, g.k, b, g.k, c, g.n, 0, scratch);
      else if (g.layout === 'nn') k.gemm_nn(g.m, g.n, g.k, a, g.k, b, g.n, c, g.n, 0, scratch);
      else k.gemm_tn(g.m, g.n, g.k, a, g.m, b, g.n, c, g.n, 0, scratch);
    });
    const gflops = (2 * g.m * g.n * g.k) / us / 1e3;
    return { ...g, gflops, percentOfCeiling: ceiling ? (100 * gflops) / ceiling : NaN };
  });
}

export interface ForwardResult { m: number; n: number; k: number; what: string; fusedUs: number; gemmUs: number; separateUs: number }

/**
 * The forward GEMMs of the reference model as training runs them, Y = ReLU(X·Wᵀ + b) with the
 * bias and activation applied to each tile as it is stored (gemm_nt_bias_act), next to the bare
 * GEMM and to the GEMM followed by a separate bias_act pass: microseconds per call.
 */
export async function measureForward(build: KernelBuild = 'auto'): Promise<ForwardResult[]> {
  return perShape(build, REFERENCE_GEMMS.filter((g) => g.layout === 'nt'), (g, { k, a, b, c, bias, scratch }, time) => {
    const gemm = () => k.gemm_nt(g.m, g.n, g.k, a, g.k, b, g.k, c, g.n, 0, scratch);
    return {
      m: g.m, n: g.n, k: g.k, what: g.what,
      fusedUs: time(() => k.gemm_nt_bias_act(g.m, g.n, g.k, a, g.k, b, g.k, c, g.n, bias, 1, 0, scratch)),
      gemmUs: time(gemm),
      separateUs: time(() => { gemm(); k.bias_act(c, g.m, g.n, bias, 1, 0); }),
    };
  });
}
