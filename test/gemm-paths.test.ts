// The GEMM's paths give each element of C the same bits: one summation chain over k in order,
// whichever way a problem is laid out (transposed for a narrow B, on A's rows unpacked, on both
// operands unpacked, split over calls, with the epilogue fused). The values themselves are checked
// against float64 in kernels.test.ts.
import { describe, expect, it } from 'vitest';
import { firstDifference, kernels, randomArray, rng } from './helpers.js';

for (const build of ['simd', 'relaxed'] as const) {
  describe(`gemm paths (${build} build)`, async () => {
    const K = await kernels(build);

    it('gemm accumulation over k split across calls (beta = 1) rounds exactly like one call', () => {
      const next = rng(21);
      for (const layout of ['nt', 'nn', 'tn'] as const) {
        const m = 13, n = 19, k = 70, split = 33;
        const a = randomArray(m * k, next), b = randomArray(n * k, next);
        const pa = K.put(a), pb = K.put(b), whole = K.arena.allocFloats(m * n), parts = K.arena.allocFloats(m * n);
        const scratch = K.arena.alloc(K.k.gemm_scratch_bytes());
        const run = (c: number, k0: number, kc: number, beta: number) => {
          if (layout === 'nt') K.k.gemm_nt(m, n, kc, pa + 4 * k0, k, pb + 4 * k0, k, c, n, beta, scratch);
          if (layout === 'nn') K.k.gemm_nn(m, n, kc, pa + 4 * k0, k, pb + 4 * k0 * n, n, c, n, beta, scratch);
          if (layout === 'tn') K.k.gemm_tn(m, n, kc, pa + 4 * k0 * m, m, pb + 4 * k0 * n, n, c, n, beta, scratch);
        };
        run(whole, 0, k, 0);
        run(parts, 0, split, 0);
        run(parts, split, k - split, 1);
        expect(Array.from(K.get(parts, m * n)), layout).toEqual(Array.from(K.get(whole, m * n)));
      }
    });

    it('gemm run transposed for a narrow B (n <= 24) gives each element bit for bit as the direct path', () => {
      // C = A·Bᵀ with n = 20 is computed as (B·Aᵀ)ᵀ inside the kernel; B·Aᵀ with 37 columns is not.
      // (k = 245: n·k past what the path on A's rows takes, see the next test.)
      const next = rng(31);
      const m = 37, n = 20, k = 245;
      const a = randomArray(m * k, next), b = randomArray(n * k, next), c0 = randomArray(m * n, next);
      const pa = K.put(a), pb = K.put(b), scratch = K.arena.alloc(K.k.gemm_scratch_bytes());
      for (const beta of [0, 1, 0.5]) {
        const narrow = K.put(c0), wide = K.put(Float32Array.from({ length: m * n }, (_, t) => c0[(t % m) * n + Math.floor(t / m)]));
        K.k.gemm_nt(m, n, k, pa, k, pb, k, narrow, n, beta, scratch);
        K.k.gemm_nt(n, m, k, pb, k, pa, k, wide, m, beta, scratch);
        const w = K.get(wide, m * n), transposed = Array.from({ length: m * n }, (_, t) => w[(t % n) * m + Math.floor(t / n)]);
        expect(Array.from(K.get(narrow, m * n)), `beta ${beta}`).toEqual(transposed);
      }
    });

    it('gemm on unpacked operands gives each element bit for bit as the packed path', () => {
      // The first n columns of a problem 72 wide (packed panels) against the problem n wide: nt
      // and nn with n <= 48 and n·k <= 4096 run on A's rows where they are (rows past a multiple
      // of 4, a part panel); tn with m, n <= 64 and k >= 256 on both operands where they are
      // (k across blocks of 192).
      const next = rng(32);
      for (const [m, n, k, layouts] of [[37, 20, 45, 'nt nn'], [13, 32, 16, 'nt nn'], [6, 16, 32, 'nt nn'], [9, 3, 100, 'nt nn'], [5, 8, 512, 'nt nn'],
        [11, 48, 64, 'nt nn'], [32, 16, 1000, 'tn'], [4, 8, 256, 'tn'], [12, 24, 385, 'tn'], [64, 64, 300, 'tn'], [36, 48, 257, 'tn']] as const) {
        const w = 72, a = randomArray(m * k, next), b = randomArray(w * k, next), c0 = randomArray(m * w, next);
        const pa = K.put(a), scratch = K.arena.alloc(K.k.gemm_scratch_bytes());
        for (const layout of layouts.split(' ') as ('nt' | 'nn' | 'tn')[]) {
          // nt: B's first n rows are a problem of its own; nn and tn: B [k × w] and its first n columns.
          const bn = layout === 'nt' ? b.subarray(0, n * k) : Float32Array.from({ length: k * n }, (_, t) => b[Math.floor(t / n) * w + (t % n)]);
          const pb = K.put(b), pbn = K.put(bn);
          for (const beta of [0, 1, 0.5]) {
            const wide = K.put(c0), narrow = K.put(Float32Array.from({ length: m * n }, (_, t) => c0[Math.floor(t / n) * w + (t % n)]));
            if (layout === 'nt') { K.k.gemm_nt(m, w, k, pa, k, pb, k, wide, w, beta, scratch); K.k.gemm_nt(m, n, k, pa, k, pbn, k, narrow, n, beta, scratch); }
            else if (layout === 'nn') { K.k.gemm_nn(m, w, k, pa, k, pb, w, wide, w, beta, scratch); K.k.gemm_nn(m, n, k, pa, k, pbn, n, narrow, n, beta, scratch); }
            else { K.k.gemm_tn(m, w, k, pa, m, pb, w, wide, w, beta, scratch); K.k.gemm_tn(m, n, k, pa, m, pbn, n, narrow, n, beta, scratch); }
            const wv = K.get(wide, m * w), want = Float32Array.from({ length: m * n }, (_, t) => wv[Math.floor(t / n) * w + (t % n)]);
            expect(firstDifference(K.get(narrow, m * n), want), `${layout} ${m}x${n}x${k} beta ${beta}`).toBe('');
          }
        }
      }
    });

    it('gemm with B packed once for many blocks of rows gives each element bit for bit as row blocks apart', () => {
      // 1100 rows at k = 520: the first block of k (512) has 9 blocks of 128 rows, so B's panels are
      // packed once for all of them; each half of the rows alone has 5 and packs B per block.
      const next = rng(33), m = 1100, n = 40, k = 520, half = 550;
      const a = randomArray(m * k, next), b = randomArray(n * k, next), c0 = randomArray(m * n, next), bias = randomArray(n, next);
      const pa = K.put(a), pb = K.put(b), pbias = K.put(bias), scratch = K.arena.alloc(K.k.gemm_scratch_bytes());
      for (const beta of [0, 1]) {
        const whole = K.put(c0), parts = K.put(c0);
        const run = (c: number, rows: number, at: number) => beta === 0
          ? K.k.gemm_nt_bias_act(rows, n, k, pa + 4 * at * k, k, pb, k, c + 4 * at * n, n, pbias, 1, 0, scratch)
          : K.k.gemm_nt(rows, n, k, pa + 4 * at * k, k, pb, k, c + 4 * at * n, n, 1, scratch);
        run(whole, m, 0);
        run(parts, half, 0);
        run(parts, m - half, half);
        expect(firstDifference(K.get(whole, m * n), K.get(parts, m * n)), `beta ${beta}`).toBe('');
      }
    });

    it('gemm_nt_bias_act gives each element bit for bit as gemm_nt then bias_act, for every activation and path', () => {
      // Shapes: direct path with a partial last panel and rows past a multiple of 4; the narrow
      // (transposed) path; k over two blocks of KC; k = 0; no bias.
      const next = rng(41);
      const shapes = [[13, 19, 70], [37, 20, 245], [5, 3, 1031], [6, 9, 0], [33, 41, 17], [26, 32, 16]];
      shapes.forEach(([m, n, k], s) => {
        const a = randomArray(m * k, next), b = randomArray(n * k, next), bias = randomArray(n, next);
        const pa = K.put(a), pb = K.put(b), pbias = s === 4 ? 0 : K.put(bias), scratch = K.arena.alloc(K.k.gemm_scratch_bytes());
        for (let act = 0; act <= 6; act++) {
          const fused = K.put(randomArray(m * n, next)), separate = K.arena.allocFloats(m * n);
          K.k.gemm_nt_bias_act(m, n, k, pa, k, pb, k, fused, n, pbias, act, 0.3, scratch);
          K.k.gemm_nt(m, n, k, pa, k, pb, k, separate, n, 0, scratch);
          K.k.bias_act(separate, m, n, pbias, act, 0.3);
          expect(Array.from(K.get(fused, m * n)), `${m}x${n}x${k} act ${act}`).toEqual(Array.from(K.get(separate, m * n)));
        }
      });
    });
  });
}
