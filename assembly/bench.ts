// Peak-rate probe for the benchmarks: 12 independent f32x4 chains a ← a·y + x held in
// registers (12 accumulators + 2 operands fit the 16 vector registers of x86-64; 16 chains
// spill), `iterations` rounds: 12 · 4 · 2 · iterations flops. Returns a lane sum so that the work
// cannot be removed. (The form acc += x·y would let the optimiser hoist the invariant product.)
import { madd, tile4x8, MR, NR } from './gemm';

export function peak_madd(iterations: i32, seed: f32): f32 {
  const x = f32x4.splat(seed), y = f32x4.splat(0.999999);
  let a0 = x, a1 = x, a2 = x, a3 = x, a4 = x, a5 = x, a6 = x, a7 = x, a8 = x, a9 = x, a10 = x, a11 = x;
  for (let i = 0; i < iterations; i++) {
    a0 = madd(a0, y, x); a1 = madd(a1, y, x); a2 = madd(a2, y, x); a3 = madd(a3, y, x);
    a4 = madd(a4, y, x); a5 = madd(a5, y, x); a6 = madd(a6, y, x); a7 = madd(a7, y, x);
    a8 = madd(a8, y, x); a9 = madd(a9, y, x); a10 = madd(a10, y, x); a11 = madd(a11, y, x);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  return f32x4.extract_lane(f32x4.add(s, f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11))), 0);
}

// The second form: the GEMM micro-kernel itself (4×8 register tile, C += a·b with the product off
// the accumulation chain) swept `iterations` times over packed panels of kc = 256 at `scratch`
// (4·256 + 8·256 + 32 floats: 12 KB, resident in L1): 2 · 4 · 8 · 256 · iterations flops. On CPUs
// where the multiply is slow to feed the add (mul+add on shared ports) this form reaches more than
// the chains above, and the larger of the two is the ceiling.
export function peak_tile(iterations: i32, scratch: usize): f32 {
  const kc = 256;
  const ap = scratch, bp = scratch + <usize>(MR * kc * 4), c = bp + <usize>(NR * kc * 4);
  for (let i = 0; i < (MR + NR) * kc; i++) store<f32>(scratch + (<usize>i << 2), 0.001 * <f32>(i & 15));
  for (let i = 0; i < MR * NR; i++) store<f32>(c + (<usize>i << 2), 0);
  for (let i = 0; i < iterations; i++) tile4x8(kc, ap, bp, c, NR * 4, NR, 1, c);
  return load<f32>(c);
}
