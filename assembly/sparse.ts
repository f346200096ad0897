// Skipping exact zeros in a dense layer's forward pass (issue 17, groundwork): MNIST rows are about
// 81 % zero pixels, and the first layer is about 38 % of the reference model's step. A row's
// outputs are accumulated over its nonzero inputs only, each input's weights to all outputs a
// contiguous row of Wᵀ. Every output is the dense GEMM's chain over k in ascending order with
// the zero terms left out, and a·0 + c = c, so the result is the dense path's to the bit (tested
// against gemm_nt_bias_act).
import { bias_act_block } from './elementwise';
import { madd, transpose4 } from './gemm';

/**
 * Y[r] = act(X[r]·W + b) over the nonzero entries of each row of X (rows × k, leading dimension
 * ldx), with wt = Wᵀ as k rows of n weights (leading dimension ldwt), Y rows × n (ldy). `idx` is
 * scratch for k i32. Epilogue as bias_act (bias 0: none).
 */
export function sparse_rows_bias_act(rows: i32, n: i32, k: i32, x: usize, ldx: i32, wt: usize, ldwt: i32, y: usize, ldy: i32,
                                     bias: usize, act: i32, alpha: f32, idx: usize): void {
  const wStride = <usize>ldwt << 2;
  for (let r = 0; r < rows; r++) {
    const xr = x + ((<usize>r * <usize>ldx) << 2), yr = y + ((<usize>r * <usize>ldy) << 2);
    let nz = 0;
    for (let kk = 0; kk < k; kk++) {
      if (load<f32>(xr + (<usize>kk << 2)) != 0) { store<i32>(idx + (<usize>nz << 2), kk); nz++; }
    }
    let j = 0;
    for (; j + 32 <= n; j += 32) {
      let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
      const col = <usize>j << 2;
      for (let t = 0; t < nz; t++) {
        const kk = <usize>load<i32>(idx + (<usize>t << 2));
        const v = v128.load32_splat(xr + (kk << 2)), w = wt + kk * wStride + col;
        a0 = madd(v, v128.load(w), a0); a1 = madd(v, v128.load(w, 16), a1);
        a2 = madd(v, v128.load(w, 32), a2); a3 = madd(v, v128.load(w, 48), a3);
        a4 = madd(v, v128.load(w, 64), a4); a5 = madd(v, v128.load(w, 80), a5);
        a6 = madd(v, v128.load(w, 96), a6); a7 = madd(v, v128.load(w, 112), a7);
      }
      const o = yr + col;
      v128.store(o, a0); v128.store(o, a1, 16); v128.store(o, a2, 32); v128.store(o, a3, 48);
      v128.store(o, a4, 64); v128.store(o, a5, 80); v128.store(o, a6, 96); v128.store(o, a7, 112);
    }
    for (; j + 4 <= n; j += 4) {
      let a = f32x4.splat(0);
      for (let t = 0; t < nz; t++) {
        const kk = <usize>load<i32>(idx + (<usize>t << 2));
        a = madd(v128.load32_splat(xr + (kk << 2)), v128.load(wt + kk * wStride + (<usize>j << 2)), a);
      }
      v128.store(yr + (<usize>j << 2), a);
    }
    for (; j < n; j++) { // the last n mod 4 outputs, one lane each (the same vector madd)
      let a = f32x4.splat(0);
      for (let t = 0; t < nz; t++) {
        const kk = <usize>load<i32>(idx + (<usize>t << 2));
        a = madd(v128.load32_splat(xr + (kk << 2)), v128.load32_splat(wt + kk * wStride + (<usize>j << 2)), a);
      }
      store<f32>(yr + (<usize>j << 2), f32x4.extract_lane(a, 0));
    }
    bias_act_block(yr, 0, 1, n, bias, act, alpha);
  }
}

/**
 * The number of values of x (n f32) that are not exactly zero, counted up to `limit` (it stops
 * there): what picks the sparse or the dense forward, so dense data pay for a short scan only.
 */
export function count_nonzero(x: usize, n: i32, limit: i32): i32 {
  let count = 0;
  for (let i = 0; i < n && count < limit; i++) if (load<f32>(x + (<usize>i << 2)) != 0) count++;
  return count;
}

/**
 * dst[c·ldDst + r] = src[r·ldSrc + c] for r < rows, c < cols: rows [u0, u1) of a weight [out, in]
 * written as columns of its transpose (the sparse forward's Wᵀ), 4×4 blocks through registers.
 */
export function transpose_block(dst: usize, ldDst: i32, src: usize, ldSrc: i32, rows: i32, cols: i32): void {
  const ds = <usize>ldDst << 2, ss = <usize>ldSrc << 2;
  const r4 = rows & ~3, c4 = cols & ~3;
  for (let r = 0; r < r4; r += 4) {
    for (let c = 0; c < c4; c += 4) transpose4(src + <usize>r * ss + (<usize>c << 2), ss, dst + <usize>c * ds + (<usize>r << 2), ds);
    for (let c = c4; c < cols; c++) {
      for (let i = 0; i < 4; i++) store<f32>(dst + <usize>c * ds + (<usize>(r + i) << 2), load<f32>(src + <usize>(r + i) * ss + (<usize>c << 2)));
    }
  }
  for (let r = r4; r < rows; r++) {
    for (let c = 0; c < cols; c++) store<f32>(dst + <usize>c * ds + (<usize>r << 2), load<f32>(src + <usize>r * ss + (<usize>c << 2)));
  }
}
