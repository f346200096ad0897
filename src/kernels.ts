// Loads the kernel module once, choosing the relaxed-SIMD build where the engine validates it.
import { enableRelaxedSimd, loadBytes } from '#platform';
import { RuntimeError } from './errors.js';

type Ptr = number;
/** The wasm ABI (assembly/index.ts): byte offsets into the one shared memory. */
export interface KernelExports {
  heap_base(): Ptr;
  relaxed_simd(): number;
  gemm_scratch_bytes(): number;
  gemm_nt(m: number, n: number, k: number, a: Ptr, lda: number, b: Ptr, ldb: number, c: Ptr, ldc: number, beta: number, scratch: Ptr): void;
  gemm_nt_bias_act(m: number, n: number, k: number, a: Ptr, lda: number, b: Ptr, ldb: number, c: Ptr, ldc: number,
    bias: Ptr, act: number, alpha: number, scratch: Ptr): void;
  gemm_nn(m: number, n: number, k: number, a: Ptr, lda: number, b: Ptr, ldb: number, c: Ptr, ldc: number, beta: number, scratch: Ptr): void;
  gemm_tn(m: number, n: number, k: number, a: Ptr, lda: number, b: Ptr, ldb: number, c: Ptr, ldc: number, beta: number, scratch: Ptr): void;
  gemm_nt_bias_act_skip(m: number, n: number, k: number, a: Ptr, lda: number, b: Ptr, ldb: number, c: Ptr, ldc: number,
                        bias: Ptr, act: number, alpha: number, scratch: Ptr): void;
  gemm_tn_skip(m: number, n: number, k: number, a: Ptr, lda: number, b: Ptr, ldb: number, c: Ptr, ldc: number, beta: number, scratch: Ptr): void;
  gemm_nt_skip(m: number, n: number, k: number, a: Ptr, lda: number, b: Ptr, ldb: number, c: Ptr, ldc: number, beta: number, scratch: Ptr): void;
  gemm_nn_skip(m: number, n: number, k: number, a: Ptr, lda: number, b: Ptr, ldb: number, c: Ptr, ldc: number, beta: number, scratch: Ptr): void;
  gemm_tn_skip_a(m: number, n: number, k: number, a: Ptr, lda: number, b: Ptr, ldb: number, c: Ptr, ldc: number, beta: number, scratch: Ptr): void;
  gemm_nt_bias_act_lists(m: number, n: number, k: number, a: Ptr, lda: number, b: Ptr, ldb: number, c: Ptr, ldc: number, bias: Ptr, act: number, alpha: number, scratch: Ptr): void;
  gemm_nn_lists(m: number, n: number, k: number, a: Ptr, lda: number, b: Ptr, ldb: number, c: Ptr, ldc: number, beta: number, scratch: Ptr): void;
  gemm_tn_lists_a(m: number, n: number, k: number, a: Ptr, lda: number, b: Ptr, ldb: number, c: Ptr, ldc: number, beta: number, scratch: Ptr): void;
  gemm_tn_lists(m: number, n: number, k: number, a: Ptr, lda: number, b: Ptr, ldb: number, c: Ptr, ldc: number, beta: number, scratch: Ptr): void;
  gemm_tn_skip_grouped(m: number, n: number, k: number, a: Ptr, lda: number, b: Ptr, ldb: number, c: Ptr, ldc: number, beta: number, scratch: Ptr, group: number): void;
  bias_act(y: Ptr, rows: number, cols: number, bias: Ptr, act: number, alpha: number): void;
  act_backward(dy: Ptr, y: Ptr, n: number, act: number, alpha: number): void;
  bernoulli_nll(logits: Ptr, x: Ptr, rows: number, cols: number, grad: Ptr): number;
  gaussian_nll(mean: Ptr, x: Ptr, logVar: Ptr, rows: number, cols: number, grad: Ptr): number;
  gaussian_logvar_grad(mean: Ptr, x: Ptr, logVar: Ptr, rows: number, cols: number, c0: number, c1: number, grad: Ptr, accumulate: number): void;
  latent_forward(head: Ptr, rows: number, latent: number, eps: Ptr, z: Ptr): number;
  latent_backward(head: Ptr, rows: number, latent: number, eps: Ptr, dz: Ptr, dhead: Ptr, beta: number): void;
  sigmoid(input: Ptr, out: Ptr, n: number): void;
  normal_rows(dst: Ptr, rows: number, cols: number, idx: Ptr, rowOffset: number, seed: number, stream: number): void;
  uniform_fill(dst: Ptr, n: number, lo: number, hi: number, seed: number, stream: number, offset: number): void;
  adam_step(p: Ptr, g: Ptr, m: Ptr, v: Ptr, n: number, lr: number, beta1: number, beta2: number, eps: number,
    step: number, gradScale: number, weightDecay: number, decoupled: number): void;
  sgd_step(p: Ptr, g: Ptr, buf: Ptr, n: number, lr: number, momentum: number, weightDecay: number, gradScale: number, nesterov: number): void;
  col_sums(dst: Ptr, src: Ptr, rows: number, cols: number, ld: number, beta: number): void;
  sum_squares(x: Ptr, n: number): number;
  scale(x: Ptr, n: number, s: number): void;
  fill(x: Ptr, n: number, value: number): void;
  gather_f32(dst: Ptr, src: Ptr, idx: Ptr, start: number, rows: number, cols: number): void;
  gather_u8(dst: Ptr, src: Ptr, idx: Ptr, start: number, rows: number, cols: number, s: number): void;
  first_invalid(x: Ptr, n: number, lo: number, hi: number): number;
  all_finite(x: Ptr, n: number): number;
  concat_onehot(dst: Ptr, src: Ptr, rows: number, cols: number, labels: Ptr, idx: Ptr, start: number, classes: number): void;
  take_cols(dst: Ptr, src: Ptr, rows: number, cols: number, ld: number): void;
  binarize_rows(dst: Ptr, src: Ptr, srcU8: number, idx: Ptr, rowOffset: number, rows: number, cols: number, seed: number, stream: number, dstU8: number): void;
  column_means(dst: Ptr, src: Ptr, srcU8: number, rows: number, cols: number, clip: number): void;
  image_to_rows(dst: Ptr, src: Ptr, srcW: number, srcH: number, dstW: number, dstH: number, channels: number): void;
  im2col(dst: Ptr, src: Ptr, rows: number, H: number, W: number, C: number, kh: number, kw: number, stride: number, pad: number, Ho: number, Wo: number): void;
  col2im(dst: Ptr, src: Ptr, rows: number, H: number, W: number, C: number, kh: number, kw: number, stride: number, pad: number, Ho: number, Wo: number, accumulate: number): void;
  transpose_rows(dst: Ptr, src: Ptr, rows: number, a: number, b: number): void;
  normal_samples(dst: Ptr, rows: number, cols: number, idx: Ptr, rowOffset: number, k: number, sampleStart: number, seed: number, stream: number): void;
  latent_log_ratio(head: Ptr, eps: Ptr, z: Ptr, rows: number, latent: number, out: Ptr): void;
  bernoulli_nll_rows(logits: Ptr, x: Ptr, rows: number, cols: number, out: Ptr): void;
  gaussian_nll_rows(mean: Ptr, x: Ptr, logVar: Ptr, rows: number, cols: number, out: Ptr): void;
  log_sum_exp_update(a: Ptr, c: Ptr, n: number, prev: number): number;
  repeat_row(dst: Ptr, src: Ptr, cols: number, times: number): void;
  expand_rows(buf: Ptr, rows: number, cols: number, k: number): void;
  fill_i32(dst: Ptr, n: number, value: number): void;
  iwae_weights(a: Ptr, c: Ptr, rows: number, k: number): number;
  scale_rows(x: Ptr, rows: number, cols: number, w: Ptr): void;
  latent_backward_iwae(head: Ptr, rows: number, latent: number, eps: Ptr, z: Ptr, dz: Ptr, dhead: Ptr, w: Ptr): void;
  interpolate_rows(dst: Ptr, a: Ptr, b: Ptr, n: number, steps: number, slerp: number): void;
  column_moments(mean: Ptr, variance: Ptr, x: Ptr, rows: number, cols: number, labels: Ptr, value: number): number;
  add_scaled_rows(dst: Ptr, x: Ptr, v: Ptr, rows: number, n: number, amount: number): void;
  traversal_rows(dst: Ptr, base: Ptr, n: number, dims: Ptr, ndims: number, values: Ptr, count: number): void;
  count_nonzero(x: Ptr, n: number, limit: number): number;
  peak_madd(iterations: number, seed: number): number;
  peak_tile(iterations: number, scratch: number): number;
}

/** Memory limits the module was built with (asconfig.json): 64 KiB pages. */
export const INITIAL_PAGES = 32;
export const MAXIMUM_PAGES = 65536;

export interface KernelModule {
  module: WebAssembly.Module;
  relaxedSimd: boolean;
  /** True when relaxed SIMD validated only after this process set V8's flag (Node 20). */
  relaxedSimdByFlag: boolean;
}

export type KernelBuild = 'auto' | 'simd' | 'relaxed';

const cache = new Map<KernelBuild, Promise<KernelModule>>();

async function compile(build: KernelBuild): Promise<KernelModule> {
  const wantRelaxed = build !== 'simd';
  if (wantRelaxed) {
    const bytes = await loadBytes(new URL('../wasm/kernel.relaxed.wasm', import.meta.url));
    let byFlag = false;
    if (!WebAssembly.validate(bytes as BufferSource)) byFlag = enableRelaxedSimd();
    if (WebAssembly.validate(bytes as BufferSource)) {
      return { module: await WebAssembly.compile(bytes as BufferSource), relaxedSimd: true, relaxedSimdByFlag: byFlag };
    }
    if (build === 'relaxed') {
      throw new RuntimeError('this engine does not validate relaxed SIMD (Chromium >= 114, Firefox >= 120 and Node >= 20 have it)');
    }
  }
  const bytes = await loadBytes(new URL('../wasm/kernel.wasm', import.meta.url));
  if (!WebAssembly.validate(bytes as BufferSource)) {
    throw new RuntimeError('this engine does not support WebAssembly SIMD with threads (shared memory)');
  }
  return { module: await WebAssembly.compile(bytes as BufferSource), relaxedSimd: false, relaxedSimdByFlag: false };
}

/** The compiled kernel module (compiled once per build choice and cached). */
export function kernelModule(build: KernelBuild = 'auto'): Promise<KernelModule> {
  let entry = cache.get(build);
  if (!entry) {
    entry = compile(build);
    entry.catch(() => cache.delete(build));
    cache.set(build, entry);
  }
  return entry;
}

/** One shared memory: every instance of the module (main thread and workers) imports it. */
export function createMemory(pages: number): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: Math.max(INITIAL_PAGES, pages), maximum: MAXIMUM_PAGES, shared: true });
}

/** Instantiates asynchronously (browsers limit synchronous instantiation on the main thread). */
export async function instantiate(module: WebAssembly.Module, memory: WebAssembly.Memory): Promise<KernelExports> {
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  return instance.exports as unknown as KernelExports;
}
