// Every kernel against a naive float64 reference, on odd sizes, for both builds.
import { describe, expect, it } from 'vitest';
import { kernels, type Kernels, randomArray, rng, worstError } from './helpers.js';

const SIZES = [1, 3, 5, 17, 33];

function naiveGemm(layout: 'nt' | 'nn' | 'tn', m: number, n: number, k: number, a: Float32Array, b: Float32Array,
                   c: Float32Array, beta: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = beta * c[i * n + j];
    for (let p = 0; p < k; p++) {
      const av = layout === 'tn' ? a[p * m + i] : a[i * k + p];
      const bv = layout === 'nt' ? b[j * k + p] : b[p * n + j];
      s += av * bv;
    }
    out[i * n + j] = s;
  }
  return out;
}

function runGemm(K: Kernels, layout: 'nt' | 'nn' | 'tn', m: number, n: number, k: number, beta: number, seed: number): number {
  const next = rng(seed);
  const a = randomArray(m * k, next), b = randomArray(n * k, next), c = randomArray(m * n, next);
  const pa = K.put(a), pb = K.put(b), pc = K.put(c), scratch = K.arena.alloc(K.k.gemm_scratch_bytes());
  if (layout === 'nt') K.k.gemm_nt(m, n, k, pa, k, pb, k, pc, n, beta, scratch);
  if (layout === 'nn') K.k.gemm_nn(m, n, k, pa, k, pb, n, pc, n, beta, scratch);
  if (layout === 'tn') K.k.gemm_tn(m, n, k, pa, m, pb, n, pc, n, beta, scratch);
  // f32 dot product of length k with |values| ≤ 1: error ≤ k·2⁻²³·Σ|a·b|; relaxed FMA rounds less.
  return worstError(K.get(pc, m * n), naiveGemm(layout, m, n, k, a, b, c, beta), (k + 2) * 1.2e-7 * 4);
}

for (const build of ['simd', 'relaxed'] as const) {
  describe(`kernels (${build} build)`, async () => {
    const K = await kernels(build);

    it('reports which build it is', () => {
      expect(K.k.relaxed_simd()).toBe(build === 'relaxed' ? 1 : 0);
    });

    for (const layout of ['nt', 'nn', 'tn'] as const) {
      it(`gemm_${layout} matches the naive reference on odd sizes, with beta 0, 1, 0.5`, () => {
        let worst = 0, seed = 1;
        for (const m of SIZES) for (const n of SIZES) for (const k of SIZES) worst = Math.max(worst, runGemm(K, layout, m, n, k, 0, seed++));
        for (const [m, n, k] of [[7, 9, 1031], [130, 41, 513], [4, 8, 512], [128, 20, 400], [1100, 40, 520]]) {
          for (const beta of [0, 1, 0.5]) worst = Math.max(worst, runGemm(K, layout, m, n, k, beta, seed++));
        }
        expect(worst).toBeLessThanOrEqual(1);
      });
    }

    it('gemm with k = 0 scales C by beta', () => {
      const pc = K.put([1, 2, 3, 4, 5, 6]);
      K.k.gemm_nn(2, 3, 0, 0, 1, 0, 3, pc, 3, 0.5, K.arena.alloc(K.k.gemm_scratch_bytes()));
      expect(Array.from(K.get(pc, 6))).toEqual([0.5, 1, 1.5, 2, 2.5, 3]);
    });

    it('bias_act and act_backward for every activation, against float64 and finite differences', () => {
      const names = ['identity', 'relu', 'leaky_relu', 'elu', 'tanh', 'sigmoid', 'softplus'];
      const f = (x: number, a: number, alpha: number) => [x, Math.max(0, x), x > 0 ? x : alpha * x, x > 0 ? x : alpha * Math.expm1(x),
        Math.tanh(x), 1 / (1 + Math.exp(-x)), Math.log1p(Math.exp(x))][a];
      const next = rng(7);
      for (const [rows, cols] of [[1, 1], [3, 5], [5, 17], [2, 33]]) {
        names.forEach((_, act) => {
          const alpha = 0.3;
          const y = randomArray(rows * cols, next, -4, 4), bias = randomArray(cols, next), dy = randomArray(rows * cols, next);
          const py = K.put(y), pb = K.put(bias), pd = K.put(dy);
          K.k.bias_act(py, rows, cols, pb, act, alpha);
          const x = Array.from(y, (v, i) => v + bias[i % cols]);
          expect(worstError(K.get(py, y.length), x.map((v) => f(v, act, alpha)), 2e-6, 2e-6), names[act]).toBeLessThanOrEqual(1);
          K.k.act_backward(pd, py, y.length, act, alpha);
          const h = 1e-6;
          const fd = x.map((v, i) => (Math.abs(v) < 1e-4 ? NaN : dy[i] * (f(v + h, act, alpha) - f(v - h, act, alpha)) / (2 * h)));
          const got = K.get(pd, y.length);
          const keep = fd.map((v) => !Number.isNaN(v));
          expect(worstError(got.filter((_, i) => keep[i]), fd.filter((_, i) => keep[i]), 1e-5, 1e-4), names[act]).toBeLessThanOrEqual(1);
        });
      }
    });

    it('the vectorised tanh and sigmoid stay within 3e-7 relative of float64 from 1e-6 to 90 in size, odd and symmetric', () => {
      const grid: number[] = [0, 1e-6, -1e-6, 0.3499, 0.35, 0.3501, 90, -90];
      for (let v = -20; v <= 20; v += 0.0137) grid.push(v);
      while (grid.length % 4) grid.push(1);
      const n = grid.length;
      for (const [act, f] of [[4, Math.tanh], [5, (x: number) => 1 / (1 + Math.exp(-x))]] as const) {
        const p = K.put(grid);
        K.k.bias_act(p, 1, n, 0, act, 0); // one row of n values (a multiple of 4): every value through the vector path
        const got = K.get(p, n);
        let worst = 0;
        grid.forEach((x, i) => { const want = f(Math.fround(x)); worst = Math.max(worst, Math.abs(got[i] - want) / Math.max(Math.abs(want), 1e-30)); });
        expect(worst, act === 4 ? 'tanh' : 'sigmoid').toBeLessThan(3e-7);
      }
    });

    /** The kernel's sum and gradient next to the float64 reference for logits l and targets x. */
    const bernoulli = (l: Float32Array, x: Float32Array) => {
      const n = l.length, pg = K.arena.allocFloats(n);
      const total = K.k.bernoulli_nll(K.put(l), K.put(x), 1, n, pg);
      let ref = 0;
      const g = Array.from(l, (v, i) => {
        ref += Math.max(v, 0) - v * x[i] + Math.log1p(Math.exp(-Math.abs(v)));
        return 1 / (1 + Math.exp(-v)) - x[i];
      });
      return { total, ref, grad: K.get(pg, n), g };
    };

    it('bernoulli_nll: stable sum and gradient σ(l) − x, even at |l| = 100', () => {
      const next = rng(3);
      for (const n of [1, 3, 17, 33]) {
        const l = randomArray(n, next, -8, 8), x = randomArray(n, next, 0, 1);
        l[0] = n % 2 ? 100 : -100;
        const r = bernoulli(l, x);
        expect(Math.abs(r.total - r.ref)).toBeLessThan(1e-4 * (1 + Math.abs(r.ref)));
        expect(worstError(r.grad, r.g, 1e-6, 1e-5)).toBeLessThanOrEqual(1);
      }
    });

    it('bernoulli_nll, gaussian_nll and latent_forward sum rows so that any split into shards adds up to the same bits', () => {
      const next = rng(32), rows = 61, cols = 13, L = 7;
      const l = K.put(randomArray(rows * cols, next, -30, 30)), x = K.put(randomArray(rows * cols, next, 0, 1));
      const s = K.put(randomArray(cols, next, -1, 1)), head = K.put(randomArray(rows * 2 * L, next, -2, 2));
      const sums: [string, (r0: number, r1: number) => number][] = [
        ['bernoulli_nll', (r0, r1) => K.k.bernoulli_nll(l + 4 * r0 * cols, x + 4 * r0 * cols, r1 - r0, cols, 0)],
        ['gaussian_nll', (r0, r1) => K.k.gaussian_nll(l + 4 * r0 * cols, x + 4 * r0 * cols, s, r1 - r0, cols, 0)],
        ['latent_forward', (r0, r1) => K.k.latent_forward(head + 8 * r0 * L, r1 - r0, L, 0, 0)],
      ];
      for (const [name, sum] of sums) {
        const whole = sum(0, rows);
        for (let t = 0; t < 200; t++) { // three shards, added in both groupings, as a pool of 3 would
          const a = 1 + Math.floor(next(0, rows - 2)), b = a + 1 + Math.floor(next(0, rows - a - 1));
          const p = [sum(0, a), sum(a, b), sum(b, rows)];
          expect((p[0] + p[1]) + p[2], `${name}, shards at ${a} and ${b}`).toBe(whole);
          expect(p[0] + (p[1] + p[2]), `${name}, shards at ${a} and ${b}`).toBe(whole);
        }
      }
    });

    it('bernoulli_nll on 10,001 elements (vector body and tail) stays within 2e-5 of float64', () => {
      const next = rng(31), n = 10_001;
      const r = bernoulli(randomArray(n, next, -30, 30), randomArray(n, next, 0, 1));
      expect(Math.abs(r.total - r.ref) / r.ref).toBeLessThan(2e-5);
      expect(worstError(r.grad, r.g, 2e-7, 2e-6)).toBeLessThanOrEqual(1);
    });

    it('gaussian_nll and gaussian_logvar_grad: sum with its constant, mean gradient, log-variance gradient over a column range', () => {
      const next = rng(4);
      const rows = 5, cols = 17;
      const mean = randomArray(rows * cols, next), x = randomArray(rows * cols, next), s = randomArray(cols, next, -1, 1);
      const pm = K.put(mean), px = K.put(x), ps = K.put(s), pg = K.arena.allocFloats(rows * cols), pgs = K.put(new Float32Array(cols).fill(1));
      const total = K.k.gaussian_nll(pm, px, ps, rows, cols, pg);
      K.k.gaussian_logvar_grad(pm, px, ps, rows, cols, 0, 9, pgs, 1); // columns 0..8 accumulate onto 1
      K.k.gaussian_logvar_grad(pm, px, ps, rows, cols, 9, cols, pgs, 0); // 9.. are overwritten
      let ref = 0;
      const g = new Float64Array(rows * cols), gs = Float64Array.from({ length: cols }, (_, c) => (c < 9 ? 1 : 0));
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) {
        const i = r * cols + c, d = mean[i] - x[i], inv = Math.exp(-s[c]);
        ref += 0.5 * (Math.log(2 * Math.PI) + s[c] + d * d * inv);
        g[i] = d * inv;
        gs[c] += 0.5 * (1 - d * d * inv);
      }
      expect(Math.abs(total - ref)).toBeLessThan(1e-4 * Math.abs(ref));
      expect(worstError(K.get(pg, rows * cols), g, 1e-6, 1e-5)).toBeLessThanOrEqual(1);
      expect(worstError(K.get(pgs, cols), gs, 1e-5, 1e-5)).toBeLessThanOrEqual(1);
    });

    it('latent_forward and latent_backward: z = μ + σε, analytic KL, and their gradients', () => {
      const next = rng(5);
      for (const [rows, L] of [[1, 1], [3, 5], [5, 17]]) {
        const head = randomArray(rows * 2 * L, next, -1.5, 1.5), eps = randomArray(rows * L, next, -2, 2), dz = randomArray(rows * L, next);
        const ph = K.put(head), pe = K.put(eps), pz = K.arena.allocFloats(rows * L), pd = K.put(dz), pdh = K.arena.allocFloats(rows * 2 * L);
        const beta = 0.7;
        const kl = K.k.latent_forward(ph, rows, L, pe, pz);
        K.k.latent_backward(ph, rows, L, pe, pd, pdh, beta);
        let refKl = 0;
        const z: number[] = [], dh: number[] = new Array(rows * 2 * L);
        for (let r = 0; r < rows; r++) for (let j = 0; j < L; j++) {
          const mu = head[r * 2 * L + j], lv = head[r * 2 * L + L + j], e = eps[r * L + j], g = dz[r * L + j];
          refKl += -0.5 * (1 + lv - mu * mu - Math.exp(lv));
          z.push(mu + Math.exp(0.5 * lv) * e);
          dh[r * 2 * L + j] = g + beta * mu;
          dh[r * 2 * L + L + j] = g * e * 0.5 * Math.exp(0.5 * lv) + beta * 0.5 * (Math.exp(lv) - 1);
        }
        expect(Math.abs(kl - refKl)).toBeLessThan(1e-5 * (1 + Math.abs(refKl)));
        expect(worstError(K.get(pz, rows * L), z, 1e-6, 1e-6)).toBeLessThanOrEqual(1);
        expect(worstError(K.get(pdh, rows * 2 * L), dh, 1e-6, 1e-5)).toBeLessThanOrEqual(1);
      }
    });

    it('normal_rows is a pure function of (seed, stream, index, j) with N(0,1) moments', () => {
      const rows = 2000, cols = 5;
      const a = K.arena.allocFloats(rows * cols), b = K.arena.allocFloats(3 * cols);
      K.k.normal_rows(a, rows, cols, 0, 0, 42, 3);
      const idx = K.arena.alloc(12);
      K.arena.i32(idx, 3).set([1999, 7, 0]);
      K.k.normal_rows(b, 3, cols, idx, 0, 42, 3);
      const all = K.get(a, rows * cols), picked = K.get(b, 3 * cols);
      for (const [r, i] of [[0, 1999], [1, 7], [2, 0]]) expect(Array.from(picked.subarray(r * cols, r * cols + cols))).toEqual(Array.from(all.subarray(i * cols, i * cols + cols)));
      const mean = all.reduce((s, v) => s + v, 0) / all.length;
      const variance = all.reduce((s, v) => s + (v - mean) ** 2, 0) / all.length;
      expect(Math.abs(mean)).toBeLessThan(0.05);
      expect(Math.abs(variance - 1)).toBeLessThan(0.05);
      const other = K.arena.allocFloats(cols);
      K.k.normal_rows(other, 1, cols, 0, 0, 42, 4);
      expect(Array.from(K.get(other, cols))).not.toEqual(Array.from(all.subarray(0, cols)));
    });

    it('uniform_fill stays in [lo, hi) and is reproducible', () => {
      const n = 1001, a = K.arena.allocFloats(n), b = K.arena.allocFloats(n);
      K.k.uniform_fill(a, n, -0.25, 0.5, 9, 1, 0);
      K.k.uniform_fill(b, n, -0.25, 0.5, 9, 1, 0);
      const va = K.get(a, n);
      expect(Array.from(va)).toEqual(Array.from(K.get(b, n)));
      expect(Math.min(...va)).toBeGreaterThanOrEqual(-0.25);
      expect(Math.max(...va)).toBeLessThan(0.5);
    });

    it('adam_step and adamw match torch.optim semantics over several steps', () => {
      const next = rng(11);
      // Each weight-decay form (none, coupled, decoupled) has its own vector loop; n = 70 runs
      // the four-vector body, the one-vector loop and the scalar tail.
      for (const [decoupled, wd] of [[0, 0], [0, 0.1], [1, 0.1]]) for (const n of [1, 5, 17, 70]) {
        const p = randomArray(n, next), pp = K.put(p), pm = K.put(new Float32Array(n)), pv = K.put(new Float32Array(n));
        const pg = K.arena.allocFloats(n);
        const ref = Float64Array.from(p), m = new Float64Array(n), v = new Float64Array(n);
        const lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8, scale = 0.5;
        for (let t = 1; t <= 5; t++) {
          const g = randomArray(n, next);
          K.arena.f32(pg, n).set(g);
          K.k.adam_step(pp, pg, pm, pv, n, lr, b1, b2, eps, t, scale, wd, decoupled);
          for (let i = 0; i < n; i++) {
            if (decoupled) ref[i] *= 1 - lr * wd;
            const gi = g[i] * scale + (decoupled ? 0 : wd * ref[i]);
            m[i] = b1 * m[i] + (1 - b1) * gi;
            v[i] = b2 * v[i] + (1 - b2) * gi * gi;
            ref[i] -= (lr / (1 - b1 ** t)) * m[i] / (Math.sqrt(v[i]) / Math.sqrt(1 - b2 ** t) + eps);
          }
        }
        expect(worstError(K.get(pp, n), ref, 1e-6, 1e-5)).toBeLessThanOrEqual(1);
      }
    });

    it('optimiser moments that decay below 1e-30 become exactly zero (no subnormals)', () => {
      const n = 9, pp = K.put(new Float32Array(n).fill(0.5)), pg = K.put(new Float32Array(n)); // zero gradients
      // m: 1e-28 · 0.9^t falls under 1e-30 after 44 steps; v starts under it.
      const pm = K.put(new Float32Array(n).fill(1e-28)), pv = K.put(new Float32Array(n).fill(5e-31));
      for (let t = 1; t <= 43; t++) K.k.adam_step(pp, pg, pm, pv, n, 1e-3, 0.9, 0.999, 1e-8, t, 1, 0, 0);
      expect(K.get(pm, n)[0]).toBeGreaterThan(0); // not flushed while still above 1e-30
      for (let t = 44; t <= 50; t++) K.k.adam_step(pp, pg, pm, pv, n, 1e-3, 0.9, 0.999, 1e-8, t, 1, 0, 0);
      expect(Array.from(K.get(pm, n))).toEqual(new Array(n).fill(0));
      expect(Array.from(K.get(pv, n))).toEqual(new Array(n).fill(0));
      const pb = K.put(new Float32Array(n).fill(1.5e-30));
      K.k.sgd_step(pp, pg, pb, n, 0.1, 0.5, 0, 1, 0); // 0.5 · 1.5e-30 < 1e-30
      expect(Array.from(K.get(pb, n))).toEqual(new Array(n).fill(0));
    });

    it('sgd_step with momentum and nesterov matches torch.optim.SGD', () => {
      const next = rng(12);
      for (const nesterov of [0, 1]) {
        const n = 7, p = randomArray(n, next), pp = K.put(p), pb = K.put(new Float32Array(n)), pg = K.arena.allocFloats(n);
        const ref = Float64Array.from(p), buf = new Float64Array(n);
        for (let t = 0; t < 4; t++) {
          const g = randomArray(n, next);
          K.arena.f32(pg, n).set(g);
          K.k.sgd_step(pp, pg, pb, n, 0.1, 0.9, 0.01, 2, nesterov);
          for (let i = 0; i < n; i++) {
            const gi = g[i] * 2 + 0.01 * ref[i];
            buf[i] = 0.9 * buf[i] + gi;
            ref[i] -= 0.1 * (nesterov ? gi + 0.9 * buf[i] : buf[i]);
          }
        }
        expect(worstError(K.get(pp, n), ref, 1e-6, 1e-5)).toBeLessThanOrEqual(1);
      }
    });

    it('concat_onehot and take_cols: rows joined to one-hot labels (by index list or from start), and split back', () => {
      const next = rng(21);
      for (const [rows, cols, classes] of [[1, 1, 2], [3, 5, 3], [7, 17, 10]]) {
        const src = randomArray(rows * cols, next), labels = Array.from({ length: 40 }, (_, i) => (i * 7) % classes);
        const idxList = Array.from({ length: rows }, (_, r) => (r * 3 + 1) % 40);
        const lab = K.arena.alloc(4 * 40); K.arena.i32(lab, 40).set(labels);
        const idx = K.arena.alloc(4 * rows); K.arena.i32(idx, rows).set(idxList);
        for (const [useIdx, start] of [[true, 0], [false, 5]] as const) {
          const dst = K.put(new Array(rows * (cols + classes)).fill(-9));
          K.k.concat_onehot(dst, K.put(src), rows, cols, lab, useIdx ? idx : 0, start, classes);
          const got = K.get(dst, rows * (cols + classes));
          const want = new Float32Array(rows * (cols + classes));
          for (let r = 0; r < rows; r++) {
            want.set(src.subarray(r * cols, (r + 1) * cols), r * (cols + classes));
            want[r * (cols + classes) + cols + labels[useIdx ? idxList[r] : start + r]] = 1;
          }
          expect(Array.from(got), `${rows}x${cols}+${classes} ${useIdx ? 'idx' : 'start'}`).toEqual(Array.from(want));
          const back = K.put(new Array(rows * cols).fill(0));
          K.k.take_cols(back, dst, rows, cols, cols + classes);
          expect(Array.from(K.get(back, rows * cols))).toEqual(Array.from(src));
        }
      }
    });

    it('column sums, sum of squares, scale, fill, gathers and first_invalid', () => {
      const next = rng(13);
      const rows = 5, cols = 17, src = randomArray(rows * cols, next), ps = K.put(src);
      const cs = K.put(new Float32Array(cols).fill(2));
      K.k.col_sums(cs, ps, rows, cols, cols, 0.5);
      const ref = Array.from({ length: cols }, (_, c) => 1 + Array.from({ length: rows }, (_, r) => src[r * cols + c]).reduce((a, b) => a + b));
      expect(worstError(K.get(cs, cols), ref, 1e-6, 1e-6)).toBeLessThanOrEqual(1);
      // A column block [3, 3+7) of the same rows, through the leading dimension.
      const columns = K.arena.allocFloats(7);
      K.k.col_sums(columns, ps + 4 * 3, rows, 7, cols, 0);
      expect(worstError(K.get(columns, 7), ref.slice(3, 10).map((v) => v - 1), 1e-6, 1e-6)).toBeLessThanOrEqual(1);
      // Each column one f32 chain over the rows in order, whichever block of columns it falls in
      // (16 at a time, 4, then one): 37 columns of 33 rows, ld 40, beta 0.5, to the bit.
      const block = randomArray(33 * 40, next), start = randomArray(37, next), sums = K.put(start);
      K.k.col_sums(sums, K.put(block), 33, 37, 40, 0.5);
      const chains = Float32Array.from(start, (v, c) => {
        let acc = Math.fround(0.5 * v);
        for (let r = 0; r < 33; r++) acc = Math.fround(acc + block[r * 40 + c]);
        return acc;
      });
      expect(Array.from(K.get(sums, 37))).toEqual(Array.from(chains));

      expect(Math.abs(K.k.sum_squares(ps, rows * cols) - src.reduce((s, v) => s + v * v, 0))).toBeLessThan(1e-4);
      K.k.scale(ps, 3, -2);
      expect(Array.from(K.get(ps, 3))).toEqual(Array.from(src.subarray(0, 3), (v) => Math.fround(v * -2)));
      K.k.fill(ps, 5, 0.25);
      expect(Array.from(K.get(ps, 6)).slice(0, 5)).toEqual([0.25, 0.25, 0.25, 0.25, 0.25]);

      const bytes = K.arena.alloc(3 * 5);
      K.arena.u8(bytes, 15).set(Array.from({ length: 15 }, (_, i) => i * 17));
      const idx = K.arena.alloc(8);
      K.arena.i32(idx, 2).set([2, 0]);
      const out = K.arena.allocFloats(10);
      K.k.gather_u8(out, bytes, idx, 0, 2, 5, 1 / 255);
      expect(Array.from(K.get(out, 10))).toEqual([10, 11, 12, 13, 14, 0, 1, 2, 3, 4].map((i) => Math.fround((i * 17) * Math.fround(1 / 255))));
      // Rows of 37 pixels: two 16-pixel vector blocks and a scalar tail, every byte value.
      const wide = K.arena.alloc(4 * 37), wideOut = K.arena.allocFloats(3 * 37);
      const pixels = Array.from({ length: 4 * 37 }, (_, i) => (i * 97 + 13) % 256);
      K.arena.u8(wide, pixels.length).set(pixels);
      K.arena.i32(idx, 2).set([3, 1]);
      K.k.gather_u8(wideOut, wide, idx, 0, 2, 37, 1 / 255);
      K.k.gather_u8(wideOut + 4 * 2 * 37, wide, 0, 2, 1, 37, 1 / 255);
      const rowOf = (r: number) => pixels.slice(37 * r, 37 * r + 37).map((b) => Math.fround(b * Math.fround(1 / 255)));
      expect(Array.from(K.get(wideOut, 3 * 37))).toEqual([...rowOf(3), ...rowOf(1), ...rowOf(2)]);
      K.k.gather_f32(out, ps + 4 * 5, 0, 1, 2, 5);
      expect(Array.from(K.get(out, 10))).toEqual(Array.from(K.get(ps + 4 * 10, 10)));

      const bad = K.put([0, 0.5, 1, 0.2, NaN, 2]);
      expect(K.k.first_invalid(bad, 6, 0, 1)).toBe(4);
      expect(K.k.first_invalid(bad, 4, 0, 1)).toBe(-1);
      expect(K.k.first_invalid(K.put([0, Infinity]), 2, -Infinity, Infinity)).toBe(1);
      expect(K.k.first_invalid(K.put([0.5, 1.5]), 2, 0, 1)).toBe(1);
      // all_finite: every length through the 8-wide body and the tail, each bad value at each place.
      for (const n of [1, 3, 7, 8, 9, 17, 33]) {
        const finite = Array.from({ length: n }, (_, i) => (i % 2 ? -1 : 1) * 3e38 * ((i + 1) / n));
        expect(K.k.all_finite(K.put(finite), n), `n=${n}`).toBe(1);
        for (const bad of [NaN, Infinity, -Infinity]) {
          for (let at = 0; at < n; at++) {
            const v = finite.slice(); v[at] = bad;
            expect(K.k.all_finite(K.put(v), n), `n=${n} ${bad} at ${at}`).toBe(0);
          }
        }
      }
    });
  });
}
