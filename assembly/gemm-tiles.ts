// The GEMM's register tiles (driven by gemm.ts): a 4×8 tile of C in eight f32x4 accumulators
// over packed panels, its transposed form, and the 1×8 tile for leftover rows.
import { vectorAct } from './elementwise';
import { storeTransposed, transpose4 } from './gemm-pack';

export const NR: i32 = 8;
export const MR: i32 = 4;

// a·b + c; the relaxed build fuses it (f32x4.relaxed_madd), the plain build rounds twice.
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_madd(a, b, c);
  } else {
    return f32x4.add(c, f32x4.mul(a, b));
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
  tileBody(kc, ap, bp, 0, c, ldcBytes, nc, beta, tile, false, 0, 0, 0, 0, 0);
}

// The same for a full panel (nc = 8) with act(acc + bias[0..8]) applied in registers before the
// store, exactly as bias_act would (act: one that vectorAct computes). A separate function, so
// that the plain tile carries no epilogue parameters (measured: 8% slower at k = 20 with them).
export function tile4x8Act(kc: i32, ap: usize, bp: usize, c: usize, ldcBytes: usize, beta: f32, tile: usize,
                           bias: usize, act: i32, alpha: f32): void {
  tileBody(kc, ap, bp, 0, c, ldcBytes, NR, beta, tile, true, bias, act, alpha, 0, 0);
}

// The zero-skipping forms: A's panel holds only `steps` of its k (those at which a row of the
// panel is nonzero, see packASkip), and the i32 at ks[t] is the byte offset in B's panel of step
// t's k. Every element is the dense tile's chain without terms a·b with a = 0 exactly, which add
// nothing (the accumulator starts at +0 or beta·C and b is finite), so the result is the same bits.
export function tile4x8Skip(steps: i32, ap: usize, ks: usize, bp: usize, c: usize, ldcBytes: usize, nc: i32, beta: f32, tile: usize): void {
  tileBody(steps, ap, bp, ks, c, ldcBytes, nc, beta, tile, false, 0, 0, 0, 0, 0);
}

export function tile4x8ActSkip(steps: i32, ap: usize, ks: usize, bp: usize, c: usize, ldcBytes: usize, beta: f32, tile: usize,
                               bias: usize, act: i32, alpha: f32): void {
  tileBody(steps, ap, bp, ks, c, ldcBytes, NR, beta, tile, true, bias, act, alpha, 0, 0);
}

// ks = 0: dense steps through B's panel; else step kk's B row is at bp + ks[kk] (a constant 0 at
// the dense call sites, so the optimiser removes the test). out ≠ 0: the tile is stored
// transposed at out (row stride outBytes: C of the transposed problem) from the registers.
// A's and B's layouts (constants at each call site, so each form compiles to its own loop):
// packed panels ([kc][4] at ap, [kc][8] at bp); `direct`: A's 4 rows where they are, aRow bytes
// apart and contiguous in k (driveRows); `strided`: A's 4 values and B's 8 at one k contiguous,
// the next k aStep and bStep bytes on (driveStrided, neither operand packed).
// @ts-ignore: decorator
@inline export function tileBody(kc: i32, ap: usize, bp: usize, ks: usize, c: usize, ldcBytes: usize, nc: i32, beta: f32, tile: usize,
                          fused: bool, bias: usize, act: i32, alpha: f32, out: usize, outBytes: usize, direct: bool = false, aRow: usize = 0,
                                 strided: bool = false, aStep: usize = 0, bStep: usize = 0): void {
  const c1 = c + ldcBytes, c2 = c + 2 * ldcBytes, c3 = c + 3 * ldcBytes;
  let c00 = loadRow(c, nc, beta, tile, false), c01 = loadRow(c, nc, beta, tile, true);
  let c10 = loadRow(c1, nc, beta, tile, false), c11 = loadRow(c1, nc, beta, tile, true);
  let c20 = loadRow(c2, nc, beta, tile, false), c21 = loadRow(c2, nc, beta, tile, true);
  let c30 = loadRow(c3, nc, beta, tile, false), c31 = loadRow(c3, nc, beta, tile, true);
  for (let kk = 0; kk < kc; kk++) {
    const bk = ks ? bp + <usize>load<u32>(ks + (<usize>kk << 2)) : bp;
    const b0 = v128.load(bk);
    const b1 = v128.load(bk, 16);
    let x = v128.load32_splat(ap);
    c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = direct ? v128.load32_splat(ap + aRow) : v128.load32_splat(ap, 4);
    c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = direct ? v128.load32_splat(ap + 2 * aRow) : v128.load32_splat(ap, 8);
    c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    x = direct ? v128.load32_splat(ap + 3 * aRow) : v128.load32_splat(ap, 12);
    c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
    ap += strided ? aStep : direct ? 4 : MR << 2;
    if (!ks) bp += strided ? bStep : NR << 2;
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
  if (out) {
    storeTransposed(out, outBytes, c00, c10, c20, c30);
    storeTransposed(out + 4 * outBytes, outBytes, c01, c11, c21, c31);
    return;
  }
  storeRow(c, c00, c01, nc, tile);
  storeRow(c1, c10, c11, nc, tile);
  storeRow(c2, c20, c21, nc, tile);
  storeRow(c3, c30, c31, nc, tile);
}

// The 4×8 tile of the transposed problem (see gemm): its rows are 4 columns of C and its 8
// columns are 8 rows of C (the first nc). With beta ≠ 0, C's block is first copied into `tile`
// as a row-major 4×8 block (through 4×4 transposes) for the accumulators to start from; a full
// tile is stored back transposed from the registers (measured: the 20- and 40-wide layers' GEMMs
// and the transposed weight gradient faster than through `tile`), a partial one through `tile`:
// the same chain per element either way. `c` is C's element (row j0, column i).
export function tile4x8T(kc: i32, ap: usize, ks: usize, bp: usize, c: usize, ldcBytes: usize, nc: i32, beta: f32, tile: usize): void {
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
  if (full) { // stored transposed straight from the accumulators
    if (ks) tileBody(kc, ap, bp, ks, tile, row, NR, beta, tile, false, 0, 0, 0, c, ldcBytes);
    else tileBody(kc, ap, bp, 0, tile, row, NR, beta, tile, false, 0, 0, 0, c, ldcBytes);
  } else {
    if (ks) tile4x8Skip(kc, ap, ks, bp, tile, row, NR, beta, tile);
    else tile4x8(kc, ap, bp, tile, row, NR, beta, tile);
    for (let r = 0; r < MR; r++) for (let j = 0; j < nc; j++) {
      store<f32>(c + <usize>j * ldcBytes + (<usize>r << 2), load<f32>(tile + <usize>r * row + (<usize>j << 2)));
    }
  }
}

// 1×8 tile of the transposed problem for its last rows (columns of C): element j of the tile is
// C's element (row j0 + j, column i); run by tile1x8 (or tile1x8Skip) on a copy in `tile`.
export function tile1x8T(kc: i32, ap: usize, ks: usize, bp: usize, c: usize, ldcBytes: usize, nc: i32, beta: f32, tile: usize): void {
  if (beta != 0) for (let j = 0; j < NR; j++) store<f32>(tile + (<usize>j << 2), j < nc ? load<f32>(c + <usize>j * ldcBytes) : 0);
  if (ks) tile1x8Skip(kc, ap, ks, bp, tile, NR, beta, tile);
  else tile1x8(kc, ap, bp, tile, NR, beta, tile);
  for (let j = 0; j < nc; j++) store<f32>(c + <usize>j * ldcBytes, load<f32>(tile + (<usize>j << 2)));
}

// 1×8 tile for the rows left over when m is not a multiple of 4. It accumulates each element in
// the same single chain over k as tile4x8, so a row's result never depends on its position.
export function tile1x8(kc: i32, ap: usize, bp: usize, c: usize, nc: i32, beta: f32, tile: usize): void {
  rowBody(kc, ap, bp, 0, c, nc, beta, tile, MR << 2);
}

// The same over a row of A unpacked (contiguous in k).
export function tile1x8Row(kc: i32, a: usize, bp: usize, c: usize, nc: i32, beta: f32, tile: usize): void {
  rowBody(kc, a, bp, 0, c, nc, beta, tile, 4);
}

export function tile1x8Skip(steps: i32, ap: usize, ks: usize, bp: usize, c: usize, nc: i32, beta: f32, tile: usize): void {
  rowBody(steps, ap, bp, ks, c, nc, beta, tile, MR << 2);
}

// @ts-ignore: decorator
@inline function rowBody(kc: i32, ap: usize, bp: usize, ks: usize, c: usize, nc: i32, beta: f32, tile: usize, aStep: usize): void {
  let lo = loadRow(c, nc, beta, tile, false), hi = loadRow(c, nc, beta, tile, true);
  for (let kk = 0; kk < kc; kk++) {
    const bk = ks ? bp + <usize>load<u32>(ks + (<usize>kk << 2)) : bp;
    const x = v128.load32_splat(ap);
    lo = madd(x, v128.load(bk), lo);
    hi = madd(x, v128.load(bk, 16), hi);
    ap += aStep;
    if (!ks) bp += NR << 2;
  }
  storeRow(c, lo, hi, nc, tile);
}
