// Likelihoods, the KL term and the reparameterisation, each with its gradient.
// All sums are over elements of the block (nats); the caller divides by the number of examples.
import { sigmoidf } from './elementwise';
import { exp4, log1p01 } from './vmath';

const LOG_2PI: f64 = 1.8378770664093453;

/**
 * Each row's loss term is rounded to a multiple of 2⁻²⁰ nats before it is added (`onGrid`), so
 * that every sum of terms is exact in f64 (while below 2³³ nats): a batch's loss then has the same
 * bits however its rows are split among workers and in whatever order the shards' sums are added
 * (measured before: 3 and 4 workers reported epoch losses differing from 1 worker's in the 9th
 * digit, while the parameters were the same to the bit).
 */
const LOSS_GRID: f64 = 1048576;

// @ts-ignore: decorator
@inline function onGrid(v: f64): f64 {
  return nearest(v * LOSS_GRID) / LOSS_GRID;
}

// Four elements at byte offset off: returns their loss terms, stores σ(l) − x when grad ≠ 0.
// @ts-ignore: decorator
@inline function bernoulli4(logits: usize, x: usize, grad: usize, off: usize): v128 {
  const l = v128.load(logits + off);
  const t = v128.load(x + off);
  const e = exp4(f32x4.neg(f32x4.abs(l))); // e^(−|l|) ∈ (0, 1]
  if (grad) {
    const d = f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), e)); // σ(|l|)
    const s = v128.bitselect(d, f32x4.mul(e, d), f32x4.ge(l, f32x4.splat(0)));
    v128.store(grad + off, f32x4.sub(s, t));
  }
  // pmax(l, 0), one maxps: it differs from f32x4.max only at l = −0, where the sum is +0 either way.
  return f32x4.add(f32x4.sub(f32x4.pmax(l, f32x4.splat(0)), f32x4.mul(l, t)), log1p01(e));
}

/**
 * Bernoulli negative log-likelihood on logits l for targets x ∈ [0,1] (rows × cols), summed:
 *   Σ max(l,0) − l·x + log(1+e^(−|l|))        (stable form of −x log σ(l) − (1−x) log(1−σ(l)))
 * each row's sum on the loss grid (onGrid), and, when grad ≠ 0, grad = ∂/∂l = σ(l) − x.
 */
export function bernoulli_nll(logits: usize, x: usize, rows: i32, cols: i32, grad: usize): f64 {
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const rowOffset = (<usize>r * <usize>cols) << 2;
    total += onGrid(bernoulliRow(logits + rowOffset, x + rowOffset, cols, grad ? grad + rowOffset : 0));
  }
  return total;
}

// The sum of one row's n terms (and their gradient), off the grid (the importance weights use it).
// @ts-ignore: decorator
@inline export function bernoulliRow(logits: usize, x: usize, n: i32, grad: usize): f64 {
  let total: f64 = 0;
  let i = 0;
  // Four lanes at a time; each block of up to 1024 elements is summed in f32 and added in f64.
  // Four vectors per iteration, then two (V8 re-materialises the exp/log constants inside the
  // loop, see optim.ts; measured on 128 × 784: 330 µs with two a turn, 289 with four), added to
  // the accumulator in element order.
  while (i + 4 <= n) {
    let acc = f32x4.splat(0);
    const end = min(n & ~3, i + 1024);
    for (; i + 16 <= end; i += 16) {
      const off = <usize>i << 2;
      acc = f32x4.add(acc, bernoulli4(logits, x, grad, off));
      acc = f32x4.add(acc, bernoulli4(logits, x, grad, off + 16));
      acc = f32x4.add(acc, bernoulli4(logits, x, grad, off + 32));
      acc = f32x4.add(acc, bernoulli4(logits, x, grad, off + 48));
    }
    for (; i + 8 <= end; i += 8) {
      const off = <usize>i << 2;
      acc = f32x4.add(acc, bernoulli4(logits, x, grad, off));
      acc = f32x4.add(acc, bernoulli4(logits, x, grad, off + 16));
    }
    if (i < end) {
      acc = f32x4.add(acc, bernoulli4(logits, x, grad, <usize>i << 2));
      i += 4;
    }
    total += <f64>f32x4.extract_lane(acc, 0) + <f64>f32x4.extract_lane(acc, 1)
           + <f64>f32x4.extract_lane(acc, 2) + <f64>f32x4.extract_lane(acc, 3);
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    const l = load<f32>(logits + off);
    const t = load<f32>(x + off);
    const e = Mathf.exp(-Mathf.abs(l));
    total += <f64>(max<f32>(l, 0) - l * t + Mathf.log1p(e));
    if (grad) {
      const s: f32 = l >= 0 ? 1 / (1 + e) : e / (1 + e);
      store<f32>(grad + off, s - t);
    }
  }
  return total;
}

/**
 * Gaussian negative log-likelihood with a per-column log-variance s (rows×cols block):
 *   Σ ½ (log 2π + s_c + (x − μ)² e^(−s_c))
 * each row's sum on the loss grid, and grad (∂/∂μ) = (μ − x) e^(−s_c) when grad ≠ 0 (∂/∂s:
 * gaussian_logvar_grad).
 */
export function gaussian_nll(mean: usize, x: usize, logVar: usize, rows: i32, cols: i32, grad: usize): f64 {
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const base = (<usize>r * <usize>cols) << 2;
    let row: f64 = 0;
    for (let c = 0; c < cols; c++) {
      const off = base + (<usize>c << 2);
      const s = load<f32>(logVar + (<usize>c << 2));
      const inv = Mathf.exp(-s);
      const d = load<f32>(mean + off) - load<f32>(x + off);
      const q = d * d * inv;
      row += 0.5 * (LOG_2PI + <f64>s + <f64>q);
      if (grad) store<f32>(grad + off, d * inv);
    }
    total += onGrid(row);
  }
  return total;
}

/**
 * ∂/∂s_c of the Gaussian NLL for columns [c0, c1): grad[c] (+)= Σ_r ½ (1 − (x−μ)² e^(−s_c)),
 * summed over rows in order (the weight-gradient phase owns these columns).
 */
export function gaussian_logvar_grad(mean: usize, x: usize, logVar: usize, rows: i32, cols: i32,
                                     c0: i32, c1: i32, grad: usize, accumulate: i32): void {
  for (let c = c0; c < c1; c++) {
    const inv = Mathf.exp(-load<f32>(logVar + (<usize>c << 2)));
    let acc: f32 = accumulate ? load<f32>(grad + (<usize>c << 2)) : 0;
    for (let r = 0; r < rows; r++) {
      const off = ((<usize>r * <usize>cols + <usize>c) << 2);
      const d = load<f32>(mean + off) - load<f32>(x + off);
      acc += 0.5 * (1 - d * d * inv);
    }
    store<f32>(grad + (<usize>c << 2), acc);
  }
}

/**
 * Reparameterisation and KL. head is rows×(2·latent): [μ | log σ²] per row.
 *   z = μ + exp(½ log σ²)·ε         (eps = 0 means ε = 0: z = μ)
 *   KL(q‖N(0,I)) = −½ Σ (1 + log σ² − μ² − σ²)      returned summed over the block, each row on the loss grid.
 */
export function latent_forward(head: usize, rows: i32, latent: i32, eps: usize, z: usize): f64 {
  let kl: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const h = head + ((<usize>r * <usize>(2 * latent)) << 2);
    const o = (<usize>r * <usize>latent) << 2;
    let row: f64 = 0;
    for (let j = 0; j < latent; j++) {
      const mu = load<f32>(h + (<usize>j << 2));
      const lv = load<f32>(h + (<usize>(j + latent) << 2));
      const v = Mathf.exp(lv);
      row += -0.5 * <f64>(1 + lv - mu * mu - v);
      if (z) {
        const e: f32 = eps ? load<f32>(eps + o + (<usize>j << 2)) : 0;
        store<f32>(z + o + (<usize>j << 2), mu + Mathf.sqrt(v) * e);
      }
    }
    kl += onGrid(row);
  }
  return kl;
}

/**
 * Backward of latent_forward plus β·KL: given dz, writes dhead = [∂/∂μ | ∂/∂log σ²]:
 *   ∂/∂μ = dz + β μ;   ∂/∂log σ² = dz·ε·½σ + β·½(σ² − 1).
 */
export function latent_backward(head: usize, rows: i32, latent: i32, eps: usize, dz: usize,
                                dhead: usize, beta: f32): void {
  for (let r = 0; r < rows; r++) {
    const h = head + ((<usize>r * <usize>(2 * latent)) << 2);
    const dh = dhead + ((<usize>r * <usize>(2 * latent)) << 2);
    const o = (<usize>r * <usize>latent) << 2;
    for (let j = 0; j < latent; j++) {
      const jo = <usize>j << 2;
      const lo = <usize>(j + latent) << 2;
      const mu = load<f32>(h + jo);
      const lv = load<f32>(h + lo);
      const v = Mathf.exp(lv);
      const g = dz ? load<f32>(dz + o + jo) : 0;
      const e: f32 = eps ? load<f32>(eps + o + jo) : 0;
      store<f32>(dh + jo, g + beta * mu);
      store<f32>(dh + lo, g * e * 0.5 * Mathf.sqrt(v) + beta * 0.5 * (v - 1));
    }
  }
}

/** out[i] = σ(in[i]) for n elements (Bernoulli means from logits). */
export function sigmoid(input: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const off = <usize>i << 2;
    store<f32>(out + off, sigmoidf(load<f32>(input + off)));
  }
}
