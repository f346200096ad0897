// GEMMs whose sparse operand is read through lists of its nonzeros, one list per row (or column)
// of it: a dense layer's forward, Y = act(X·Wᵀ + b), and weight gradient, dW = dYᵀ·X, over inputs
// that are mostly zeros (MNIST: 19 % nonzero pixels; a ReLU's outputs: about half), and
// C = beta·C + A·B over a ReLU's zeros (input gradients, a transposed conv's forward).
//
// The 4-row panels of the *_skip forms (gemm.ts) keep a k where any of four rows is nonzero: on
// MNIST 38 % of the forward's steps for 19 % nonzero values, on the MLP's decoder ReLU outputs
// (55 % nonzero) 94 %. Here each row of X (forward) or each column of X (weight gradient) is
// swept alone over its own nonzeros, 28 columns of C at a time in seven accumulators: per
// nonzero, one 8-byte load of its entry (value, k's address), a splat, seven loads of W's (or
// dY's) 28 values at that k, seven multiply-adds.
// (gemm-lists-a.ts: the weight gradient over the output gradient's zeros instead.)
//
// The same bits as the dense GEMMs: every element of C is one chain over k in order, starting
// from +0 (forward: then + bias, act, as gemm_nt_bias_act's epilogue) or beta·C, without the
// terms x·w with x = 0 exactly, which add nothing (the chain starts at +0 or beta·C and w is
// finite). A NaN in X is a nonzero (x ≠ 0 is true) and propagates as in the dense GEMM.

import { ACT_RELU, isVectorAct, vectorAct } from './elementwise';
import { gemm_nn_skip, gemm_nt_bias_act_skip, gemm_scratch_bytes, gemm_tn_skip } from './gemm';
import { pairSweepAct, pairSweepPlain, pairSweepRelu } from './gemm-lists-pairs';
import { transpose4 } from './gemm-pack';
import { madd } from './gemm-tiles';

/** Columns of C a sweep holds in registers: seven f32x4 accumulators (with eight, V8 keeps one in memory). */
export const W: i32 = 28;
/** Bytes of one k's row in a panel of W columns. */
const ROW: usize = <usize>W << 2;
/** List entries a block holds, 8 bytes each: a value (f32), then its k's address (u32). */
export const LIST_CAPACITY: i32 = 40960;
export const LIST_BYTES: usize = <usize>LIST_CAPACITY << 2;
/** Rows (forward) or columns (weight gradient) a block lists at most: its table of list starts. */
const BLOCK_LINES: i32 = 1020;
/** Scratch taken before the panel or tile: both lists, the compaction table (16 × 16 bytes), the list starts. */
export const LISTS_END: usize = 2 * LIST_BYTES + 256 + (<usize>(BLOCK_LINES + 4) << 2);

// The compaction table at `table`: for each 4-bit mask of nonzero lanes, the byte shuffle that
// moves those lanes, in order, to the front of a vector (i8x16.swizzle; 0x80 bytes give zeros).
export function writeCompactionTable(table: usize): void {
  for (let mask = 0; mask < 16; mask++) {
    const row = table + (<usize>mask << 4);
    let slot = 0;
    for (let lane = 0; lane < 4; lane++) {
      if (!((mask >> lane) & 1)) continue;
      for (let byte = 0; byte < 4; byte++) store<u8>(row + <usize>(4 * slot + byte), <u8>(4 * lane + byte));
      slot++;
    }
    for (let b = 4 * slot; b < 16; b++) store<u8>(row + <usize>b, 0x80);
  }
}

// Appends the nonzeros of the n contiguous floats at x to the lists from entry t (entries of 8
// bytes from `values`: the value, then origin + i·step), in order, and returns the new count. One
// load an entry, not two, in the sweeps, which are bound by their loads: 1.08× (forward) and 1.05×
// (weight gradient) on the MLP's decoder output layer (bench/ab-kernels.mjs lists_*). Four values at
// a time without a branch on them: the nonzero lanes are moved to the front by one shuffle of
// the values and one of their offsets, interleaved into 4 entries stored whole (the next store
// overwrites the rest).
// A NaN is nonzero (x ≠ 0) and is listed: it propagates as in the dense GEMM.
// @ts-ignore: decorator
@inline export function listNonzeros(x: usize, n: i32, step: u32, values: usize, t: i32, table: usize, origin: u32 = 0): i32 {
  const zero = f32x4.splat(0);
  let offsets = i32x4.add(i32x4(0, step, 2 * step, 3 * step), i32x4.splat(origin));
  const step4 = i32x4.splat(4 * step);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    const mask = i32x4.bitmask(f32x4.ne(v, zero));
    const shuffle = v128.load(table + (<usize>mask << 4));
    const e = values + (<usize>t << 3), kept = i8x16.swizzle(v, shuffle), at = i8x16.swizzle(offsets, shuffle);
    v128.store(e, i32x4.shuffle(kept, at, 0, 4, 1, 5));
    v128.store(e, i32x4.shuffle(kept, at, 2, 6, 3, 7), 16);
    offsets = i32x4.add(offsets, step4);
    t += <i32>popcnt(mask);
  }
  for (; i < n; i++) {
    const e = values + (<usize>t << 3), value = load<f32>(x + (<usize>i << 2));
    store<f32>(e, value);
    store<u32>(e, origin + <u32>i * step, 4);
    t += i32(value != 0);
  }
  return t;
}

// The nv (1..7, a constant at each call site) accumulators of one sweep: start from `from` (0:
// +0), add value·(the nv vectors at base + offset) for each entry in [e, end), in order; then
// (fused) + bias and act, as the dense GEMM's epilogue; stored at `to`.
// @ts-ignore: decorator
@inline function sweep(nv: i32, e: usize, end: usize, base: usize, from: usize, to: usize,
                       fused: bool, bias: usize, act: i32, alpha: f32): void {
  const z = f32x4.splat(0);
  let c0 = from ? v128.load(from) : z, c1 = nv > 1 && from ? v128.load(from, 16) : z;
  let c2 = nv > 2 && from ? v128.load(from, 32) : z, c3 = nv > 3 && from ? v128.load(from, 48) : z;
  let c4 = nv > 4 && from ? v128.load(from, 64) : z, c5 = nv > 5 && from ? v128.load(from, 80) : z;
  let c6 = nv > 6 && from ? v128.load(from, 96) : z;
  for (; e < end; e += 8) {
    const entry = load<u64>(e), x = f32x4.splat(reinterpret<f32>(<u32>entry)), p = base + <usize>(entry >>> 32);
    c0 = madd(x, v128.load(p), c0);
    if (nv > 1) c1 = madd(x, v128.load(p, 16), c1);
    if (nv > 2) c2 = madd(x, v128.load(p, 32), c2);
    if (nv > 3) c3 = madd(x, v128.load(p, 48), c3);
    if (nv > 4) c4 = madd(x, v128.load(p, 64), c4);
    if (nv > 5) c5 = madd(x, v128.load(p, 80), c5);
    if (nv > 6) c6 = madd(x, v128.load(p, 96), c6);
  }
  if (fused) {
    const va = f32x4.splat(alpha);
    if (bias) {
      c0 = f32x4.add(c0, v128.load(bias));
      if (nv > 1) c1 = f32x4.add(c1, v128.load(bias, 16));
      if (nv > 2) c2 = f32x4.add(c2, v128.load(bias, 32));
      if (nv > 3) c3 = f32x4.add(c3, v128.load(bias, 48));
      if (nv > 4) c4 = f32x4.add(c4, v128.load(bias, 64));
      if (nv > 5) c5 = f32x4.add(c5, v128.load(bias, 80));
      if (nv > 6) c6 = f32x4.add(c6, v128.load(bias, 96));
    }
    c0 = vectorAct(c0, act, va); c1 = vectorAct(c1, act, va); c2 = vectorAct(c2, act, va); c3 = vectorAct(c3, act, va);
    c4 = vectorAct(c4, act, va); c5 = vectorAct(c5, act, va); c6 = vectorAct(c6, act, va);
  }
  v128.store(to, c0);
  if (nv > 1) v128.store(to, c1, 16);
  if (nv > 2) v128.store(to, c2, 32);
  if (nv > 3) v128.store(to, c3, 48);
  if (nv > 4) v128.store(to, c4, 64);
  if (nv > 5) v128.store(to, c5, 80);
  if (nv > 6) v128.store(to, c6, 96);
}

// sweep with nv a constant: the full width, or C's last columns (rows) ((n % 28) / 4 vectors).
// @ts-ignore: decorator
@inline export function sweepAny(nv: i32, e: usize, end: usize, base: usize, from: usize, to: usize,
                          fused: bool, bias: usize, act: i32, alpha: f32): void {
  if (nv == 7) sweep(7, e, end, base, from, to, fused, bias, act, alpha);
  else if (nv == 6) sweep(6, e, end, base, from, to, fused, bias, act, alpha);
  else if (nv == 5) sweep(5, e, end, base, from, to, fused, bias, act, alpha);
  else if (nv == 4) sweep(4, e, end, base, from, to, fused, bias, act, alpha);
  else if (nv == 3) sweep(3, e, end, base, from, to, fused, bias, act, alpha);
  else if (nv == 2) sweep(2, e, end, base, from, to, fused, bias, act, alpha);
  else sweep(1, e, end, base, from, to, fused, bias, act, alpha);
}

// Whether the scratch holds the lists and `after` bytes of panel or tile after them.
// @ts-ignore: decorator
@inline function listsFit(after: usize, scratchBytes: usize): bool {
  return LISTS_END + after <= scratchBytes;
}

/**
 * C[m×n] = act(A·op(B) + bias) (fused) or beta·C + A·op(B), A [m×k] mostly zeros, op(B)'s element
 * (k, j) at b + k·sbk + j·sbj (one of the strides 4: a layer's weight, [n×k] or [k×n]), through
 * lists of each row of A's nonzeros; n a multiple of 4, act one the fused epilogue computes (the
 * caller checks). Rows are taken in blocks whose lists fit; for each 28 columns of C, a panel of
 * op(B) ([k][28]) is packed once a block and swept by each row's list.
 */
function gemmRowLists(m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, sbk: usize, sbj: usize, c: usize, ldc: i32,
                      beta: f32, fused: bool, bias: usize, act: i32, alpha: f32, scratch: usize): void {
  const values = scratch, table = scratch + 2 * LIST_BYTES, starts = table + 256, panel = scratch + LISTS_END;
  writeCompactionTable(table);
  if (!fused) scaleForBeta(c, m, n, ldc, beta);
  for (let i0 = 0; i0 < m;) {
    let t = 0, rows = 0;
    store<i32>(starts, 0);
    // Lists of rows i0, i0 + 1, … while a whole row's entries (and a vector's slack) still fit.
    while (i0 + rows < m && rows < BLOCK_LINES && t + k + 4 <= LIST_CAPACITY) {
      // Entries hold their k's address in the panel (the same panel for every 28 columns): one add
      // fewer an entry than an offset (1.057×, bench/ab-kernels.mjs lists_forward).
      t = listNonzeros(a + (<usize>(i0 + rows) * <usize>lda << 2), k, <u32>ROW, values, t, table, <u32>panel);
      rows++;
      store<i32>(starts + (<usize>rows << 2), t);
    }
    for (let j0 = 0; j0 < n; j0 += W) {
      const nv = min(W, n - j0) >> 2;
      if (sbj == 4) packRows(b + (<usize>j0 << 2), sbk, k, nv, panel);
      else packPanel(b + <usize>j0 * sbj, sbj, k, nv, panel);
      const bj = bias ? bias + (<usize>j0 << 2) : 0;
      for (let r = 0; r < rows; r++) {
        const e = values + (<usize>load<i32>(starts + (<usize>r << 2)) << 3);
        const end = values + (<usize>load<i32>(starts + (<usize>(r + 1) << 2)) << 3);
        const to = c + ((<usize>(i0 + r) * <usize>ldc + <usize>j0) << 2);
        if (nv <= 3 && r + 1 < rows) { // a narrow last sweep: two rows at once (gemm-lists-pairs.ts)
          const next = values + (<usize>load<i32>(starts + (<usize>(r + 2) << 2)) << 3), below = to + (<usize>ldc << 2);
          if (!fused) pairSweepPlain(nv, e, end, end, next, beta != 0 ? to : 0, beta != 0 ? below : 0, to, below);
          else if (act == ACT_RELU) pairSweepRelu(nv, e, end, end, next, to, below, bj, alpha);
          else pairSweepAct(nv, e, end, end, next, to, below, bj, act, alpha);
          r++;
          continue;
        }
        if (!fused) sweepAny(nv, e, end, 0, beta != 0 ? to : 0, to, false, 0, 0, 0);
        else if (act == ACT_RELU) sweepAny(nv, e, end, 0, 0, to, true, bj, ACT_RELU, alpha);
        else sweepAny(nv, e, end, 0, 0, to, true, bj, act, alpha);
      }
    }
    i0 += rows;
  }
}

// C[m×n] (n a multiple of 4) = beta·C when beta is neither 0 nor 1, so that sweeps that start
// from C (from = C) start each chain from beta·C, rounded once as the dense GEMM's (loadRow).
export function scaleForBeta(c: usize, m: i32, n: i32, ldc: i32, beta: f32): void {
  if (beta == 0 || beta == 1) return;
  for (let i = 0; i < m; i++) {
    const row = c + ((<usize>i * <usize>ldc) << 2);
    for (let j = 0; j < n; j += 4) v128.store(row + (<usize>j << 2), f32x4.mul(v128.load(row + (<usize>j << 2)), f32x4.splat(beta)));
  }
}

// Bᵀ's columns for rows [0, 4·nv) of B at b (rows rowBytes apart, contiguous in k) as [k][28] at
// panel (the first 4·nv floats of each row), through 4×4 register transposes.
function packPanel(b: usize, rowBytes: usize, k: i32, nv: i32, panel: usize): void {
  const k4 = k & ~3;
  for (let g = 0; g < nv; g++) {
    const src = b + <usize>(4 * g) * rowBytes, dst = panel + (<usize>g << 4);
    for (let kk = 0; kk < k4; kk += 4) transpose4(src + (<usize>kk << 2), rowBytes, dst + <usize>kk * ROW, ROW);
    for (let kk = k4; kk < k; kk++) {
      for (let l = 0; l < 4; l++) store<f32>(dst + <usize>kk * ROW + (<usize>l << 2), load<f32>(src + <usize>l * rowBytes + (<usize>kk << 2)));
    }
  }
}

/**
 * C[m×n] = beta·C + Aᵀ·B, A [k×m] (an output gradient), B [k×n] mostly zeros (the data), through
 * lists of each column of B's nonzeros; m and n multiples of 4 (the caller checks). Columns are
 * listed 4 at a time from a transposed copy ([4][k]), in blocks whose lists fit; for each 28 rows
 * of C, each 4 columns are swept one at a time into a 4×28 tile (started from beta·C, scaled in
 * place first, through 4×4 transposes) and stored back transposed.
 */
function gemmTnLists(m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32,
                     c: usize, ldc: i32, beta: f32, scratch: usize): void {
  const values = scratch, table = scratch + 2 * LIST_BYTES, starts = table + 256;
  // dY's 28 columns are copied to a panel ([k][28]) for each sweep of C's rows, so that entries hold
  // their k's address in it, the same for every 28 rows (one add fewer an entry).
  const tile = scratch + LISTS_END, panel = tile + 4 * ROW, columns = panel + <usize>k * ROW;
  const ldbBytes = <usize>ldb << 2, ldcBytes = <usize>ldc << 2, kBytes = <usize>k << 2;
  writeCompactionTable(table);
  scaleForBeta(c, m, n, ldc, beta);
  for (let j0 = 0; j0 < n;) {
    let t = 0, cols = 0;
    store<i32>(starts, 0);
    while (j0 + cols < n && cols < BLOCK_LINES && t + 4 * (k + 4) <= LIST_CAPACITY) {
      transposeColumns(b + (<usize>(j0 + cols) << 2), ldbBytes, k, columns);
      for (let l = 0; l < 4; l++) {
        t = listNonzeros(columns + <usize>l * kBytes, k, <u32>ROW, values, t, table, <u32>panel);
        cols++;
        store<i32>(starts + (<usize>cols << 2), t);
      }
    }
    for (let u0 = 0; u0 < m; u0 += W) {
      const nv = min(W, m - u0) >> 2;
      packRows(a + (<usize>u0 << 2), <usize>lda << 2, k, nv, panel);
      for (let j = 0; j < cols; j += 4) {
        const cb = c + <usize>u0 * ldcBytes + (<usize>(j0 + j) << 2);
        if (beta != 0) for (let g = 0; g < nv; g++) transpose4(cb + <usize>(4 * g) * ldcBytes, ldcBytes, tile + (<usize>g << 4), ROW);
        for (let l = 0; l < 4; l++) {
          const e = values + (<usize>load<i32>(starts + (<usize>(j + l) << 2)) << 3);
          const end = values + (<usize>load<i32>(starts + (<usize>(j + l + 1) << 2)) << 3);
          const row = tile + <usize>l * ROW;
          sweepAny(nv, e, end, 0, beta != 0 ? row : 0, row, false, 0, 0, 0);
        }
        for (let g = 0; g < nv; g++) transpose4(tile + (<usize>g << 4), ROW, cb + <usize>(4 * g) * ldcBytes, ldcBytes);
      }
    }
    j0 += cols;
  }
}

// The first 4·nv values of the k rows at a (rowBytes apart) as [k][28] at panel.
function packRows(a: usize, rowBytes: usize, k: i32, nv: i32, panel: usize): void {
  for (let kk = 0; kk < k; kk++) {
    const src = a + <usize>kk * rowBytes, dst = panel + <usize>kk * ROW;
    for (let g = 0; g < nv; g++) v128.store(dst + (<usize>g << 4), v128.load(src + (<usize>g << 4)));
  }
}

// Columns [0, 4) of the k rows at b (rowBytes apart) as 4 contiguous rows of k floats at dst.
export function transposeColumns(b: usize, rowBytes: usize, k: i32, dst: usize): void {
  const kBytes = <usize>k << 2, k4 = k & ~3;
  for (let r = 0; r < k4; r += 4) transpose4(b + <usize>r * rowBytes, rowBytes, dst + (<usize>r << 2), kBytes);
  for (let r = k4; r < k; r++) {
    for (let l = 0; l < 4; l++) store<f32>(dst + <usize>l * kBytes + (<usize>r << 2), load<f32>(b + <usize>r * rowBytes + (<usize>l << 2)));
  }
}

/**
 * gemm_nt_bias_act_skip through lists of each row of A's nonzeros (see above): data rows that
 * are mostly zeros at places that differ from row to row. The same bits as gemm_nt_bias_act.
 * C's columns past the last multiple of 4, and problems the lists do not take (fewer than 28
 * columns, whose one sweep has too few chains; k too long for a panel in scratch; an activation
 * the epilogue does not vectorise), go to gemm_nt_bias_act_skip.
 */
export function gemm_nt_bias_act_lists(m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32,
                                       c: usize, ldc: i32, bias: usize, act: i32, alpha: f32, scratch: usize): void {
  const n4 = n & ~3;
  if (m <= 0 || n4 < W || k <= 0 || !listsFit(<usize>k * ROW, gemm_scratch_bytes()) || !isVectorAct(act)) {
    gemm_nt_bias_act_skip(m, n, k, a, lda, b, ldb, c, ldc, bias, act, alpha, scratch);
    return;
  }
  gemmRowLists(m, n4, k, a, lda, b, 4, <usize>ldb << 2, c, ldc, 0, true, bias, act, alpha, scratch);
  if (n4 < n) {
    gemm_nt_bias_act_skip(m, n - n4, k, a, lda, b + <usize>n4 * (<usize>ldb << 2), ldb, c + (<usize>n4 << 2), ldc,
      bias ? bias + (<usize>n4 << 2) : 0, act, alpha, scratch);
  }
}

/**
 * gemm_tn_skip through lists of each column of B's nonzeros (see above): a weight gradient
 * dW = dYᵀ·X over data rows X that are mostly zeros. The same bits as gemm_tn. C's rows and
 * columns past the last multiples of 4 go to gemm_tn_skip, as do fewer than 28 rows and a k whose
 * 4 columns' lists would not fit in a block.
 */
export function gemm_tn_lists(m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32,
                              c: usize, ldc: i32, beta: f32, scratch: usize): void {
  const m4 = m & ~3, n4 = n & ~3, ldcBytes = <usize>ldc << 2;
  if (m4 < W || n4 <= 0 || k <= 0 || 4 * (k + 4) > LIST_CAPACITY || !listsFit(4 * ROW + <usize>k * ROW + (<usize>k << 4), gemm_scratch_bytes())) {
    gemm_tn_skip(m, n, k, a, lda, b, ldb, c, ldc, beta, scratch);
    return;
  }
  gemmTnLists(m4, n4, k, a, lda, b, ldb, c, ldc, beta, scratch);
  // Each element is its own chain: the rest of C is the same whichever GEMM computes it.
  if (n4 < n) gemm_tn_skip(m4, n - n4, k, a, lda, b + (<usize>n4 << 2), ldb, c + (<usize>n4 << 2), ldc, beta, scratch);
  if (m4 < m) gemm_tn_skip(m - m4, n, k, a + (<usize>m4 << 2), lda, b, ldb, c + <usize>m4 * ldcBytes, ldc, beta, scratch);
}

/**
 * gemm_nn_skip through lists of each row of A's nonzeros: C = beta·C + A·B, B [k×n] (an input
 * gradient dX = dZ·W over a ReLU's zeros, a transposed convolution's forward over its input's).
 * The same bits as gemm_nn; C's columns past a multiple of 4, fewer than 28 columns and a k too
 * long for a panel go to gemm_nn_skip.
 */
export function gemm_nn_lists(m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32,
                              c: usize, ldc: i32, beta: f32, scratch: usize): void {
  const n4 = n & ~3;
  if (m <= 0 || n4 < W || k <= 0 || !listsFit(<usize>k * ROW, gemm_scratch_bytes())) {
    gemm_nn_skip(m, n, k, a, lda, b, ldb, c, ldc, beta, scratch);
    return;
  }
  gemmRowLists(m, n4, k, a, lda, b, <usize>ldb << 2, 4, c, ldc, beta, false, 0, 0, 0, scratch);
  if (n4 < n) gemm_nn_skip(m, n - n4, k, a, lda, b + (<usize>n4 << 2), ldb, c + (<usize>n4 << 2), ldc, beta, scratch);
}
