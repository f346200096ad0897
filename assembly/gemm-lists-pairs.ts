// The narrow last sweep of a list GEMM (C's columns past the last multiple of 28: dcgan28's
// 64-wide convolutions leave 8) over two rows at once. A sweep's accumulators each take one
// multiply-add an entry, so a sweep of one or two vectors waits a multiply-add's latency an
// entry, as long as one of seven; two rows' sweeps interleaved entry by entry are independent
// chains and share that wait. (Wider pairs do not pay: V8 loads all of an iteration's vectors
// before its multiply-adds, and eight accumulators with eight loads and two splats spill: 2.2×
// slower, measured.) When one row's list ends, the other's goes on alone. Each element of C is
// still one chain over its row's nonzeros in order: the same bits as sweeping the rows apart.
// Entries as gemm-lists.ts writes them: 8 bytes, the value then its k's address in the panel.

import { ACT_RELU, vectorAct } from './elementwise';
import { madd } from './gemm-tiles';

// One accumulator of a row's sweep, started from `from` (0: +0).
// @ts-ignore: decorator
@inline function start(nv: i32, from: usize, i: i32): v128 {
  return nv > i && from ? v128.load(from + (<usize>i << 4)) : f32x4.splat(0);
}

// + bias and act (fused), the dense GEMM's epilogue, then stored at `to`: vector i of a row.
// @ts-ignore: decorator
@inline function finish(nv: i32, c: v128, i: i32, to: usize, fused: bool, bias: usize, act: i32, alpha: f32): void {
  if (nv <= i) return;
  if (fused) {
    if (bias) c = f32x4.add(c, v128.load(bias + (<usize>i << 4)));
    c = vectorAct(c, act, f32x4.splat(alpha));
  }
  v128.store(to + (<usize>i << 4), c);
}

// Rows A's and B's sweeps of nv (1..3, constant) vectors: entries [ea, endA) and [eb, endB).
// @ts-ignore: decorator
@inline function sweepPair(nv: i32, ea: usize, endA: usize, eb: usize, endB: usize, fromA: usize, fromB: usize,
                           toA: usize, toB: usize, fused: bool, bias: usize, act: i32, alpha: f32): void {
  let a0 = start(nv, fromA, 0), a1 = start(nv, fromA, 1), a2 = start(nv, fromA, 2);
  let b0 = start(nv, fromB, 0), b1 = start(nv, fromB, 1), b2 = start(nv, fromB, 2);
  const common = min(endA - ea, endB - eb);
  const stopA = ea + common;
  for (; ea < stopA; ea += 8, eb += 8) {
    const ta = load<u64>(ea), xa = f32x4.splat(reinterpret<f32>(<u32>ta)), pa = <usize>(ta >>> 32);
    const tb = load<u64>(eb), xb = f32x4.splat(reinterpret<f32>(<u32>tb)), pb = <usize>(tb >>> 32);
    a0 = madd(xa, v128.load(pa), a0); b0 = madd(xb, v128.load(pb), b0);
    if (nv > 1) { a1 = madd(xa, v128.load(pa, 16), a1); b1 = madd(xb, v128.load(pb, 16), b1); }
    if (nv > 2) { a2 = madd(xa, v128.load(pa, 32), a2); b2 = madd(xb, v128.load(pb, 32), b2); }
  }
  for (; ea < endA; ea += 8) {
    const t = load<u64>(ea), x = f32x4.splat(reinterpret<f32>(<u32>t)), p = <usize>(t >>> 32);
    a0 = madd(x, v128.load(p), a0);
    if (nv > 1) a1 = madd(x, v128.load(p, 16), a1);
    if (nv > 2) a2 = madd(x, v128.load(p, 32), a2);
  }
  for (; eb < endB; eb += 8) {
    const t = load<u64>(eb), x = f32x4.splat(reinterpret<f32>(<u32>t)), p = <usize>(t >>> 32);
    b0 = madd(x, v128.load(p), b0);
    if (nv > 1) b1 = madd(x, v128.load(p, 16), b1);
    if (nv > 2) b2 = madd(x, v128.load(p, 32), b2);
  }
  finish(nv, a0, 0, toA, fused, bias, act, alpha); finish(nv, a1, 1, toA, fused, bias, act, alpha);
  finish(nv, a2, 2, toA, fused, bias, act, alpha);
  finish(nv, b0, 0, toB, fused, bias, act, alpha); finish(nv, b1, 1, toB, fused, bias, act, alpha);
  finish(nv, b2, 2, toB, fused, bias, act, alpha);
}

// Each epilogue its own function (nv dispatched inside): inlined into gemmRowLists, so much code
// made V8 allocate that function's registers with its simpler allocator, which kept every
// accumulator on the stack (measured 2.2× slower on an earlier form).

/** Two rows' narrow sweeps from C (from = to when beta ≠ 0, else 0: +0), no epilogue. */
export function pairSweepPlain(nv: i32, ea: usize, endA: usize, eb: usize, endB: usize, fromA: usize, fromB: usize, toA: usize, toB: usize): void {
  if (nv == 3) sweepPair(3, ea, endA, eb, endB, fromA, fromB, toA, toB, false, 0, 0, 0);
  else if (nv == 2) sweepPair(2, ea, endA, eb, endB, fromA, fromB, toA, toB, false, 0, 0, 0);
  else sweepPair(1, ea, endA, eb, endB, fromA, fromB, toA, toB, false, 0, 0, 0);
}

/** Two rows' narrow sweeps from +0, then + bias (if any) and ReLU. */
export function pairSweepRelu(nv: i32, ea: usize, endA: usize, eb: usize, endB: usize, toA: usize, toB: usize, bias: usize, alpha: f32): void {
  if (nv == 3) sweepPair(3, ea, endA, eb, endB, 0, 0, toA, toB, true, bias, ACT_RELU, alpha);
  else if (nv == 2) sweepPair(2, ea, endA, eb, endB, 0, 0, toA, toB, true, bias, ACT_RELU, alpha);
  else sweepPair(1, ea, endA, eb, endB, 0, 0, toA, toB, true, bias, ACT_RELU, alpha);
}

/** Two rows' narrow sweeps from +0, then + bias (if any) and another vectorised activation. */
export function pairSweepAct(nv: i32, ea: usize, endA: usize, eb: usize, endB: usize, toA: usize, toB: usize, bias: usize, act: i32, alpha: f32): void {
  if (nv == 3) sweepPair(3, ea, endA, eb, endB, 0, 0, toA, toB, true, bias, act, alpha);
  else if (nv == 2) sweepPair(2, ea, endA, eb, endB, 0, 0, toA, toB, true, bias, act, alpha);
  else sweepPair(1, ea, endA, eb, endB, 0, 0, toA, toB, true, bias, act, alpha);
}
