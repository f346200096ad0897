// Vectorised transcendental functions for the loss kernels, accurate to a few ulp on the ranges
// the kernels use.

const LN2_HI: f32 = 0.693145751953125; // high bits of ln 2 (exact product with small n)
const LN2_LO: f32 = 1.428606765330187e-6; // ln 2 − LN2_HI
const LOG2E: f32 = 1.4426950408889634;

/**
 * eˣ for x ∈ [−87, 0] (smaller x gives about 1e-38): x = n·ln 2 + r with |r| ≤ ln 2 / 2, then a
 * degree-6 Taylor polynomial for eʳ (error below 2e-7 relative) and 2ⁿ put into the exponent bits.
 */
// @ts-ignore: decorator
@inline export function exp4(x: v128): v128 {
  x = f32x4.max(x, f32x4.splat(-87));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(LOG2E)));
  const r = f32x4.sub(f32x4.sub(x, f32x4.mul(n, f32x4.splat(LN2_HI))), f32x4.mul(n, f32x4.splat(LN2_LO)));
  let p = f32x4.splat(1.0 / 720);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 120));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 24));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 6));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(0.5));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1));
  // 2ⁿ: n ∈ [−126, 0] here, so (n + 127) << 23 is a normal float's bit pattern.
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(p, scale);
}

/**
 * log(1 + e) for e ∈ [0, 1]: 2·atanh(s) with s = e / (2 + e) ∈ [0, 1/3], by its odd series
 * s + s³/3 + … + s¹⁵/15 (next term below 1e-8 relative); no cancellation for small e.
 */
// @ts-ignore: decorator
@inline export function log1p01(e: v128): v128 {
  const s = f32x4.div(e, f32x4.add(e, f32x4.splat(2)));
  const s2 = f32x4.mul(s, s);
  let p = f32x4.splat(1.0 / 15);
  p = f32x4.add(f32x4.mul(p, s2), f32x4.splat(1.0 / 13));
  p = f32x4.add(f32x4.mul(p, s2), f32x4.splat(1.0 / 11));
  p = f32x4.add(f32x4.mul(p, s2), f32x4.splat(1.0 / 9));
  p = f32x4.add(f32x4.mul(p, s2), f32x4.splat(1.0 / 7));
  p = f32x4.add(f32x4.mul(p, s2), f32x4.splat(1.0 / 5));
  p = f32x4.add(f32x4.mul(p, s2), f32x4.splat(1.0 / 3));
  p = f32x4.add(f32x4.mul(p, s2), f32x4.splat(1));
  return f32x4.mul(f32x4.mul(p, s), f32x4.splat(2));
}
