// Arithmetic of the latent space (issue 16's tools): paths between two codes, per-dimension
// statistics of many codes, and codes moved along a direction. Small next to an encode or a
// decode, but done here so that every flop of the library runs in wasm. Sums in f64.

/**
 * dst = `steps` rows of n values from a (t = 0) to b (t = 1), t = s / (steps − 1). slerp = 0:
 * (1 − t)·a + t·b. slerp ≠ 0: spherical interpolation (Shoemake 1985; White 2016 for generative
 * models): sin((1 − t)Ω)/sin Ω · a + sin(tΩ)/sin Ω · b with Ω the angle between a and b, linear
 * where a and b are (anti)parallel within 1e-6 (sin Ω ≈ 0).
 */
export function interpolate_rows(dst: usize, a: usize, b: usize, n: i32, steps: i32, slerp: i32): void {
  let ab: f64 = 0, aa: f64 = 0, bb: f64 = 0;
  for (let j = 0; j < n; j++) {
    const x = <f64>load<f32>(a + (<usize>j << 2)), y = <f64>load<f32>(b + (<usize>j << 2));
    ab += x * y; aa += x * x; bb += y * y;
  }
  const cosine = aa > 0 && bb > 0 ? Math.max(-1, Math.min(1, ab / Math.sqrt(aa * bb))) : 1;
  const omega = Math.acos(cosine), sinOmega = Math.sin(omega);
  const spherical = slerp != 0 && sinOmega > 1e-6;
  for (let s = 0; s < steps; s++) {
    const t: f64 = steps > 1 ? <f64>s / <f64>(steps - 1) : 0;
    const wa = spherical ? Math.sin((1 - t) * omega) / sinOmega : 1 - t;
    const wb = spherical ? Math.sin(t * omega) / sinOmega : t;
    const row = dst + (<usize>(s * n) << 2);
    for (let j = 0; j < n; j++) {
      const o = <usize>j << 2;
      store<f32>(row + o, <f32>(wa * <f64>load<f32>(a + o) + wb * <f64>load<f32>(b + o)));
    }
  }
}

/**
 * Over the rows r whose label (i32) equals `value` (labels = 0: every row): mean[j] (f32) and,
 * when variance ≠ 0, the population variance[j] (f32) of column j, two passes in f64. Returns the
 * number of rows counted (means and variances 0 when none).
 */
export function column_moments(mean: usize, variance: usize, x: usize, rows: i32, cols: i32, labels: usize, value: i32): i32 {
  let count = 0;
  for (let j = 0; j < cols; j++) store<f32>(mean + (<usize>j << 2), 0);
  for (let r = 0; r < rows; r++) if (!labels || load<i32>(labels + (<usize>r << 2)) == value) count++;
  if (count == 0) {
    if (variance) for (let j = 0; j < cols; j++) store<f32>(variance + (<usize>j << 2), 0);
    return 0;
  }
  for (let j = 0; j < cols; j++) {
    let sum: f64 = 0;
    for (let r = 0; r < rows; r++) {
      if (labels && load<i32>(labels + (<usize>r << 2)) != value) continue;
      sum += <f64>load<f32>(x + (<usize>(r * cols + j) << 2));
    }
    const m = sum / <f64>count;
    store<f32>(mean + (<usize>j << 2), <f32>m);
    if (!variance) continue;
    let squares: f64 = 0;
    for (let r = 0; r < rows; r++) {
      if (labels && load<i32>(labels + (<usize>r << 2)) != value) continue;
      const d = <f64>load<f32>(x + (<usize>(r * cols + j) << 2)) - m;
      squares += d * d;
    }
    store<f32>(variance + (<usize>j << 2), <f32>(squares / <f64>count));
  }
  return count;
}

/** dst row r = x row r + amount · v (n values per row): codes moved along a direction. dst may be x. */
export function add_scaled_rows(dst: usize, x: usize, v: usize, rows: i32, n: i32, amount: f32): void {
  for (let r = 0; r < rows; r++) {
    const row = <usize>(r * n) << 2;
    for (let j = 0; j < n; j++) {
      const o = <usize>j << 2;
      store<f32>(dst + row + o, load<f32>(x + row + o) + amount * load<f32>(v + o));
    }
  }
}

/**
 * A traversal grid: dst row d·count + i = base (n values) with dimension dims[d] (i32) set to
 * values[i] (f32), for d < ndims, i < count (Higgins et al. 2017's latent traversals).
 */
export function traversal_rows(dst: usize, base: usize, n: i32, dims: usize, ndims: i32, values: usize, count: i32): void {
  for (let d = 0; d < ndims; d++) {
    const dim = load<i32>(dims + (<usize>d << 2));
    for (let i = 0; i < count; i++) {
      const row = dst + (<usize>((d * count + i) * n) << 2);
      memory.copy(row, base, <usize>n << 2);
      store<f32>(row + (<usize>dim << 2), load<f32>(values + (<usize>i << 2)));
    }
  }
}
