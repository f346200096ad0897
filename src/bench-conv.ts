// GFLOP/s of the convolution kernels as dcgan28's layers run them (one worker's shard of a
// 128-row batch: 64 rows), each as the op composes it (im2col/col2im and the GEMM), against the
// SIMD ceiling: what bench/conv.mjs prints beside the training figures.
import { Arena } from './arena.js';
import { type Ceiling, measureCeiling, microsecondsPerCall } from './bench.js';
import { createMemory, instantiate, type KernelBuild, kernelModule } from './kernels.js';

export interface ConvKernelResult {
  layer: string;
  /** forward, dX (input gradient) or dW (weight gradient). */
  pass: string;
  /** The kernels timed, in order. */
  kernels: string;
  /** The multiply-adds of the layer's definition, ×2. */
  flops: number;
  us: number;
  gflops: number;
  percentOfCeiling: number;
  /** The share of the time in the GEMM (the rest is im2col/col2im). */
  gemmShare: number;
  /** The SIMD ceiling the share is of (GFLOP/s). */
  ceilingGflops: number;
}

/** A conv layer: C×H×W in, O out, square kernel k, stride s, padding p; transposed = ConvTranspose2d. */
interface Layer { name: string; C: number; H: number; W: number; O: number; k: number; s: number; p: number; transposed: boolean }

const DCGAN28: Layer[] = [
  { name: 'encoder.0 conv 1→32, 28→14', C: 1, H: 28, W: 28, O: 32, k: 4, s: 2, p: 1, transposed: false },
  { name: 'encoder.2 conv 32→64, 14→7', C: 32, H: 14, W: 14, O: 64, k: 4, s: 2, p: 1, transposed: false },
  { name: 'decoder.3 convT 64→32, 7→14', C: 64, H: 7, W: 7, O: 32, k: 4, s: 2, p: 1, transposed: true },
  { name: 'decoder.5 convT 32→1, 14→28', C: 32, H: 14, W: 14, O: 1, k: 4, s: 2, p: 1, transposed: true },
];

/**
 * Each pass of each dcgan28 conv layer on `rows` rows: time (best of 7), GFLOP/s and its share of
 * `ceiling`, or by default of the ceiling measured just before that pass (this shared host's speed
 * moves between minutes: a share of a ceiling measured minutes apart moved 10 points either way).
 */
export async function measureConvKernels(build: KernelBuild, ceiling?: Ceiling, rows = 64): Promise<ConvKernelResult[]> {
  const { module } = await kernelModule(build);
  const memory = createMemory(1024);
  const k = await instantiate(module, memory);
  const arena = new Arena(memory, k.heap_base());
  const scratch = arena.alloc(k.gemm_scratch_bytes());
  const out: ConvKernelResult[] = [];
  for (const l of DCGAN28) {
    const mark = arena.mark();
    // The side the patches run over: a conv's output pixels, a transposed conv's input pixels.
    const Ho = l.transposed ? (l.H - 1) * l.s - 2 * l.p + l.k : Math.floor((l.H + 2 * l.p - l.k) / l.s) + 1;
    const Wo = l.transposed ? (l.W - 1) * l.s - 2 * l.p + l.k : Math.floor((l.W + 2 * l.p - l.k) / l.s) + 1;
    const inner = l.transposed ? l.O : l.C, outer = l.transposed ? l.C : l.O; // patch channels, GEMM channels
    const K = inner * l.k * l.k, P = rows * (l.transposed ? l.H * l.W : Ho * Wo);
    const [pH, pW, gH, gW] = l.transposed ? [Ho, Wo, l.H, l.W] : [l.H, l.W, Ho, Wo]; // the patched image and the patch grid
    const floats = (n: number) => { const p = arena.allocFloats(n); k.uniform_fill(p, n, -1, 1, 1, out.length + n % 97, 0); return p; };
    const image = floats(rows * pH * pW * inner), cols = floats(P * K), y = floats(P * outer), w = floats(outer * K), dw = floats(outer * K), bias = floats(outer);
    const flops = 2 * P * K * outer;
    const time = (run: () => void) => microsecondsPerCall(run, 20);
    const im2col = () => k.im2col(cols, image, rows, pH, pW, inner, l.k, l.k, l.s, l.p, gH, gW);
    const col2im = () => k.col2im(image, cols, rows, pH, pW, inner, l.k, l.k, l.s, l.p, gH, gW, 0);
    // The three passes as the ops run them: a conv's forward and a transposed conv's input
    // gradient are im2col then a GEMM; a conv's input gradient and a transposed conv's forward a
    // GEMM then col2im; both weight gradients one GEMM over the patches.
    const gemmFirst = () => k.gemm_nn(P, K, outer, y, outer, w, K, cols, K, 0, scratch);
    const gemmAfter = l.transposed ? () => k.gemm_nt(P, outer, K, cols, K, w, K, y, outer, 0, scratch)
      : () => k.gemm_nt_bias_act(P, outer, K, cols, K, w, K, y, outer, bias, 1, 0, scratch);
    const passes: [string, string, () => void, () => void][] = [
      [l.transposed ? 'dX' : 'forward', `im2col + gemm_${l.transposed ? 'nt' : 'nt_bias_act'}`, im2col, gemmAfter],
      [l.transposed ? 'forward' : 'dX', 'gemm_nn + col2im', gemmFirst, col2im],
      ['dW', 'gemm_tn', () => undefined, () => k.gemm_tn(outer, K, P, y, outer, cols, K, dw, K, 0, scratch)],
    ];
    for (const [pass, kernels, first, second] of passes) {
      const peak = (ceiling ?? await measureCeiling(build)).gflops;
      const us = time(() => { first(); second(); });
      const gemmUs = time(pass === 'dW' ? second : kernels.startsWith('im2col') ? second : first);
      out.push({ layer: l.name, pass, kernels, flops, us, gflops: flops / us / 1e3, percentOfCeiling: (100 * flops / us / 1e3) / peak,
        gemmShare: Math.min(1, gemmUs / us), ceilingGflops: peak });
    }
    arena.release(mark);
  }
  return out;
}
