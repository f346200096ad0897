// The convolution groundwork (issue 15): im2col and col2im on HWC rows, composed with the packed
// GEMMs into conv2d (forward, input and weight gradients) and ConvTranspose2d (forward), against
// float64 loops written from PyTorch's definitions (NCHW, weights [out, in, kh, kw] and
// [in, out, kh, kw]) on odd shapes: channels 1, 3, 5 (and 8, the vectorised 4×4 patch path); sizes 1, 7, 28; strides 1, 2; paddings 0, 1; kernels 3, 4.
import { describe, expect, it } from 'vitest';
import { type Kernels, kernels, randomArray, rng, worstError } from './helpers.js';

type Geometry = { R: number; C: number; H: number; W: number; O: number; k: number; s: number; p: number };

/** NCHW (per row) → HWC, and back. */
const toHwc = (x: Float32Array | Float64Array, R: number, C: number, H: number, W: number) =>
  Float32Array.from({ length: x.length }, (_, i) => { const r = Math.floor(i / (H * W * C)), j = i % (H * W * C); const pix = Math.floor(j / C), c = j % C; return x[((r * C + c) * H * W) + pix]; });
const fromHwc = (y: Float32Array, R: number, C: number, H: number, W: number) =>
  Float64Array.from({ length: y.length }, (_, i) => { const r = Math.floor(i / (C * H * W)), j = i % (C * H * W); const c = Math.floor(j / (H * W)), pix = j % (H * W); return y[(r * H * W + pix) * C + c]; });

function conv(K: Kernels, g: Geometry, next: ReturnType<typeof rng>) {
  const { R, C, H, W, O, k, s, p } = g, Ho = Math.floor((H + 2 * p - k) / s) + 1, Wo = Math.floor((W + 2 * p - k) / s) + 1, KK = C * k * k, P = Ho * Wo;
  const x = randomArray(R * C * H * W, next), w = randomArray(O * KK, next), b = randomArray(O, next), dy = randomArray(R * O * P, next);
  // float64 reference, PyTorch's definition.
  const y64 = new Float64Array(R * O * P), dx64 = new Float64Array(x.length), dw64 = new Float64Array(w.length);
  for (let r = 0; r < R; r++) for (let o = 0; o < O; o++) for (let oy = 0; oy < Ho; oy++) for (let ox = 0; ox < Wo; ox++) {
    const yi = ((r * O + o) * Ho + oy) * Wo + ox;
    let sum = b[o];
    for (let c = 0; c < C; c++) for (let ky = 0; ky < k; ky++) for (let kx = 0; kx < k; kx++) {
      const iy = oy * s - p + ky, ix = ox * s - p + kx;
      if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
      const xi = ((r * C + c) * H + iy) * W + ix, wi = ((o * C + c) * k + ky) * k + kx;
      sum += w[wi] * x[xi];
      dx64[xi] += w[wi] * dy[yi];
      dw64[wi] += x[xi] * dy[yi];
    }
    y64[yi] = sum;
  }
  // wasm: im2col, then the GEMMs.
  const px = K.put(toHwc(x, R, C, H, W)), pw = K.put(w), pb = K.put(b), scratch = K.arena.alloc(K.k.gemm_scratch_bytes());
  const cols = K.arena.allocFloats(R * P * KK), z = K.arena.allocFloats(R * P * O);
  K.k.im2col(cols, px, R, H, W, C, k, k, s, p, Ho, Wo);
  K.k.gemm_nt_bias_act(R * P, O, KK, cols, KK, pw, KK, z, O, pb, 0, 0, scratch);
  const pdy = K.put(toHwc(dy, R, O, Ho, Wo)), dcols = K.arena.allocFloats(R * P * KK), dx = K.arena.allocFloats(x.length), dw = K.arena.allocFloats(w.length);
  K.k.gemm_nn(R * P, KK, O, pdy, O, pw, KK, dcols, KK, 0, scratch);
  K.k.col2im(dx, dcols, R, H, W, C, k, k, s, p, Ho, Wo, 0);
  K.k.gemm_tn(O, KK, R * P, pdy, O, cols, KK, dw, KK, 0, scratch);
  return {
    y: worstError(fromHwc(K.get(z, R * P * O), R, O, Ho, Wo), y64, 1e-5, 1e-5),
    dx: worstError(fromHwc(K.get(dx, x.length), R, C, H, W), dx64, 1e-5, 1e-5),
    // A weight gradient sums R·Ho·Wo products (up to 1,568 here) in f32: a looser bound, still far below an indexing error's O(1).
    dw: worstError(K.get(dw, w.length), dw64, 1e-4, 1e-4),
  };
}

/** ConvTranspose2d forward (weight [in, out, k, k], output_padding op) by GEMM + col2im, against float64. */
function convTranspose(K: Kernels, g: Geometry & { op: number }, next: ReturnType<typeof rng>): number {
  const { R, C, H, W, O, k, s, p, op } = g; // C in-channels on an H × W input; O out-channels
  const Ho = (H - 1) * s - 2 * p + k + op, Wo = (W - 1) * s - 2 * p + k + op, KK = O * k * k;
  const x = randomArray(R * C * H * W, next), w = randomArray(C * KK, next);
  const y64 = new Float64Array(R * O * Ho * Wo);
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) for (let iy = 0; iy < H; iy++) for (let ix = 0; ix < W; ix++) {
    for (let o = 0; o < O; o++) for (let ky = 0; ky < k; ky++) for (let kx = 0; kx < k; kx++) {
      const oy = iy * s - p + ky, ox = ix * s - p + kx;
      if (oy < 0 || oy >= Ho || ox < 0 || ox >= Wo) continue;
      y64[((r * O + o) * Ho + oy) * Wo + ox] += x[((r * C + c) * H + iy) * W + ix] * w[((c * O + o) * k + ky) * k + kx];
    }
  }
  const px = K.put(toHwc(x, R, C, H, W)), pw = K.put(w), scratch = K.arena.alloc(K.k.gemm_scratch_bytes());
  const cols = K.arena.allocFloats(R * H * W * KK), y = K.arena.allocFloats(R * O * Ho * Wo);
  K.k.gemm_nn(R * H * W, KK, C, px, C, pw, KK, cols, KK, 0, scratch);
  // The output is the "image" of col2im; the input grid is its patch grid.
  K.k.col2im(y, cols, R, Ho, Wo, O, k, k, s, p, H, W, 0);
  return worstError(fromHwc(K.get(y, R * O * Ho * Wo), R, O, Ho, Wo), y64, 1e-5, 1e-5);
}

describe.each(['simd', 'relaxed'] as const)('convolutions as GEMMs (%s build)', (build) => {
  it('conv2d forward, input gradient and weight gradient match float64 on every listed shape', async () => {
    const K = await kernels(build), next = rng(31);
    let cases = 0;
    for (const C of [1, 3, 5, 8]) for (const H of [1, 7, 28]) for (const s of [1, 2]) for (const p of [0, 1]) for (const k of [3, 4]) {
      if (H + 2 * p < k) continue; // an empty output: the layer builder refuses it
      const O = [2, 3, 5][cases % 3], R = 2, W = H === 28 ? 28 : H + (cases % 2);
      if (W + 2 * p < k) continue;
      const mark = K.arena.mark();
      const err = conv(K, { R, C, H, W, O, k, s, p }, next);
      K.arena.release(mark);
      for (const [what, e] of Object.entries(err)) expect(e, `${what}: C ${C}, ${H}×${W}, O ${O}, k ${k}, stride ${s}, pad ${p}`).toBeLessThanOrEqual(1);
      cases++;
    }
    expect(cases).toBeGreaterThan(40);
  });

  it('ConvTranspose2d forward (with output_padding) matches float64, as dcgan28 uses it and on odd shapes', async () => {
    const K = await kernels(build), next = rng(37);
    const shapes = [
      { R: 2, C: 4, H: 7, W: 7, O: 3, k: 4, s: 2, p: 1, op: 0 }, // 7 → 14, as dcgan28's first ConvT (narrower)
      { R: 1, C: 3, H: 14, W: 14, O: 1, k: 4, s: 2, p: 1, op: 0 }, // 14 → 28 to one channel
      { R: 2, C: 5, H: 3, W: 5, O: 2, k: 3, s: 2, p: 1, op: 1 }, // output_padding 1
      { R: 1, C: 1, H: 1, W: 1, O: 5, k: 3, s: 1, p: 0, op: 0 },
      { R: 2, C: 3, H: 7, W: 6, O: 8, k: 4, s: 2, p: 1, op: 0 }, // 8 output channels: col2im's vectorised 4×4 scatter
    ];
    for (const g of shapes) {
      const mark = K.arena.mark();
      expect(convTranspose(K, g, next), JSON.stringify(g)).toBeLessThanOrEqual(1);
      K.arena.release(mark);
    }
  });

  it('transpose_rows (flatten\'s HWC → CHW and back) moves every value exactly, 4×4 blocks and edges', async () => {
    const K = await kernels(build), next = rng(38);
    for (const [rows, a, b] of [[2, 49, 64], [3, 7, 5], [1, 1, 9], [2, 4, 4], [2, 13, 6], [1, 64, 49]]) {
      const mark = K.arena.mark();
      const x = randomArray(rows * a * b, next), dst = K.arena.allocFloats(x.length);
      K.k.transpose_rows(dst, K.put(x), rows, a, b);
      const want = Float32Array.from({ length: x.length }, (_, i) => {
        const r = Math.floor(i / (a * b)), j = Math.floor((i % (a * b)) / a), p = i % a; // dst_r[j][p] = src_r[p][j]
        return x[r * a * b + p * b + j];
      });
      expect(Array.from(K.get(dst, x.length)), `${rows} × ${a} × ${b}`).toEqual(Array.from(want));
      K.arena.release(mark);
    }
  });
});
