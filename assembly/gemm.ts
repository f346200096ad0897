// General matrix multiply in the three layouts a dense layer needs.
//
//   gemm_nt: C = beta·C + A·Bᵀ   A [m×k], B [n×k]   (forward: Y = X·Wᵀ)
//   gemm_nn: C = beta·C + A·B    A [m×k], B [k×n]   (input gradient: dX = dY·W)
//   gemm_tn: C = beta·C + Aᵀ·B   A [k×m], B [k×n]   (weight gradient: dW = dYᵀ·X)
//
// All matrices are row-major f32 with leading dimensions in elements; pointers are byte offsets.
// A is packed in 4-row panels and B one panel of NR = 8 columns by at most KC rows at a time, into
// `scratch` (gemm_scratch_bytes(), caller-provided: kernels never allocate). A 4×8 register tile
// of C is held in eight f32x4 accumulators; each k step loads two vectors of the packed panel and
// splats four elements of A (the shape measured fastest on this CPU, shared/notes/PERF.md).
//
// gemm_nt_bias_act is the forward pass of a dense layer, Y = act(X·Wᵀ + b): the bias and the
// activation are applied to each tile of C after its last block of k, on the accumulators where
// it can be (see drive), else on the tile just stored, while it is in L1.

import { bias_act_block, isVectorAct, vectorAct } from './elementwise';

/** act code for "no epilogue". */
const NO_EPILOGUE: i32 = -1;

export const NR: i32 = 8;
export const MR: i32 = 4;
export const KC: i32 = 512;
/**
 * Rows of A packed at a time when k fills a block of KC; a shorter block packs proportionally
 * more rows (the packed block of A is at most MC × KC floats, 256 KiB, in L2), so that each
 * packed panel of B serves more rows: a weight gradient (k = the batch) packs B once per 512 rows
 * instead of once per 128.
 */
export const MC: i32 = 128;

// a·b + c; the relaxed build fuses it (f32x4.relaxed_madd), the plain build rounds twice.
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_madd(a, b, c);
  } else {
    return f32x4.add(c, f32x4.mul(a, b));
  }
}

/** Bytes of scratch that the gemm kernels need. */
export function gemm_scratch_bytes(): i32 {
  return (NR * KC + MR * NR + MC * KC) * 4;
}

// Writes the transpose of the 4×4 block whose rows start at src (ss bytes apart) as rows at dst
// (ds bytes apart), through registers.
// @ts-ignore: decorator
@inline export function transpose4(src: usize, ss: usize, dst: usize, ds: usize): void {
  const r0 = v128.load(src), r1 = v128.load(src + ss), r2 = v128.load(src + 2 * ss), r3 = v128.load(src + 3 * ss);
  const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5), t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7), t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(dst, i32x4.shuffle(t0, t1, 0, 1, 4, 5));
  v128.store(dst + ds, i32x4.shuffle(t0, t1, 2, 3, 6, 7));
  v128.store(dst + 2 * ds, i32x4.shuffle(t2, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * ds, i32x4.shuffle(t2, t3, 2, 3, 6, 7));
}

// Packs rows [i0, i0+mc) × k [k0, k0+kc) of op(A) (element (i, k) at a + i·sai + k·sak) into dst
// as panels of 4 rows: panel p holds [kc][4] (rows past mc are zero). Full panels are copied a
// vector at a time: when a row is contiguous in k (sak = 4), 4 rows × 4 k go through a 4×4
// register transpose; when a column is (sai = 4), the 4 rows at one k are one load.
function packA(a: usize, sai: usize, sak: usize, i0: i32, mc: i32, k0: i32, kc: i32, dst: usize): void {
  for (let p = 0; p < mc; p += MR) {
    const rows = min(MR, mc - p);
    const panel = dst + ((<usize>p * <usize>kc) << 2);
    const src = a + <usize>(i0 + p) * sai + <usize>k0 * sak;
    let kk = 0;
    if (rows == MR && sak == 4) {
      const k4 = kc & ~3;
      for (; kk < k4; kk += 4) transpose4(src + (<usize>kk << 2), sai, panel + (<usize>kk << 4), 16);
    } else if (rows == MR && sai == 4) {
      for (; kk < kc; kk++) v128.store(panel + (<usize>kk << 4), v128.load(src + <usize>kk * sak));
    }
    // What is left (k past the last group of 4, partial panels, other strides) one element at a time.
    for (let r = 0; r < MR; r++) {
      let out = panel + ((<usize>kk * MR + <usize>r) << 2);
      let from = src + <usize>r * sai + <usize>kk * sak;
      for (let k = kk; k < kc; k++) {
        store<f32>(out, r < rows ? load<f32>(from) : 0);
        from += sak;
        out += MR << 2;
      }
    }
  }
}

// Packs rows [k0, k0+kc) and columns [j0, j0+nc) of a k×n row-major B into dst as [kc][8],
// zero-padding columns nc..7.
function packRowMajor(b: usize, ldb: i32, k0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  let src = b + ((<usize>k0 * <usize>ldb + <usize>j0) << 2);
  const stride = <usize>ldb << 2;
  if (nc == NR) {
    for (let kk = 0; kk < kc; kk++) {
      v128.store(dst, v128.load(src));
      v128.store(dst, v128.load(src, 16), 16);
      src += stride;
      dst += NR << 2;
    }
    return;
  }
  for (let kk = 0; kk < kc; kk++) {
    for (let c = 0; c < NR; c++) {
      store<f32>(dst + (<usize>c << 2), c < nc ? load<f32>(src + (<usize>c << 2)) : 0);
    }
    src += stride;
    dst += NR << 2;
  }
}

// Packs the same panel of op(B) = Bᵀ where B is n×k row-major: dst[kk][c] = B[j0+c][k0+kk].
// Full panels go 4 rows × 4 k at a time through a 4×4 transpose in registers.
function packTransposed(b: usize, ldb: i32, k0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  const rowBytes = <usize>ldb << 2;
  let kk = 0;
  if (nc == NR) {
    const k4 = kc & ~3;
    for (; kk < k4; kk += 4) {
      for (let g = 0; g < 2; g++) { // columns 4g .. 4g+3 of the panel = rows j0+4g .. of B
        transpose4(b + <usize>(j0 + 4 * g) * rowBytes + ((<usize>(k0 + kk)) << 2), rowBytes,
          dst + ((<usize>kk * NR + <usize>(4 * g)) << 2), NR * 4);
      }
    }
  }
  // The remaining k (and partial panels) one element at a time, zero-padding columns nc..7.
  for (let c = 0; c < NR; c++) {
    let out = dst + ((<usize>kk * NR + <usize>c) << 2);
    let src = b + <usize>(j0 + c) * rowBytes + ((<usize>(k0 + kk)) << 2);
    for (let k = kk; k < kc; k++) {
      store<f32>(out, c < nc ? load<f32>(src) : 0);
      src += 4;
      out += NR << 2;
    }
  }
}

// Accumulators start from beta·C (not from 0 with beta·C added at the end), so that a K-block or
// a later call with beta = 1 continues each element's single summation chain exactly: a sum over
// k split across calls rounds exactly as one call over all of k.
// @ts-ignore: decorator
@inline function loadRow(c: usize, nc: i32, beta: f32, tile: usize, hi: bool): v128 {
  if (beta == 0) return f32x4.splat(0);
  let v: v128;
  if (nc == NR) {
    v = v128.load(c + (hi ? 16 : 0));
  } else {
    const base = hi ? 4 : 0;
    for (let j = 0; j < 4; j++) {
      const col = base + j;
      store<f32>(tile + (<usize>j << 2), col < nc ? load<f32>(c + (<usize>col << 2)) : 0);
    }
    v = v128.load(tile);
  }
  return beta == 1 ? v : f32x4.mul(v, f32x4.splat(beta));
}

// Stores one accumulated row of 8 columns (only the first nc) to C.
// @ts-ignore: decorator
@inline function storeRow(c: usize, lo: v128, hi: v128, nc: i32, tile: usize): void {
  if (nc == NR) {
    v128.store(c, lo);
    v128.store(c, hi, 16);
    return;
  }
  v128.store(tile, lo);
  v128.store(tile, hi, 16);
  for (let j = 0; j < nc; j++) store<f32>(c + (<usize>j << 2), load<f32>(tile + (<usize>j << 2)));
}

// 4×8 tile over kc packed steps: A packed as [kc][4] at ap, B as [kc][8] at bp.
export function tile4x8(kc: i32, ap: usize, bp: usize, c: usize, ldcBytes: usize, nc: i32, beta: f32, tile: usize): void {
  tileBody(kc, ap, bp, c, ldcBytes, nc, beta, tile, false, 0, 0, 0);
}

// The same for a full panel (nc = 8) with act(acc + bias[0..8]) applied in registers before the
// store, exactly as bias_act would (act: one that vectorAct computes). A separate function, so
// that the plain tile carries no epilogue parameters (measured: 8% slower at k = 20 with them).
function tile4x8Act(kc: i32, ap: usize, bp: usize, c: usize, ldcBytes: usize, beta: f32, tile: usize,
                    bias: usize, act: i32, alpha: f32): void {
  tileBody(kc, ap, bp, c, ldcBytes, NR, beta, tile, true, bias, act, alpha);
}

// @ts-ignore: decorator
@inline function tileBody(kc: i32, ap: usize, bp: usize, c: usize, ldcBytes: usize, nc: i32, beta: f32, tile: usize,
                          fused: bool, bias: usize, act: i32, alpha: f32): void {
  const c1 = c + ldcBytes, c2 = c + 2 * ldcBytes, c3 = c + 3 * ldcBytes;
  let c00 = loadRow(c, nc, beta, tile, false), c01 = loadRow(c, nc, beta, tile, true);
  let c10 = loadRow(c1, nc, beta, tile, false), c11 = loadRow(c1, nc, beta, tile, true);
  let c20 = loadRow(c2, nc, beta, tile, false), c21 = loadRow(c2, nc, beta, tile, true);
  let c30 = loadRow(c3, nc, beta, tile, false), c31 = loadRow(c3, nc, beta, tile, true);
  for (let kk = 0; kk < kc; kk++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let x = v128.load32_splat(ap);
    c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(ap, 4);
    c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(ap, 8);
    c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    x = v128.load32_splat(ap, 12);
    c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
    ap += MR << 2;
    bp += NR << 2;
  }
  if (fused) {
    const va = f32x4.splat(alpha);
    if (bias) {
      const b0 = v128.load(bias), b1 = v128.load(bias, 16);
      c00 = f32x4.add(c00, b0); c01 = f32x4.add(c01, b1); c10 = f32x4.add(c10, b0); c11 = f32x4.add(c11, b1);
      c20 = f32x4.add(c20, b0); c21 = f32x4.add(c21, b1); c30 = f32x4.add(c30, b0); c31 = f32x4.add(c31, b1);
    }
    // The same vectorAct as bias_act.
    c00 = vectorAct(c00, act, va); c01 = vectorAct(c01, act, va); c10 = vectorAct(c10, act, va); c11 = vectorAct(c11, act, va);
    c20 = vectorAct(c20, act, va); c21 = vectorAct(c21, act, va); c30 = vectorAct(c30, act, va); c31 = vectorAct(c31, act, va);
  }
  storeRow(c, c00, c01, nc, tile);
  storeRow(c1, c10, c11, nc, tile);
  storeRow(c2, c20, c21, nc, tile);
  storeRow(c3, c30, c31, nc, tile);
}

// The 4×8 tile of the transposed problem (see gemm): its rows are 4 columns of C and its 8
// columns are 8 rows of C (the first nc). It is copied into `tile` as a row-major 4×8 block
// (through 4×4 transposes), run by tile4x8 there, and copied back: the same chain per element.
// `c` is C's element (row j0, column i).
function tile4x8T(kc: i32, ap: usize, bp: usize, c: usize, ldcBytes: usize, nc: i32, beta: f32, tile: usize): void {
  const full = nc == NR, row = <usize>(NR << 2);
  if (beta != 0) {
    if (full) {
      transpose4(c, ldcBytes, tile, row);
      transpose4(c + 4 * ldcBytes, ldcBytes, tile + 16, row);
    } else {
      for (let r = 0; r < MR; r++) for (let j = 0; j < NR; j++) {
        store<f32>(tile + <usize>r * row + (<usize>j << 2), j < nc ? load<f32>(c + <usize>j * ldcBytes + (<usize>r << 2)) : 0);
      }
    }
  }
  tile4x8(kc, ap, bp, tile, row, NR, beta, tile);
  if (full) {
    transpose4(tile, row, c, ldcBytes);
    transpose4(tile + 16, row, c + 4 * ldcBytes, ldcBytes);
  } else {
    for (let r = 0; r < MR; r++) for (let j = 0; j < nc; j++) {
      store<f32>(c + <usize>j * ldcBytes + (<usize>r << 2), load<f32>(tile + <usize>r * row + (<usize>j << 2)));
    }
  }
}

// 1×8 tile of the transposed problem for its last rows (columns of C): element j of the tile is
// C's element (row j0 + j, column i); run by tile1x8 on a copy in `tile`.
function tile1x8T(kc: i32, ap: usize, bp: usize, c: usize, ldcBytes: usize, nc: i32, beta: f32, tile: usize): void {
  if (beta != 0) for (let j = 0; j < NR; j++) store<f32>(tile + (<usize>j << 2), j < nc ? load<f32>(c + <usize>j * ldcBytes) : 0);
  tile1x8(kc, ap, bp, tile, NR, beta, tile);
  for (let j = 0; j < nc; j++) store<f32>(c + <usize>j * ldcBytes, load<f32>(tile + (<usize>j << 2)));
}

// 1×8 tile for the rows left over when m is not a multiple of 4. It accumulates each element in
// the same single chain over k as tile4x8, so a row's result never depends on its position.
function tile1x8(kc: i32, ap: usize, bp: usize, c: usize, nc: i32, beta: f32, tile: usize): void {
  let lo = loadRow(c, nc, beta, tile, false), hi = loadRow(c, nc, beta, tile, true);
  for (let kk = 0; kk < kc; kk++) {
    const x = v128.load32_splat(ap);
    lo = madd(x, v128.load(bp), lo);
    hi = madd(x, v128.load(bp, 16), hi);
    ap += MR << 2;
    bp += NR << 2;
  }
  storeRow(c, lo, hi, nc, tile);
}

function scaleMatrix(m: i32, n: i32, c: usize, ldc: i32, beta: f32): void {
  for (let i = 0; i < m; i++) {
    const row = c + ((<usize>i * <usize>ldc) << 2);
    for (let j = 0; j < n; j++) {
      const p = row + (<usize>j << 2);
      store<f32>(p, beta == 0 ? 0 : beta * load<f32>(p));
    }
  }
}

// Packs the 8-column panel [j0, j0+nc) × k [k0, k0+kc) of op(B), whose element (k, j) is at
// b + k·sbk + j·sbj bytes (one of the strides is 4), into dst as [kc][8].
// @ts-ignore: decorator
@inline function packB(b: usize, sbk: usize, sbj: usize, k0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  if (sbj == 4) packRowMajor(b, <i32>(sbk >> 2), k0, kc, j0, nc, dst);
  else packTransposed(b, <i32>(sbj >> 2), k0, kc, j0, nc, dst);
}

// y = act(y + bias[column]) on a block of C (rows × cols, C's own orientation) whose first column
// is column j of C.
// @ts-ignore: decorator
@inline function epilogue(block: usize, ldcBytes: usize, rows: i32, cols: i32, j: i32, bias: usize, act: i32, alpha: f32): void {
  bias_act_block(block, ldcBytes, rows, cols, bias ? bias + (<usize>j << 2) : 0, act, alpha);
}

// Shared driver: op(A) element (i, k) at a + i·sai + k·sak bytes, op(B) element (k, j) at
// b + k·sbk + j·sbj. For each block of at most KC of k and of MC·KC/kc rows (see MC), A is packed
// once into 4-row panels; then each 8-column panel of B is packed and swept by 4×8 tiles. With
// transC the tiles are stored transposed: C's element (i, j) is at c + j·ldc + i (in floats).
// Every element of C is one summation chain over k in order (see loadRow), whichever way the
// problem is laid out.
// The epilogue (if any) runs on each tile after the last block of k, indexed by C's columns.
function drive(m: i32, n: i32, k: i32, a: usize, sai: usize, sak: usize, b: usize, sbk: usize, sbj: usize,
               c: usize, ldc: i32, transC: bool, beta: f32, scratch: usize, bias: usize, act: i32, alpha: f32): void {
  const panel = scratch;
  const tile = scratch + (<usize>(NR * KC) << 2);
  const apack = tile + (<usize>(MR * NR) << 2);
  const ldcBytes = <usize>ldc << 2;
  // Byte steps in C for one row (i) and one column (j) of the problem.
  const ci: usize = transC ? 4 : ldcBytes, cj: usize = transC ? ldcBytes : 4;
  for (let k0 = 0; k0 < k; k0 += KC) {
    const kc = min(KC, k - k0);
    const bt: f32 = k0 == 0 ? beta : 1;
    const last = act != NO_EPILOGUE && k0 + kc == k;
    const rowsPerBlock = max(MC, (MC * KC / kc) & ~(MR - 1));
    for (let i0 = 0; i0 < m; i0 += rowsPerBlock) {
      const mc = min(rowsPerBlock, m - i0);
      packA(a, sai, sak, i0, mc, k0, kc, apack);
      const m4 = mc & ~3;
      for (let j0 = 0; j0 < n; j0 += NR) {
        const nc = min(NR, n - j0);
        packB(b, sbk, sbj, k0, kc, j0, nc, panel);
        // The epilogue of a full panel's 4-row tiles runs on the accumulators, before the store.
        const inRegisters = last && nc == NR && isVectorAct(act);
        const cBlock = c + <usize>j0 * cj + <usize>i0 * ci;
        let i = 0;
        for (; i < m4; i += MR) {
          const ap = apack + ((<usize>i * <usize>kc) << 2), cp = cBlock + <usize>i * ci;
          if (transC) {
            tile4x8T(kc, ap, panel, cp, ldcBytes, nc, bt, tile);
            if (last) epilogue(cp, ldcBytes, nc, MR, i0 + i, bias, act, alpha);
          } else if (inRegisters) {
            tile4x8Act(kc, ap, panel, cp, ldcBytes, bt, tile, bias ? bias + (<usize>j0 << 2) : 0, act, alpha);
          } else {
            tile4x8(kc, ap, panel, cp, ldcBytes, nc, bt, tile);
            if (last) epilogue(cp, ldcBytes, MR, nc, j0, bias, act, alpha);
          }
        }
        for (; i < mc; i++) {
          // Row i sits in panel m4 at lane i − m4.
          const ap = apack + ((<usize>m4 * <usize>kc + <usize>(i - m4)) << 2), cp = cBlock + <usize>i * ci;
          if (transC) {
            tile1x8T(kc, ap, panel, cp, ldcBytes, nc, bt, tile);
            if (last) epilogue(cp, ldcBytes, nc, 1, i0 + i, bias, act, alpha);
          } else {
            tile1x8(kc, ap, panel, cp, nc, bt, tile);
            if (last) epilogue(cp, ldcBytes, 1, nc, j0, bias, act, alpha);
          }
        }
      }
    }
  }
}

// C = beta·C + op(A)·op(B). When B is narrow (n ≤ 24, at most three 8-column panels, the last
// maybe part-empty) and A has more rows, the problem is run transposed, Cᵀ = op(B)ᵀ·op(A)ᵀ, so
// that the wide side fills the 8-column panels; each element is still the same chain over k.
function gemm(m: i32, n: i32, k: i32, a: usize, sai: usize, sak: usize, b: usize, sbk: usize, sbj: usize,
              c: usize, ldc: i32, beta: f32, scratch: usize,
              bias: usize = 0, act: i32 = NO_EPILOGUE, alpha: f32 = 0): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    scaleMatrix(m, n, c, ldc, beta);
    if (act != NO_EPILOGUE) epilogue(c, <usize>ldc << 2, m, n, 0, bias, act, alpha);
    return;
  }
  if (n <= 3 * NR && m > n) drive(n, m, k, b, sbj, sbk, a, sak, sai, c, ldc, true, beta, scratch, bias, act, alpha);
  else drive(m, n, k, a, sai, sak, b, sbk, sbj, c, ldc, false, beta, scratch, bias, act, alpha);
}

/** C[m×n] = beta·C + A·Bᵀ, with A [m×k] and B [n×k] row-major. */
export function gemm_nt(m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32,
                        c: usize, ldc: i32, beta: f32, scratch: usize): void {
  gemm(m, n, k, a, <usize>lda << 2, 4, b, 4, <usize>ldb << 2, c, ldc, beta, scratch);
}

/**
 * C[m×n] = act(A·Bᵀ + bias) (bias [n], 0 for none; act codes as bias_act): a dense layer's
 * forward pass, bit-identical to gemm_nt followed by bias_act.
 */
export function gemm_nt_bias_act(m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32,
                                 c: usize, ldc: i32, bias: usize, act: i32, alpha: f32, scratch: usize): void {
  gemm(m, n, k, a, <usize>lda << 2, 4, b, 4, <usize>ldb << 2, c, ldc, 0, scratch, bias, act, alpha);
}

/** C[m×n] = beta·C + A·B, with A [m×k] and B [k×n] row-major. */
export function gemm_nn(m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32,
                        c: usize, ldc: i32, beta: f32, scratch: usize): void {
  gemm(m, n, k, a, <usize>lda << 2, 4, b, <usize>ldb << 2, 4, c, ldc, beta, scratch);
}

/** C[m×n] = beta·C + Aᵀ·B, with A [k×m] and B [k×n] row-major. */
export function gemm_tn(m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32,
                        c: usize, ldc: i32, beta: f32, scratch: usize): void {
  gemm(m, n, k, a, 4, <usize>lda << 2, b, <usize>ldb << 2, 4, c, ldc, beta, scratch);
}
