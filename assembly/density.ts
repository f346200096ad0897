// Importance sampling (Burda et al. 2015): k samples z_s ~ q(z|x) per row and their log-weights
// log w_s = log p(x|z_s) + log p(z_s) − log q(z_s|x). log p(x) ≈ log (1/k) Σ_s w_s, which the IWAE
// bound trains and the papers' test NLL (k = 5000) reports. These kernels give the per-sample
// terms and the running log-sum-exp; the forward passes are the model's own ops.
import { bernoulli_nll, gaussian_nll } from './loss';
import { hash4, normalFromBits } from './random';

/**
 * Standard normal noise for rows that are samples: row b is sample s = sampleStart + b % k of data
 * row i = idx[b / k] (i32 array) when idx ≠ 0, else rowOffset + b / k; element (b, j) =
 * N(seed, stream, i, s·cols + j). With k = 1 and sampleStart = 0 this is normal_rows, bit for bit.
 */
export function normal_samples(dst: usize, rows: i32, cols: i32, idx: usize, rowOffset: i32, k: i32, sampleStart: i32,
                               seed: u32, stream: u32): void {
  for (let b = 0; b < rows; b++) {
    const r = b / k;
    const i: u32 = idx ? load<u32>(idx + (<usize>r << 2)) : <u32>(rowOffset + r);
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
    store<f32>(out + (<usize>b << 2), <f32>bernoulli_nll(logits + off, x + off, cols, 0));
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
