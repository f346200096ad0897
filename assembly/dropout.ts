// Inverted dropout (Srivastava et al. 2014): in training each element is kept with probability
// 1 − rate and scaled by 1/(1 − rate), so evaluation is the identity. The keep/drop draw of
// element (r, j) is a pure function of (seed, stream, salt, sample index, j), as ε's is
// (random.ts): the same rows get the same masks whatever worker or chunk runs them.
import { hash4 } from './random';

/**
 * y = x ⊙ mask for a rows×cols block, mask (written out for the backward pass) 0 or 1/(1 − rate).
 * Row r is sample idx[r] (i32 array) when idx ≠ 0, else rowOffset + r; `salt` tells one dropout
 * layer's draws from another's. With train = 0, y = x and the mask is not touched.
 */
export function dropout_forward(x: usize, y: usize, mask: usize, rows: i32, cols: i32, idx: usize, rowOffset: i32,
                                seed: u32, stream: u32, salt: u32, rate: f64, train: i32): void {
  const n = <usize>rows * <usize>cols;
  if (!train || rate == 0) {
    memory.copy(y, x, n << 2);
    if (train) fill_ones(mask, n);
    return;
  }
  // Keep when the draw's top 24 bits, a uniform integer in [0, 2^24), are at least rate·2^24.
  const threshold = <u64>Math.round(rate * 16777216.0);
  const kept: f32 = <f32>(1.0 / (1.0 - rate));
  const layerSeed = seed ^ (0x9E3779B9 * (salt + 1));
  for (let r = 0; r < rows; r++) {
    const i: u32 = idx ? load<u32>(idx + (<usize>r << 2)) : <u32>(rowOffset + r);
    const base = (<usize>r * <usize>cols) << 2;
    for (let j = 0; j < cols; j++) {
      const m: f32 = (hash4(layerSeed, stream, i, <u32>j) >> 40) >= threshold ? kept : 0;
      const off = base + (<usize>j << 2);
      store<f32>(mask + off, m);
      store<f32>(y + off, load<f32>(x + off) * m);
    }
  }
}

/** ∂/∂x = ∂/∂y ⊙ mask over n elements. */
export function dropout_backward(dy: usize, mask: usize, dx: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>i << 2;
    v128.store(dx + off, f32x4.mul(v128.load(dy + off), v128.load(mask + off)));
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    store<f32>(dx + off, load<f32>(dy + off) * load<f32>(mask + off));
  }
}

function fill_ones(p: usize, n: usize): void {
  for (let e: usize = 0; e < n; e++) store<f32>(p + (e << 2), 1);
}
