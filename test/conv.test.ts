// The convolution groundwork (issue 15): im2col and col2im on HWC rows, composed with the packed
// GEMMs into conv2d (forward, input and weight gradients) and ConvTranspose2d (forward), against
// float64 loops written from PyTorch's definitions (NCHW, weights [out, in, kh, kw] and
// [in, out, kh, kw], held channels-last by the kernels) on odd shapes: channels 1, 3, 5 (and 8: runs of whole vectors); sizes 1, 7, 28; strides 1, 2; paddings 0, 1; kernels 3, 4.
import { describe, expect, it } from 'vitest';
import { VAE, type VAEConfig } from '../src/index.js';
import { decodeSafetensors } from '../src/model/safetensors.js';
import { type Kernels, kernels, randomArray, rng, worstError } from './helpers.js';

type Geometry = { R: number; C: number; H: number; W: number; O: number; k: number; s: number; p: number };

/** NCHW (per row) → HWC, and back. */
const toHwc = (x: Float32Array | Float64Array, R: number, C: number, H: number, W: number) =>
  Float32Array.from({ length: x.length }, (_, i) => { const r = Math.floor(i / (H * W * C)), j = i % (H * W * C); const pix = Math.floor(j / C), c = j % C; return x[((r * C + c) * H * W) + pix]; });
const fromHwc = (y: Float32Array, R: number, C: number, H: number, W: number) =>
  Float64Array.from({ length: y.length }, (_, i) => { const r = Math.floor(i / (C * H * W)), j = i % (C * H * W); const c = Math.floor(j / (H * W)), pix = j % (H * W); return y[(r * H * W + pix) * C + c]; });

/** A weight [a, b, k, k] as the kernels hold it, [a, k, k, b] (the patches' (ky, kx, c) order), and back. */
const toChannelsLast = (w: Float32Array, a: number, b: number, k: number) =>
  Float32Array.from({ length: w.length }, (_, i) => { const t = Math.floor(i / b) % (k * k), c = i % b, r = Math.floor(i / (b * k * k)); return w[(r * b + c) * k * k + t]; });
const fromChannelsLast = (w: Float32Array, a: number, b: number, k: number) =>
  Float32Array.from({ length: w.length }, (_, i) => { const t = i % (k * k), c = Math.floor(i / (k * k)) % b, r = Math.floor(i / (b * k * k)); return w[(r * k * k + t) * b + c]; });

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
  const px = K.put(toHwc(x, R, C, H, W)), pw = K.put(toChannelsLast(w, O, C, k)), pb = K.put(b), scratch = K.arena.alloc(K.k.gemm_scratch_bytes());
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
    dw: worstError(fromChannelsLast(K.get(dw, w.length), O, C, k), dw64, 1e-4, 1e-4),
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
  const px = K.put(toHwc(x, R, C, H, W)), pw = K.put(toChannelsLast(w, C, O, k)), scratch = K.arena.alloc(K.k.gemm_scratch_bytes());
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
      { R: 2, C: 3, H: 7, W: 6, O: 8, k: 4, s: 2, p: 1, op: 0 }, // 8 output channels: col2im adds runs of 4·8 values
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

// The API shows conv weights in PyTorch's layout although the kernels hold them channels-last:
// a small conv VAE's encode and decode equal a float64 forward pass written from PyTorch's
// definitions (NCHW rows, weights [out, in, kh, kw] and [in, out, kh, kw]) on getParameters(),
// and after setParameters() of other values too. (Where torch is installed, test/pytorch.test.ts
// checks the same through files; here the file's tensors must equal getParameters().)
describe('conv weights at the API', () => {
  const C = 3, S = 6, F = 4, L = 2; // 3×6×6 images, 4 filters, latent 2
  const config: VAEConfig = {
    inputDim: C * S * S, inputShape: [C, S, S], latentDim: L, seed: 3,
    encoder: [{ type: 'conv2d', filters: F, kernel: 3, stride: 2, padding: 1 }, { type: 'flatten' }],
    decoder: [{ type: 'dense', units: F * 9 }, { type: 'reshape', shape: [F, 3, 3] },
      { type: 'conv-transpose2d', filters: C, kernel: 3, stride: 2, padding: 1, outputPadding: 1 }],
  };
  const relu = (v: number) => Math.max(0, v);
  function encodeMean(p: Record<string, Float32Array>, x: Float32Array): number[] {
    const w = p['encoder.0.weight'], b = p['encoder.0.bias'], h = new Float64Array(F * 9);
    for (let o = 0; o < F; o++) for (let oy = 0; oy < 3; oy++) for (let ox = 0; ox < 3; ox++) {
      let sum = b[o];
      for (let c = 0; c < C; c++) for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) {
        const iy = 2 * oy - 1 + ky, ix = 2 * ox - 1 + kx;
        if (iy >= 0 && iy < S && ix >= 0 && ix < S) sum += w[((o * C + c) * 3 + ky) * 3 + kx] * x[(c * S + iy) * S + ix];
      }
      h[(o * 3 + oy) * 3 + ox] = relu(sum); // flatten: PyTorch's (c, y, x) order
    }
    const wh = p['encoder.3.weight'], bh = p['encoder.3.bias'];
    return Array.from({ length: L }, (_, j) => h.reduce((s, v, i) => s + v * wh[j * F * 9 + i], bh[j]));
  }
  function decodeMean(p: Record<string, Float32Array>, z: Float32Array): number[] {
    const wd = p['decoder.0.weight'], bd = p['decoder.0.bias'];
    const h = Array.from({ length: F * 9 }, (_, i) => relu(bd[i] + wd[i * L] * z[0] + wd[i * L + 1] * z[1]));
    const w = p['decoder.3.weight'], b = p['decoder.3.bias'], y = Array.from({ length: C * S * S }, (_, i) => b[Math.floor(i / (S * S))]);
    for (let c = 0; c < F; c++) for (let iy = 0; iy < 3; iy++) for (let ix = 0; ix < 3; ix++) for (let o = 0; o < C; o++) {
      for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) {
        const oy = 2 * iy - 1 + ky, ox = 2 * ix - 1 + kx;
        if (oy >= 0 && oy < S && ox >= 0 && ox < S) y[(o * S + oy) * S + ox] += h[(c * 3 + iy) * 3 + ix] * w[((c * C + o) * 3 + ky) * 3 + kx];
      }
    }
    return y.map((v) => 1 / (1 + Math.exp(-v))); // Bernoulli means
  }
  const worst = (a: ArrayLike<number>, b: number[]) => b.reduce((m, v, i) => Math.max(m, Math.abs(v - a[i])), 0);

  it('a seed draws each conv weight in PyTorch\'s order (the same model as when weights were held that way)', async () => {
    const K = await kernels('simd'), vae = await VAE.create(config, { workers: 1 });
    try {
      const w = vae.getParameters()['encoder.0.weight'], drawn = K.arena.allocFloats(w.length), bound = 1 / Math.sqrt(C * 9);
      K.k.uniform_fill(drawn, w.length, -bound, bound, 3, 1, 0); // seed 3, the first layer's weight stream
      expect(Array.from(w)).toEqual(Array.from(K.get(drawn, w.length)));
    } finally {
      await vae.dispose();
    }
  });

  it('encode and decode equal PyTorch\'s definitions on getParameters(), before and after setParameters()', async () => {
    const next = rng(41), vae = await VAE.create(config, { workers: 1 });
    try {
      const x = randomArray(C * S * S, next, 0, 1), z = randomArray(L, next, -1, 1);
      for (const round of [0, 1]) {
        if (round === 1) { // other values, written through setParameters
          const p = vae.getParameters();
          vae.setParameters(Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v.map(() => next(-0.5, 0.5))])));
        }
        const p = vae.getParameters();
        expect(worst((await vae.encode(x)).mean, encodeMean(p, x)), `round ${round}: encode`).toBeLessThan(1e-5);
        expect(worst(await vae.decode(z), decodeMean(p, z)), `round ${round}: decode`).toBeLessThan(1e-5);
      }
      // Files hold what the API shows (PyTorch's layout), the optimiser's moments the same way.
      const file = decodeSafetensors(vae.toBytes(), 'model');
      for (const [name, values] of Object.entries(vae.getParameters())) expect(Array.from(file.tensors.get(name)!.data), name).toEqual(Array.from(values));
      const back = await VAE.fromBytes(vae.toBytes());
      expect(back.getParameters()).toEqual(vae.getParameters());
      await back.dispose();
    } finally {
      await vae.dispose();
    }
  });
});
