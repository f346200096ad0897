// Packing for the GEMM driver (gemm.ts): A into 4-row panels [kc][4], B into 8-column panels
// [kc][8], and A's panels without the k at which all four rows are zero (the zero-skipping GEMMs).
import { MR, NR } from './gemm-tiles';

// Writes the transpose of the 4×4 block whose rows start at src (ss bytes apart) as rows at dst
// (ds bytes apart), through registers.
// @ts-ignore: decorator
@inline export function transpose4(src: usize, ss: usize, dst: usize, ds: usize): void {
  storeTransposed(dst, ds, v128.load(src), v128.load(src + ss), v128.load(src + 2 * ss), v128.load(src + 3 * ss));
}

// Stores the transpose of the 4×4 block whose rows are r0..r3 as 4 rows at dst, ds bytes apart.
// @ts-ignore: decorator
@inline export function storeTransposed(dst: usize, ds: usize, r0: v128, r1: v128, r2: v128, r3: v128): void {
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
export function packA(a: usize, sai: usize, sak: usize, i0: i32, mc: i32, k0: i32, kc: i32, dst: usize): void {
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

// Packs the 8-column panel [j0, j0+nc) × k [k0, k0+kc) of op(B), whose element (k, j) is at
// b + k·sbk + j·sbj bytes (one of the strides is 4), into dst as [kc][8].
// @ts-ignore: decorator
@inline export function packB(b: usize, sbk: usize, sbj: usize, k0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  if (sbj == 4) packRowMajor(b, <i32>(sbk >> 2), k0, kc, j0, nc, dst);
  else packTransposed(b, <i32>(sbj >> 2), k0, kc, j0, nc, dst);
}

// Keeps step kk of a zero-skipping panel (see packASkip): writes the four rows' values v at the
// panel's next free step and kk's offset in B's panel after the list's count; the step is taken
// (the count advances) only if a value is nonzero (NaN counts as nonzero: it must propagate).
// @ts-ignore: decorator
@inline function keepStep(panel: usize, list: usize, t: i32, kk: i32, v: v128): i32 {
  v128.store(panel + (<usize>t << 4), v);
  store<i32>(list + (<usize>(t + 1) << 2), kk * (NR << 2));
  return t + (v128.any_true(f32x4.ne(v, f32x4.splat(0))) ? 1 : 0);
}

/**
 * packA for the zero-skipping GEMMs: panel p (rows i0+4p .. i0+4p+3 of op(A); rows past mc are
 * zero) keeps only the k of [k0, k0+kc) at which one of its rows is nonzero, in order, as
 * [steps][4] at dst + 4p·kc·4 (where packA puts the panel); the list at ks + p·(kc+1)·4 holds the
 * number of steps and then each step's byte offset in an 8-column panel of B, (k − k0)·32.
 */
export function packASkip(a: usize, sai: usize, sak: usize, i0: i32, mc: i32, k0: i32, kc: i32, dst: usize, ks: usize, group: i32 = 0): void {
  const zero = f32x4.splat(0);
  for (let p = 0; p < mc; p += MR) {
    const rows = min(MR, mc - p);
    const panel = dst + ((<usize>p * <usize>kc) << 2);
    const list = ks + ((<usize>(p >> 2) * <usize>(kc + 1)) << 2);
    const src = a + <usize>groupedRow(i0 + p, group) * sai + <usize>k0 * sak;
    let t = 0, kk = 0;
    if (group && (group & 3) == 0 && sai == 4 && ((i0 + p) % (4 * group) & 15) == 0 && p + 16 <= mc) {
      // Four grouped panels whose rows are 4 adjacent columns: one 4×4 transpose a step.
      packFourGrouped(src, <usize>group << 2, sak, kc, panel, list, kc);
      p += 12; // with the loop's 4: the next unpacked panel
      continue;
    }
    if (group) { // a grouped panel (see groupedRow): its 4 rows lie `group` rows apart
      const step = <usize>group * sai;
      for (; kk < kc; kk++) {
        const q = src + <usize>kk * sak;
        let v = f32x4.splat(load<f32>(q));
        v = f32x4.replace_lane(v, 1, load<f32>(q + step));
        v = f32x4.replace_lane(v, 2, load<f32>(q + 2 * step));
        v = f32x4.replace_lane(v, 3, load<f32>(q + 3 * step));
        t = keepStep(panel, list, t, kk, v);
      }
    } else if (rows == MR && sak == 4) {
      const k4 = kc & ~3;
      for (; kk < k4; kk += 4) {
        const s = src + (<usize>kk << 2);
        const r0 = v128.load(s), r1 = v128.load(s + sai), r2 = v128.load(s + 2 * sai), r3 = v128.load(s + 3 * sai);
        const any = v128.or(v128.or(f32x4.ne(r0, zero), f32x4.ne(r1, zero)), v128.or(f32x4.ne(r2, zero), f32x4.ne(r3, zero)));
        if (!v128.any_true(any)) continue; // four k at which all four rows are zero (most of an MNIST border)
        const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5), t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
        const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7), t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
        t = keepStep(panel, list, t, kk, i32x4.shuffle(t0, t1, 0, 1, 4, 5));
        t = keepStep(panel, list, t, kk + 1, i32x4.shuffle(t0, t1, 2, 3, 6, 7));
        t = keepStep(panel, list, t, kk + 2, i32x4.shuffle(t2, t3, 0, 1, 4, 5));
        t = keepStep(panel, list, t, kk + 3, i32x4.shuffle(t2, t3, 2, 3, 6, 7));
      }
    } else if (rows == MR && sai == 4) {
      for (; kk < kc; kk++) t = keepStep(panel, list, t, kk, v128.load(src + <usize>kk * sak));
    }
    // What is left (k past the last group of 4, partial panels, other strides) one element at a time.
    for (; kk < kc; kk++) {
      const slot = panel + (<usize>t << 4);
      for (let r = 0; r < MR; r++) store<f32>(slot + (<usize>r << 2), r < rows ? load<f32>(src + <usize>r * sai + <usize>kk * sak) : 0);
      t = keepStep(panel, list, t, kk, v128.load(slot));
    }
    // Even a panel that keeps nearly all its k stays indexed: since the tile runs inlined in the
    // driver, its indexed loads cost no more than dense steps (panels 95–97 % kept, packed again
    // densely when over 85 % as before: 1.03–1.04× slower; bench/ab-kernels.mjs *_dense cases).
    store<i32>(list, t);
  }
}

// Four consecutive grouped panels (see groupedRow) whose rows r are the 4 adjacent columns at
// src + r·rowStep: per step one vector per r, transposed so that panel u gets lane u of each; a
// step at which all 16 values are zero is dropped from all four at once. Panel u is written at
// panel + u·4·kc floats with its list at list + u·(listFloats + 1) (as packASkip lays them out).
// @ts-ignore: decorator
@inline function packFourGrouped(src: usize, rowStep: usize, sak: usize, kc: i32, panel: usize, list: usize, listFloats: i32): void {
  const zero = f32x4.splat(0), panelBytes = (<usize>kc * MR) << 2, listBytes = <usize>(listFloats + 1) << 2;
  let t0 = 0, t1 = 0, t2 = 0, t3 = 0;
  for (let kk = 0; kk < kc; kk++) {
    const q = src + <usize>kk * sak;
    const r0 = v128.load(q), r1 = v128.load(q + rowStep), r2 = v128.load(q + 2 * rowStep), r3 = v128.load(q + 3 * rowStep);
    const any = v128.or(v128.or(f32x4.ne(r0, zero), f32x4.ne(r1, zero)), v128.or(f32x4.ne(r2, zero), f32x4.ne(r3, zero)));
    if (!v128.any_true(any)) continue;
    const a0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5), a1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
    const a2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7), a3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
    t0 = keepStep(panel, list, t0, kk, i32x4.shuffle(a0, a1, 0, 1, 4, 5));
    t1 = keepStep(panel + panelBytes, list + listBytes, t1, kk, i32x4.shuffle(a0, a1, 2, 3, 6, 7));
    t2 = keepStep(panel + 2 * panelBytes, list + 2 * listBytes, t2, kk, i32x4.shuffle(a2, a3, 0, 1, 4, 5));
    t3 = keepStep(panel + 3 * panelBytes, list + 3 * listBytes, t3, kk, i32x4.shuffle(a2, a3, 2, 3, 6, 7));
  }
  store<i32>(list, t0);
  store<i32>(list + listBytes, t1);
  store<i32>(list + 2 * listBytes, t2);
  store<i32>(list + 3 * listBytes, t3);
}

/**
 * Row `i` of a problem whose 4-row panels are grouped (group > 0): in each block of 4·group rows,
 * panel q holds rows q, q + group, q + 2·group, q + 3·group. For conv patches in (ky, kx, c) order
 * with a 4-wide kernel and group = C, a panel is then 4 kernel columns of one channel, which share
 * a ReLU's zeros more often than 4 channels at one pixel do. group 0: rows in order.
 */
// @ts-ignore: decorator
@inline export function groupedRow(i: i32, group: i32): i32 {
  if (!group) return i;
  const block = 4 * group, inBlock = i % block;
  return i - inBlock + (inBlock & 3) * group + (inBlock >> 2);
}
