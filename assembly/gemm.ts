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

import { ACT_IDENTITY, ACT_RELU, bias_act_block, isVectorAct } from './elementwise';
import { groupedRow, packA, packASkip, packB } from './gemm-pack';
import { MR, NR, tile1x8, tile1x8Row, tile1x8Skip, tile1x8T, tile4x8Act, tile4x8ActSkip, tile4x8T, tileBody } from './gemm-tiles';

export { madd, MR, NR, tile4x8 } from './gemm-tiles';
export { transpose4 } from './gemm-pack';

/** act code for "no epilogue". */
const NO_EPILOGUE: i32 = -1;

export const KC: i32 = 512;
/**
 * Rows of A packed at a time when k fills a block of KC; a shorter block packs proportionally
 * more rows (the packed block of A is at most MC × KC floats, 256 KiB, in L2), so that each
 * packed panel of B serves more rows: a weight gradient (k = the batch) packs B once per 512 rows
 * instead of once per 128.
 */
export const MC: i32 = 128;

/**
 * Floats of scratch for B's packed panels: up to 8 panels of KC steps, so that when A has several
 * blocks of rows and B is at most 64 columns wide (a conv layer's weights: 64 × 512), B is packed
 * once per block of k instead of once per block of rows (measured: dcgan28's second conv forward,
 * 6272 rows, packed W 49 times a call).
 */
const PANEL_FLOATS: i32 = 8 * NR * KC;

/**
 * Bytes of scratch that the gemm kernels need: B's panels, a tile, A's packed block and (for the
 * zero-skipping forms) its panels' step lists, at most 2·MC·KC bytes (see drive).
 */
export function gemm_scratch_bytes(): i32 {
  return (PANEL_FLOATS + MR * NR + MC * KC) * 4 + 2 * MC * KC;
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
// With `skip`, each 4-row panel of A leaves out the k at which its four rows are all zero
// (packASkip): the same chains without terms that add exactly nothing; a panel with few such k
// is packed and swept densely. Its step lists take rowsPerBlock·(kc + 1) bytes after A's block:
// at most 2·MC·KC.
function drive(m: i32, n: i32, k: i32, a: usize, sai: usize, sak: usize, b: usize, sbk: usize, sbj: usize,
               c: usize, ldc: i32, transC: bool, beta: f32, scratch: usize, bias: usize, act: i32, alpha: f32, skip: bool = false,
               group: i32 = 0): void {
  const tile = scratch + (<usize>PANEL_FLOATS << 2);
  const apack = tile + (<usize>(MR * NR) << 2);
  const lists = apack + (<usize>(MC * KC) << 2);
  const ldcBytes = <usize>ldc << 2;
  // Byte steps in C for one row (i) and one column (j) of the problem.
  const ci: usize = transC ? 4 : ldcBytes, cj: usize = transC ? ldcBytes : 4;
  for (let k0 = 0; k0 < k; k0 += KC) {
    const kc = min(KC, k - k0);
    const bt: f32 = k0 == 0 ? beta : 1;
    const last = act != NO_EPILOGUE && k0 + kc == k;
    const rowsPerBlock = max(MC, (MC * KC / kc) & ~(MR - 1));
    const panelBytes = <usize>(kc * NR) << 2, panels = (n + NR - 1) / NR;
    // B packed once for all blocks of rows when they are many and it fits (with 4 blocks, packing
    // each panel just before its sweep, in L1, measured 1.026× faster), else a panel at a time.
    const packedOnce = m >= 8 * rowsPerBlock && panels * kc * NR <= PANEL_FLOATS;
    if (packedOnce) for (let j0 = 0; j0 < n; j0 += NR) packB(b, sbk, sbj, k0, kc, j0, min(NR, n - j0), scratch + <usize>(j0 / NR) * panelBytes);
    for (let i0 = 0; i0 < m; i0 += rowsPerBlock) {
      const mc = min(rowsPerBlock, m - i0);
      if (skip) packASkip(a, sai, sak, i0, mc, k0, kc, apack, lists, group);
      else packA(a, sai, sak, i0, mc, k0, kc, apack);
      const m4 = mc & ~3;
      for (let j0 = 0; j0 < n; j0 += NR) {
        const nc = min(NR, n - j0);
        const panel = packedOnce ? scratch + <usize>(j0 / NR) * panelBytes : scratch;
        if (!packedOnce) packB(b, sbk, sbj, k0, kc, j0, nc, panel);
        // The epilogue of a full panel's 4-row tiles runs on the accumulators, before the store.
        const inRegisters = last && nc == NR && isVectorAct(act);
        const cBlock = c + <usize>j0 * cj + <usize>i0 * ci;
        let i = 0;
        for (; i < m4; i += MR) {
          const ap = apack + ((<usize>i * <usize>kc) << 2), cp = cBlock + <usize>i * ci;
          // A skipping panel's step count, then its steps' offsets in B's panel.
          const list = skip ? lists + ((<usize>(i >> 2) * <usize>(kc + 1)) << 2) : 0;
          const count = skip ? load<i32>(list) : -1; // −1: not skipping
          const steps = count < 0 ? kc : count, ks: usize = count < 0 ? 0 : list + 4;
          if (transC) { // (grouped panels too: C's columns are permuted to their order, see gemm_tn_skip_grouped)
            tile4x8T(steps, ap, ks, panel, cp, ldcBytes, nc, bt, tile);
            if (last) epilogue(cp, ldcBytes, nc, MR, i0 + i, bias, act, alpha);
          } else if (inRegisters) {
            // The tile body inlined here, each form with its constants (dense or skipping; ReLU
            // or none), rather than called: with a tile of 20 kept steps a call's set-up was a
            // third of its time (a 6272×512×64 skipping dX 4.6 → 3.0 ms; the skipping forward
            // with ReLU 1.33×; dense 1.02–1.035×: bench/ab-kernels.mjs, the two builds alternating).
            const bj = bias ? bias + (<usize>j0 << 2) : 0;
            if (ks && act == ACT_RELU) tileBody(steps, ap, panel, ks, cp, ldcBytes, NR, bt, tile, true, bj, ACT_RELU, alpha, 0, 0);
            else if (ks) tile4x8ActSkip(steps, ap, ks, panel, cp, ldcBytes, bt, tile, bj, act, alpha);
            else if (act == ACT_RELU) tileBody(kc, ap, panel, 0, cp, ldcBytes, NR, bt, tile, true, bj, ACT_RELU, alpha, 0, 0);
            else if (act == ACT_IDENTITY) tileBody(kc, ap, panel, 0, cp, ldcBytes, NR, bt, tile, true, bj, ACT_IDENTITY, alpha, 0, 0);
            else tile4x8Act(kc, ap, panel, cp, ldcBytes, bt, tile, bj, act, alpha);
          } else {
            if (ks) tileBody(steps, ap, panel, ks, cp, ldcBytes, nc, bt, tile, false, 0, 0, 0, 0, 0);
            else tileBody(kc, ap, panel, 0, cp, ldcBytes, nc, bt, tile, false, 0, 0, 0, 0, 0);
            if (last) epilogue(cp, ldcBytes, MR, nc, j0, bias, act, alpha);
          }
        }
        for (; i < mc; i++) {
          // Row i sits in panel m4 at lane i − m4.
          const ap = apack + ((<usize>m4 * <usize>kc + <usize>(i - m4)) << 2), cp = cBlock + <usize>i * ci;
          const list = skip ? lists + ((<usize>(m4 >> 2) * <usize>(kc + 1)) << 2) : 0;
          const count = skip ? load<i32>(list) : -1;
          const steps = count < 0 ? kc : count, ks: usize = count < 0 ? 0 : list + 4;
          if (transC) {
            tile1x8T(steps, ap, ks, panel, cp, ldcBytes, nc, bt, tile);
            if (last) epilogue(cp, ldcBytes, nc, 1, i0 + i, bias, act, alpha);
          } else {
            if (ks) tile1x8Skip(steps, ap, ks, panel, cp, nc, bt, tile);
            else tile1x8(kc, ap, panel, cp, nc, bt, tile);
            if (last) epilogue(cp, ldcBytes, 1, nc, j0, bias, act, alpha);
          }
        }
      }
    }
  }
}

// Whether a problem runs on A's rows as they are (driveRows): B small enough to be packed whole in
// the panel scratch and so narrow (n ≤ 48) that packing A, a copy of A for n/8 sweeps of it,
// would cost a large share of the multiply-adds. A convolution's one-channel end (k or n = 16),
// an RGB one's input gradient (n = 48: 1.06×, bench/ab-kernels.mjs rgb_dx, dx48_k64).
// @ts-ignore: decorator
@inline function runsOnRows(n: i32, k: i32, sak: usize): bool {
  return sak == 4 && n <= 6 * NR && n * k <= NR * KC;
}

// C = beta·C + A·op(B) with A's rows read where they are (contiguous in k, sai bytes apart): all
// of B's 8-column panels are packed once, then each 4 rows of A are swept against all of them,
// so that A's rows and C's rows are read and written once, while in L1. The same chains as drive.
function driveRows(m: i32, n: i32, k: i32, a: usize, sai: usize, b: usize, sbk: usize, sbj: usize,
                   c: usize, ldc: i32, beta: f32, scratch: usize, bias: usize, act: i32, alpha: f32): void {
  const panels = scratch;
  const tile = scratch + (<usize>PANEL_FLOATS << 2);
  const ldcBytes = <usize>ldc << 2;
  const panelBytes = <usize>(k * NR) << 2;
  for (let j0 = 0; j0 < n; j0 += NR) packB(b, sbk, sbj, 0, k, j0, min(NR, n - j0), panels + <usize>(j0 / NR) * panelBytes);
  const epilogueLast = act != NO_EPILOGUE;
  const m4 = m & ~3;
  for (let i = 0; i < m; i += MR) {
    const ar = a + <usize>i * sai, cr = c + <usize>i * ldcBytes;
    for (let j0 = 0; j0 < n; j0 += NR) {
      const nc = min(NR, n - j0), panel = panels + <usize>(j0 / NR) * panelBytes, cp = cr + (<usize>j0 << 2);
      if (i < m4) {
        if (epilogueLast && nc == NR && isVectorAct(act)) {
          const bj = bias ? bias + (<usize>j0 << 2) : 0;
          if (act == ACT_RELU) tileBody(k, ar, panel, 0, cp, ldcBytes, NR, beta, tile, true, bj, ACT_RELU, alpha, 0, 0, true, sai);
          else tileBody(k, ar, panel, 0, cp, ldcBytes, NR, beta, tile, true, bj, act, alpha, 0, 0, true, sai);
          continue;
        }
        tileBody(k, ar, panel, 0, cp, ldcBytes, nc, beta, tile, false, 0, 0, 0, 0, 0, true, sai);
        if (epilogueLast) epilogue(cp, ldcBytes, MR, nc, j0, bias, act, alpha);
      } else {
        for (let r = i; r < m; r++) {
          const rp = cp + <usize>(r - i) * ldcBytes;
          tile1x8Row(k, ar + <usize>(r - i) * sai, panel, rp, nc, beta, tile);
          if (epilogueLast) epilogue(rp, ldcBytes, 1, nc, j0, bias, act, alpha);
        }
      }
    }
  }
}

// Whether a problem runs on A and B unpacked (driveStrided): a weight gradient of a layer with
// few channels on both sides (m, n ≤ 64) over many rows (k ≥ 256), whose 4 rows of A and 8
// columns of B at one k are contiguous. Packing would copy both operands for each block of k, for
// n/8 (or m/4) uses of each copy: measured 12–18 % of the multiply-adds' time on dcgan28's
// one-channel ends (32 × 16 over 12,544 patches); an RGB first conv's 32 × 48 1.13×, 64 × 64 1.03×.
// @ts-ignore: decorator
@inline function runsStrided(m: i32, n: i32, k: i32, sai: usize, sbj: usize): bool {
  return sai == 4 && sbj == 4 && m <= 64 && n <= 64 && (m & 3) == 0 && (n & (NR - 1)) == 0 && k >= 256;
}

/** Steps of k in a block of driveStrided: its block of A (≤ 32 floats a step) and of B in L1. */
const STRIDED_KC: i32 = 192;

// C = beta·C + op(A)·op(B) on the operands as they are (see runsStrided): for each block of k, every
// 4×8 tile of C sweeps it, its accumulators starting from the block before's (beta = 1). The
// same chains as drive.
function driveStrided(m: i32, n: i32, k: i32, a: usize, sak: usize, b: usize, sbk: usize,
                      c: usize, ldc: i32, beta: f32, scratch: usize): void {
  const ldcBytes = <usize>ldc << 2;
  for (let k0 = 0; k0 < k; k0 += STRIDED_KC) {
    const kc = min(STRIDED_KC, k - k0), bt: f32 = k0 == 0 ? beta : 1;
    const ak = a + <usize>k0 * sak, bk = b + <usize>k0 * sbk;
    for (let i = 0; i < m; i += MR) {
      for (let j = 0; j < n; j += NR) {
        tileBody(kc, ak + (<usize>i << 2), bk + (<usize>j << 2), 0, c + <usize>i * ldcBytes + (<usize>j << 2), ldcBytes, NR, bt, scratch,
                 false, 0, 0, 0, 0, 0, false, 0, true, sak, sbk);
      }
    }
  }
}

// Whether gemm runs the problem transposed (see there). The zero-skipping forms, whose 4-row
// panels must be A's, leave such a problem to the dense GEMM: measured on "dcgan28"'s last layer
// (25088 × 16 × 32, A 47 % nonzero), skipping untransposed 0.85 ms, dense transposed 0.64.
// @ts-ignore: decorator
@inline function runsTransposed(m: i32, n: i32): bool {
  return n <= 3 * NR && m > n;
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
  if (runsStrided(m, n, k, sai, sbj) && act == NO_EPILOGUE) driveStrided(m, n, k, a, sak, b, sbk, c, ldc, beta, scratch);
  else if (runsOnRows(n, k, sak)) driveRows(m, n, k, a, sai, b, sbk, sbj, c, ldc, beta, scratch, bias, act, alpha);
  else if (runsTransposed(m, n)) drive(n, m, k, b, sbj, sbk, a, sak, sai, c, ldc, true, beta, scratch, bias, act, alpha);
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

/**
 * gemm_nt_bias_act that skips, for each 4 rows of A, the k at which all four are zero: the same
 * bits (see drive), fewer multiplies when A's rows are mostly zeros at common places (MNIST
 * pixels). Never run transposed, so that the skipped zeros are A's.
 */
export function gemm_nt_bias_act_skip(m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32,
                                      c: usize, ldc: i32, bias: usize, act: i32, alpha: f32, scratch: usize): void {
  if (m <= 0 || n <= 0 || k <= 0 || runsOnRows(n, k, 4)) { gemm_nt_bias_act(m, n, k, a, lda, b, ldb, c, ldc, bias, act, alpha, scratch); return; }
  drive(m, n, k, a, <usize>lda << 2, 4, b, 4, <usize>ldb << 2, c, ldc, false, 0, scratch, bias, act, alpha, true);
}

/**
 * gemm_tn that skips, for each 4 columns of B, the k (rows of B) at which all four are zero: a
 * weight gradient dW = dYᵀ·X over data rows X that are mostly zeros. Run as the transposed
 * problem Cᵀ = Bᵀ·A, whose 4-row panels are B's columns; the same bits as gemm_tn.
 */
export function gemm_tn_skip(m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32,
                             c: usize, ldc: i32, beta: f32, scratch: usize): void {
  if (m <= 0 || n <= 0 || k <= 0 || runsTransposed(m, n) || runsStrided(m, n, k, 4, 4)) { gemm_tn(m, n, k, a, lda, b, ldb, c, ldc, beta, scratch); return; }
  drive(n, m, k, b, 4, <usize>ldb << 2, a, <usize>lda << 2, 4, c, ldc, true, beta, scratch, 0, NO_EPILOGUE, 0, true);
}

/**
 * gemm_nt that skips, for each 4 rows of A, the k at which all four are zero (see
 * gemm_nt_bias_act_skip): an input gradient dX = dZ·W of a transposed convolution, whose output
 * gradient's patches are zero where its ReLU was. The same bits as gemm_nt.
 */
export function gemm_nt_skip(m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32,
                             c: usize, ldc: i32, beta: f32, scratch: usize): void {
  if (m <= 0 || n <= 0 || k <= 0 || runsTransposed(m, n)) { gemm_nt(m, n, k, a, lda, b, ldb, c, ldc, beta, scratch); return; }
  drive(m, n, k, a, <usize>lda << 2, 4, b, 4, <usize>ldb << 2, c, ldc, false, beta, scratch, 0, NO_EPILOGUE, 0, true);
}

/**
 * gemm_nn that skips, for each 4 rows of A, the k at which all four are zero: an input gradient
 * dX = dZ·W where dZ is zero wherever the layer's ReLU was. The same bits as gemm_nn.
 */
export function gemm_nn_skip(m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32,
                             c: usize, ldc: i32, beta: f32, scratch: usize): void {
  if (m <= 0 || n <= 0 || k <= 0 || runsTransposed(m, n)) { gemm_nn(m, n, k, a, lda, b, ldb, c, ldc, beta, scratch); return; }
  drive(m, n, k, a, <usize>lda << 2, 4, b, <usize>ldb << 2, 4, c, ldc, false, beta, scratch, 0, NO_EPILOGUE, 0, true);
}

/**
 * gemm_tn that skips, for each 4 columns of A, the k (rows of A) at which all four are zero: a
 * weight gradient dW = dZᵀ·X whose output gradient dZ is mostly zeros (after a ReLU). Unlike
 * gemm_tn_skip (B's zeros) it runs untransposed; the same bits as gemm_tn.
 */
export function gemm_tn_skip_a(m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32,
                               c: usize, ldc: i32, beta: f32, scratch: usize): void {
  if (m <= 0 || n <= 0 || k <= 0 || runsTransposed(m, n) || runsStrided(m, n, k, 4, 4)) { gemm_tn(m, n, k, a, lda, b, ldb, c, ldc, beta, scratch); return; }
  drive(m, n, k, a, 4, <usize>lda << 2, b, <usize>ldb << 2, 4, c, ldc, false, beta, scratch, 0, NO_EPILOGUE, 0, true);
}

/**
 * gemm_tn_skip whose 4-column panels of B are grouped: columns j, j + group, j + 2·group,
 * j + 3·group in each block of 4·group columns (n a multiple of 4·group, else gemm_tn_skip). A
 * conv layer's weight gradient over patches in (ky, kx, c) order with a 4-wide kernel and group =
 * C: a panel is 4 kernel columns of one channel (neighbouring pixels), which share a ReLU's zeros
 * more often than the 4 channels of one pixel that adjacent columns are (see conv2d.ts). The same
 * bits as gemm_tn. C's columns are put in the panels' order first (if beta ≠ 0) and back after,
 * so that the tiles store as the transposed problem's do, through registers (stored a value at a
 * time, the grouped tiles made the dense panels 1.4× slower than gemm_tn's).
 */
export function gemm_tn_skip_grouped(m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32,
                                     c: usize, ldc: i32, beta: f32, scratch: usize, group: i32): void {
  if (group <= 0 || n % (4 * group) != 0 || n > NR * KC) { gemm_tn_skip(m, n, k, a, lda, b, ldb, c, ldc, beta, scratch); return; }
  if (m <= 0 || k <= 0 || runsStrided(m, n, k, 4, 4)) { gemm_tn(m, n, k, a, lda, b, ldb, c, ldc, beta, scratch); return; }
  if (beta != 0) permuteColumns(c, m, n, ldc, group, false, scratch);
  drive(n, m, k, b, 4, <usize>ldb << 2, a, <usize>lda << 2, 4, c, ldc, true, beta, scratch, 0, NO_EPILOGUE, 0, true, group);
  permuteColumns(c, m, n, ldc, group, true, scratch);
}

// Puts each row's n columns in grouped panels' order, column i taking column groupedRow(i, group)
// (or back, with `back`), through `buffer` (n floats: B's panel space, free between GEMMs).
function permuteColumns(c: usize, m: i32, n: i32, ldc: i32, group: i32, back: bool, buffer: usize): void {
  for (let r = 0; r < m; r++) {
    const row = c + ((<usize>r * <usize>ldc) << 2);
    memory.copy(buffer, row, <usize>n << 2);
    for (let i = 0; i < n; i++) {
      const g = <usize>groupedRow(i, group) << 2, p = <usize>i << 2;
      if (back) store<f32>(row + g, load<f32>(buffer + p));
      else store<f32>(row + p, load<f32>(buffer + g));
    }
  }
}
