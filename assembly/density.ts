// Importance sampling (Burda et al. 2015): k samples z_s ~ q(z|x) per row and their log-weights
// log w_s = log p(x|z_s) + log p(z_s) − log q(z_s|x). log p(x) ≈ log (1/k) Σ_s w_s, which the IWAE
// bound trains and the papers' test NLL (k = 5000) reports. These kernels give the per-sample
// terms and the running log-sum-exp; the forward passes are the model's own ops.
import { bernoulliRow, gaussian_nll } from './loss';
import { hash4, normalFromBits } from './random';

/**
 * Standard normal noise for rows that are samples: row b is sample s = sampleStart + b % k of data
 * row i = idx[b] (an i32 per row, each data row's index repeated k times) when idx ≠ 0, else
 * rowOffset + b / k; element (b, j) = N(seed, stream, i, s·cols + j). With k = 1 and
 * sampleStart = 0 this is normal_rows, bit for bit.
 */
export function normal_samples(dst: usize, rows: i32, cols: i32, idx: usize, rowOffset: i32, k: i32, sampleStart: i32,
                               seed: u32, stream: u32): void {
  for (let b = 0; b < rows; b++) {
    const i: u32 = idx ? load<u32>(idx + (<usize>b << 2)) : <u32>(rowOffset + b / k);
    const s = <u32>(sampleStart + b % k);
    const row = dst + ((<usize>b * <usize>cols) << 2);
    for (let j = 0; j < cols; j++) {
      store<f32>(row + (<usize>j << 2), normalFromBits(hash4(seed, stream, i, s * <u32>cols + <u32>j)));
    }
  }
}

/**
 * out[b] = log q(z_b|x) − log p(z_b) for z = μ + σ·ε (head [μ | log σ²] per row):
 * Σ_j ½(z_j² − ε_j² − log σ²_j); the 2π terms cancel. Its mean over z is the KL term.
 */
export function latent_log_ratio(head: usize, eps: usize, z: usize, rows: i32, latent: i32, out: usize): void {
  for (let b = 0; b < rows; b++) {
    const h = head + ((<usize>b * <usize>(2 * latent)) << 2), o = (<usize>b * <usize>latent) << 2;
    let sum: f64 = 0;
    for (let j = 0; j < latent; j++) {
      const zj = <f64>load<f32>(z + o + (<usize>j << 2)), e = <f64>load<f32>(eps + o + (<usize>j << 2));
      sum += 0.5 * (zj * zj - e * e - <f64>load<f32>(h + (<usize>(j + latent) << 2)));
    }
    store<f32>(out + (<usize>b << 2), <f32>sum);
  }
}

/** out[b] = −log p(x_b|z_b) of row b (Bernoulli on logits; the stable form of bernoulli_nll). */
export function bernoulli_nll_rows(logits: usize, x: usize, rows: i32, cols: i32, out: usize): void {
  for (let b = 0; b < rows; b++) {
    const off = (<usize>b * <usize>cols) << 2;
    store<f32>(out + (<usize>b << 2), <f32>bernoulliRow(logits + off, x + off, cols, 0));
  }
}

/** out[b] = −log N(x_b; μ_b, diag e^s) of row b (gaussian_nll's terms). */
export function gaussian_nll_rows(mean: usize, x: usize, logVar: usize, rows: i32, cols: i32, out: usize): void {
  for (let b = 0; b < rows; b++) {
    const off = (<usize>b * <usize>cols) << 2;
    store<f32>(out + (<usize>b << 2), <f32>gaussian_nll(mean + off, x + off, logVar, 1, cols, 0));
  }
}

/**
 * log(e^prev + Σ_b e^(−a[b] − c[b])) in f64, stably (the largest term factored out): the running
 * log-sum-exp of log-weights −(−log p(x|z)) − (log q − log p). prev = −∞ starts a sum.
 */
export function log_sum_exp_update(a: usize, c: usize, n: i32, prev: f64): f64 {
  let top = prev;
  for (let b = 0; b < n; b++) top = Math.max(top, -<f64>load<f32>(a + (<usize>b << 2)) - <f64>load<f32>(c + (<usize>b << 2)));
  if (top == -Infinity) return top;
  let sum: f64 = prev == -Infinity ? 0 : Math.exp(prev - top);
  for (let b = 0; b < n; b++) sum += Math.exp(-<f64>load<f32>(a + (<usize>b << 2)) - <f64>load<f32>(c + (<usize>b << 2)) - top);
  return top + Math.log(sum);
}

/** Rows 1 … times − 1 of dst become copies of src's one row of `cols` floats, and row 0 too when dst ≠ src. */
export function repeat_row(dst: usize, src: usize, cols: i32, times: i32): void {
  const bytes = <usize>cols << 2;
  for (let t = dst == src ? 1 : 0; t < times; t++) memory.copy(dst + <usize>t * bytes, src, bytes);
}

/**
 * In place: rows × cols 4-byte values become rows·k rows, each row repeated k times in order
 * (row r to rows r·k … r·k + k − 1). Runs from the last row down, so no row is overwritten before
 * it is copied.
 */
export function expand_rows(buf: usize, rows: i32, cols: i32, k: i32): void {
  const bytes = <usize>cols << 2;
  for (let r = rows - 1; r >= 0; r--) {
    for (let s = k - 1; s >= 0; s--) {
      const to = <usize>(r * k + s);
      if (to != <usize>r) memory.copy(buf + to * bytes, buf + <usize>r * bytes, bytes);
    }
  }
}

/**
 * The IWAE bound of `rows` data rows of k samples each (Burda et al. 2015, eq. 8): log-weights
 * log w_s = −a_s − c_s (a: log q − log p, c: −log p(x|z)); returns Σ_rows −log (1/k) Σ_s w_s in
 * f64, and overwrites a with the normalised weights w̃_s = w_s / Σ_t w_t, which weigh each
 * sample's gradient (eq. 13).
 */
export function iwae_weights(a: usize, c: usize, rows: i32, k: i32): f64 {
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const base = <usize>(r * k) << 2;
    let top: f64 = -Infinity;
    for (let s = 0; s < k; s++) {
      const o = base + (<usize>s << 2);
      top = Math.max(top, -<f64>load<f32>(a + o) - <f64>load<f32>(c + o));
    }
    let sum: f64 = 0;
    for (let s = 0; s < k; s++) {
      const o = base + (<usize>s << 2);
      sum += Math.exp(-<f64>load<f32>(a + o) - <f64>load<f32>(c + o) - top);
    }
    const lse = top + Math.log(sum);
    for (let s = 0; s < k; s++) {
      const o = base + (<usize>s << 2);
      store<f32>(a + o, <f32>Math.exp(-<f64>load<f32>(a + o) - <f64>load<f32>(c + o) - lse));
    }
    total -= lse - Math.log(<f64>k);
  }
  return total;
}

/** x[b][·] *= w[b] for rows × cols (a likelihood's gradient, weighted per sample). */
export function scale_rows(x: usize, rows: i32, cols: i32, w: usize): void {
  for (let b = 0; b < rows; b++) {
    const v = f32x4.splat(load<f32>(w + (<usize>b << 2)));
    const row = x + ((<usize>b * <usize>cols) << 2);
    let j = 0;
    for (; j + 4 <= cols; j += 4) v128.store(row + (<usize>j << 2), f32x4.mul(v128.load(row + (<usize>j << 2)), v));
    for (; j < cols; j++) store<f32>(row + (<usize>j << 2), load<f32>(row + (<usize>j << 2)) * f32x4.extract_lane(v, 0));
  }
}

/**
 * The latent op's backward for the IWAE bound: sample b's part of −log w_b through z = μ + σ·ε,
 * weighted by w̃_b, plus dz (which arrives weighted): with −log w ∋ Σ_j ½(z_j² − ε_j² − log σ²_j),
 *   ∂/∂μ = dz + w̃·z;   ∂/∂log σ² = (dz + w̃·z)·½σε − w̃·½.
 */
export function latent_backward_iwae(head: usize, rows: i32, latent: i32, eps: usize, z: usize, dz: usize, dhead: usize, w: usize): void {
  for (let b = 0; b < rows; b++) {
    const h = head + ((<usize>b * <usize>(2 * latent)) << 2), dh = dhead + ((<usize>b * <usize>(2 * latent)) << 2);
    const o = (<usize>b * <usize>latent) << 2, wb = load<f32>(w + (<usize>b << 2));
    for (let j = 0; j < latent; j++) {
      const jo = <usize>j << 2;
      const sigma = Mathf.exp(0.5 * load<f32>(h + (<usize>(j + latent) << 2)));
      const g = load<f32>(dz + o + jo) + wb * load<f32>(z + o + jo);
      store<f32>(dh + jo, g);
      store<f32>(dh + (<usize>(j + latent) << 2), g * 0.5 * sigma * load<f32>(eps + o + jo) - 0.5 * wb);
    }
  }
}

/** dst[0 … n) = value (i32): a row index repeated for every sample of that row. */
export function fill_i32(dst: usize, n: i32, value: i32): void {
  for (let i = 0; i < n; i++) store<i32>(dst + (<usize>i << 2), value);
}
