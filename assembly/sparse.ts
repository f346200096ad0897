// Skipping exact zeros (issue 17): MNIST rows are about 81 % zero pixels, and a ReLU's outputs
// and the gradients back through it are often mostly zeros. The GEMMs that skip them are the
// *_skip forms in gemm.ts; this count is what picks them (src/ops/sparse-data.ts).

/**
 * The number of values of x (n f32) that are not exactly zero, counted until it reaches `limit`
 * (it stops there, within 64 values: the result is ≥ limit exactly when the whole count is): what
 * picks the zero-skipping or the dense GEMMs, so dense data pay for a short scan only.
 */
export function count_nonzero(x: usize, n: i32, limit: i32): i32 {
  const zero = f32x4.splat(0);
  let count = 0, i = 0;
  while (i + 64 <= n && count < limit) {
    let acc = i32x4.splat(0); // −1 per nonzero lane (a true comparison is all ones)
    for (let j = 0; j < 64; j += 4) acc = i32x4.sub(acc, f32x4.ne(v128.load(x + (<usize>(i + j) << 2)), zero));
    count += i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) + i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3);
    i += 64;
  }
  for (; i < n && count < limit; i++) if (load<f32>(x + (<usize>i << 2)) != 0) count++;
  return count;
}
