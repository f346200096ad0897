// Reductions, gathers and checks over flat ranges.

/**
 * dst[c] = beta·dst[c] + Σ_r src[r·ld + c] for c < cols (bias gradients), summed over r in order.
 */
export function col_sums(dst: usize, src: usize, rows: i32, cols: i32, ld: i32, beta: f32): void {
  const c4 = cols & ~3, c16 = cols & ~15;
  const vb = f32x4.splat(beta);
  const stride = <usize>ld << 2;
  let c = 0;
  // 16 columns at a time: four chains in flight instead of one, each column's sum still over the
  // rows in order (one vector add's latency a row made a conv bias gradient latency-bound:
  // 25088 × 32 154 → 46 µs; dcgan28's six a step 0.70 → 0.50 ms, the rest its one-column sum).
  for (; c < c16; c += 16) {
    const off = <usize>c << 2;
    let a0 = beta == 0 ? f32x4.splat(0) : f32x4.mul(vb, v128.load(dst + off));
    let a1 = beta == 0 ? f32x4.splat(0) : f32x4.mul(vb, v128.load(dst + off, 16));
    let a2 = beta == 0 ? f32x4.splat(0) : f32x4.mul(vb, v128.load(dst + off, 32));
    let a3 = beta == 0 ? f32x4.splat(0) : f32x4.mul(vb, v128.load(dst + off, 48));
    let p = src + off;
    for (let r = 0; r < rows; r++) {
      a0 = f32x4.add(a0, v128.load(p)); a1 = f32x4.add(a1, v128.load(p, 16));
      a2 = f32x4.add(a2, v128.load(p, 32)); a3 = f32x4.add(a3, v128.load(p, 48));
      p += stride;
    }
    v128.store(dst + off, a0); v128.store(dst + off, a1, 16); v128.store(dst + off, a2, 32); v128.store(dst + off, a3, 48);
  }
  for (; c < c4; c += 4) {
    const off = <usize>c << 2;
    let acc = beta == 0 ? f32x4.splat(0) : f32x4.mul(vb, v128.load(dst + off));
    let p = src + off;
    for (let r = 0; r < rows; r++) {
      acc = f32x4.add(acc, v128.load(p));
      p += <usize>ld << 2;
    }
    v128.store(dst + off, acc);
  }
  for (; c < cols; c++) {
    const off = <usize>c << 2;
    let acc: f32 = beta == 0 ? 0 : beta * load<f32>(dst + off);
    for (let r = 0; r < rows; r++) acc += load<f32>(src + ((<usize>r * <usize>ld) << 2) + off);
    store<f32>(dst + off, acc);
  }
}

/** Σ x² over n elements (for gradient-norm clipping). */
export function sum_squares(x: usize, n: i32): f64 {
  let acc = f32x4.splat(0);
  let total: f64 = 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    acc = f32x4.add(acc, f32x4.mul(v, v));
    if ((i & 4095) == 4092) { // flush to f64 now and then to bound f32 rounding growth
      total += <f64>f32x4.extract_lane(acc, 0) + <f64>f32x4.extract_lane(acc, 1)
             + <f64>f32x4.extract_lane(acc, 2) + <f64>f32x4.extract_lane(acc, 3);
      acc = f32x4.splat(0);
    }
  }
  total += <f64>f32x4.extract_lane(acc, 0) + <f64>f32x4.extract_lane(acc, 1)
         + <f64>f32x4.extract_lane(acc, 2) + <f64>f32x4.extract_lane(acc, 3);
  for (; i < n; i++) {
    const v = <f64>load<f32>(x + (<usize>i << 2));
    total += v * v;
  }
  return total;
}

/** x[i] *= s for n elements. */
export function scale(x: usize, n: i32, s: f32): void {
  const vs = f32x4.splat(s);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>i << 2;
    v128.store(x + off, f32x4.mul(v128.load(x + off), vs));
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    store<f32>(x + off, load<f32>(x + off) * s);
  }
}

// Source row of output row r: idx[r] when idx ≠ 0, else start + r.
// @ts-ignore: decorator
@inline function sourceRow(idx: usize, start: i32, r: i32): usize {
  return idx ? <usize>load<u32>(idx + (<usize>r << 2)) : <usize>(start + r);
}

/** x[i] = value for n elements. */
export function fill(x: usize, n: i32, value: f32): void {
  const vv = f32x4.splat(value);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(x + (<usize>i << 2), vv);
  for (; i < n; i++) store<f32>(x + (<usize>i << 2), value);
}

/** dst row r = src row (idx ? idx[r] : start + r), f32 rows of `cols`. */
export function gather_f32(dst: usize, src: usize, idx: usize, start: i32, rows: i32, cols: i32): void {
  const bytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const i = sourceRow(idx, start, r);
    memory.copy(dst + <usize>r * bytes, src + i * bytes, bytes);
  }
}

/** dst row r = s · src row (idx ? idx[r] : start + r), where src holds u8 rows (pixels · 1/255). */
export function gather_u8(dst: usize, src: usize, idx: usize, start: i32, rows: i32, cols: i32, s: f32): void {
  const vs = f32x4.splat(s);
  for (let r = 0; r < rows; r++) {
    const from = src + sourceRow(idx, start, r) * <usize>cols;
    const to = dst + ((<usize>r * <usize>cols) << 2);
    let c = 0;
    // 16 pixels: widen u8 → u16 → u32, convert, scale. The signed conversion (one cvtdq2ps; the
    // unsigned one is a sequence of about eight on x64) is exact for 0..255.
    for (; c + 16 <= cols; c += 16) {
      const bytes = v128.load(from + <usize>c);
      const lo = i16x8.extend_low_i8x16_u(bytes), hi = i16x8.extend_high_i8x16_u(bytes);
      const out = to + (<usize>c << 2);
      v128.store(out, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(lo)), vs));
      v128.store(out, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_u(lo)), vs), 16);
      v128.store(out, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(hi)), vs), 32);
      v128.store(out, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_u(hi)), vs), 48);
    }
    for (; c < cols; c++) {
      store<f32>(to + (<usize>c << 2), <f32>load<u8>(from + <usize>c) * s);
    }
  }
}

/** Index of the first element that is NaN, ±Inf or outside [lo, hi]; −1 when all are valid. */
export function first_invalid(x: usize, n: i32, lo: f32, hi: f32): i32 {
  for (let i = 0; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    if (!(v >= lo && v <= hi) || !isFinite(v)) return i;
  }
  return -1;
}

/**
 * 1 when every one of the n values is finite, else 0. x·0 is 0 for a finite x and NaN for ±Inf or
 * NaN, and NaN survives addition, so one multiply-add per value decides (the divergence check
 * runs this over every gradient buffer of a step before any parameter changes).
 */
export function all_finite(x: usize, n: i32): i32 {
  const zero = f32x4.splat(0);
  let a = zero, b = zero;
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const p = x + (<usize>i << 2);
    a = f32x4.add(a, f32x4.mul(v128.load(p), zero));
    b = f32x4.add(b, f32x4.mul(v128.load(p, 16), zero));
  }
  let s = f32x4.add(a, b);
  let tail: f32 = f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
  for (; i < n; i++) tail += load<f32>(x + (<usize>i << 2)) * 0;
  return tail == 0 ? 1 : 0;
}

/**
 * The conditional VAE's input: dst row r = [src row r (cols floats) | one-hot of its label over
 * `classes`], dst rows cols + classes wide. The label of row r is labels[idx[r]] (i32), or
 * labels[start + r] without idx, as sourceRow picks data rows.
 */
export function concat_onehot(dst: usize, src: usize, rows: i32, cols: i32, labels: usize, idx: usize, start: i32, classes: i32): void {
  const width = cols + classes;
  for (let r = 0; r < rows; r++) {
    const to = dst + ((<usize>r * <usize>width) << 2);
    memory.copy(to, src + ((<usize>r * <usize>cols) << 2), <usize>cols << 2);
    memory.fill(to + (<usize>cols << 2), 0, <usize>classes << 2);
    const label = load<i32>(labels + (sourceRow(idx, start, r) << 2));
    store<f32>(to + ((<usize>(cols + label)) << 2), 1);
  }
}

/** dst (rows × cols) = the first cols columns of src (rows × ld): the gradient of a concatenation's first part. */
export function take_cols(dst: usize, src: usize, rows: i32, cols: i32, ld: i32): void {
  for (let r = 0; r < rows; r++) {
    memory.copy(dst + ((<usize>r * <usize>cols) << 2), src + ((<usize>r * <usize>ld) << 2), <usize>cols << 2);
  }
}
