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
  x = f32x4.pmax(x, f32x4.splat(-87)); // pmax: one maxps (f32x4.max costs V8 about seven); NaN passes either way
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

/**
 * tanh x, to about 3e-7 relative: for |x| ≥ 0.35, sign(x)·(1 − e)/(1 + e) with e = e^(−2|x|) ∈ (0, 0.5]
 * (no cancellation: 1 − e ≥ 0.5); below, the odd Taylor series to x¹¹ (the x¹³ term is under
 * 1e-7 of tanh there). Measured against float64: test/kernels.test.ts.
 */
// @ts-ignore: decorator
@inline export function tanh4(x: v128): v128 {
  const a = f32x4.abs(x);
  const e = exp4(f32x4.mul(a, f32x4.splat(-2)));
  const big = f32x4.div(f32x4.sub(f32x4.splat(1), e), f32x4.add(f32x4.splat(1), e));
  const x2 = f32x4.mul(a, a);
  let p = f32x4.splat(<f32>(-1382.0 / 155925.0));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(<f32>(62.0 / 2835.0)));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(<f32>(-17.0 / 315.0)));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(<f32>(2.0 / 15.0)));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(<f32>(-1.0 / 3.0)));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(1));
  const small = f32x4.mul(p, a);
  const t = v128.bitselect(small, big, f32x4.lt(a, f32x4.splat(0.35)));
  // The sign of x on |tanh x|.
  return v128.or(t, v128.and(x, i32x4.splat(0x80000000)));
}

/** σ(x) = 1/(1 + e^(−x)), stably for both signs: with e = e^(−|x|), 1/(1 + e) for x ≥ 0, else e/(1 + e). */
// @ts-ignore: decorator
@inline export function sigmoid4(x: v128): v128 {
  const e = exp4(f32x4.neg(f32x4.abs(x)));
  const d = f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), e));
  return v128.bitselect(d, f32x4.mul(e, d), f32x4.ge(x, f32x4.splat(0)));
}
