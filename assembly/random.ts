// Counter-based random numbers: every value is a pure function of (seed, stream, i, j), so the
// noise for sample i and latent j does not depend on which worker draws it or in what order.
// The mixer is the SplitMix64 finaliser (a bijection on 64 bits), applied to the packed keys.

// @ts-ignore: decorator
@inline function mix64(x: u64): u64 {
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EB;
  return x ^ (x >> 31);
}

// @ts-ignore: decorator
@inline export function hash4(seed: u32, stream: u32, i: u32, j: u32): u64 {
  const h = mix64(((<u64>seed << 32) | <u64>stream) + 0x9E3779B97F4A7C15);
  return mix64(h ^ ((<u64>i << 32) | <u64>j));
}

// @ts-ignore: decorator
@inline export function normalFromBits(h: u64): f32 {
  // Box–Muller with u1 ∈ (0, 1], u2 ∈ [0, 1) taken from disjoint bits of h.
  const u1 = (<f64>(h >> 40) + 1) * 5.9604644775390625e-8;
  const u2 = <f64>((h >> 8) & 0xFFFFFF) * 5.9604644775390625e-8;
  return <f32>(Math.sqrt(-2 * Math.log(u1)) * Math.cos(6.283185307179586 * u2));
}

/**
 * Standard normal noise for a rows×cols block. Row r uses sample index idx[r] (i32 array) when
 * idx ≠ 0, else rowOffset + r; element (r, j) = N(seed, stream, sample index, j).
 */
export function normal_rows(dst: usize, rows: i32, cols: i32, idx: usize, rowOffset: i32,
                            seed: u32, stream: u32): void {
  for (let r = 0; r < rows; r++) {
    const i: u32 = idx ? load<u32>(idx + (<usize>r << 2)) : <u32>(rowOffset + r);
    const row = dst + ((<usize>r * <usize>cols) << 2);
    for (let j = 0; j < cols; j++) {
      store<f32>(row + (<usize>j << 2), normalFromBits(hash4(seed, stream, i, <u32>j)));
    }
  }
}

/** Uniform values in [lo, hi): element e = U(seed, stream, offset + e). */
export function uniform_fill(dst: usize, n: i32, lo: f32, hi: f32, seed: u32, stream: u32, offset: i32): void {
  const width = <f64>hi - <f64>lo;
  for (let e = 0; e < n; e++) {
    const h = hash4(seed, stream, <u32>(offset + e), 0);
    const u = <f64>(h >> 40) * 5.9604644775390625e-8;
    store<f32>(dst + (<usize>e << 2), <f32>(<f64>lo + width * u));
  }
}
