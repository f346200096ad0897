// Activations, forward (fused with the bias add) and backward. Backward is written in terms of
// the activation's output y, so the forward pass keeps only y:
//   relu' = [y>0]; leaky' = y>0 ? 1 : α; elu' = y>0 ? 1 : y+α  (y = α(eˣ−1) ⇒ α eˣ = y+α);
//   tanh' = 1−y²; sigmoid' = y(1−y); softplus' = σ(x) = 1−e^(−y)  (e^y = 1+eˣ).

import { sigmoid4, tanh4 } from './vmath';

export const ACT_IDENTITY: i32 = 0;
export const ACT_RELU: i32 = 1;
export const ACT_LEAKY_RELU: i32 = 2;
export const ACT_ELU: i32 = 3;
export const ACT_TANH: i32 = 4;
export const ACT_SIGMOID: i32 = 5;
export const ACT_SOFTPLUS: i32 = 6;

// @ts-ignore: decorator
@inline export function sigmoidf(x: f32): f32 {
  // Stable for both signs: never exponentiates a large positive number.
  if (x >= 0) return 1 / (1 + Mathf.exp(-x));
  const e = Mathf.exp(x);
  return e / (1 + e);
}

// @ts-ignore: decorator
@inline function softplusf(x: f32): f32 {
  return max<f32>(x, 0) + Mathf.log1p(Mathf.exp(-Mathf.abs(x)));
}

// @ts-ignore: decorator
@inline function scalarAct(x: f32, act: i32, alpha: f32): f32 {
  switch (act) {
    case ACT_RELU: return x < 0 ? 0 : x; // as pmax below: NaN and −0 pass through
    case ACT_LEAKY_RELU: return x > 0 ? x : alpha * x;
    case ACT_ELU: return x > 0 ? x : alpha * Mathf.expm1(x);
    case ACT_TANH: return Mathf.tanh(x);
    case ACT_SIGMOID: return sigmoidf(x);
    case ACT_SOFTPLUS: return softplusf(x);
    default: return x;
  }
}

// @ts-ignore: decorator
@inline export function vectorAct(x: v128, act: i32, alpha: v128): v128 {
  // pmax(x, 0) = x < 0 ? 0 : x is one maxps on x64; f32x4.max's NaN and ±0 rules cost V8 about
  // seven instructions, which made the fused epilogue of a 16-step tile (a conv's one-channel
  // end) 10 % of its time. They differ only at x = −0, which a sum starting at +0 never gives.
  if (act == ACT_RELU) return f32x4.pmax(x, f32x4.splat(0));
  if (act == ACT_LEAKY_RELU) {
    return v128.bitselect(x, f32x4.mul(x, alpha), f32x4.gt(x, f32x4.splat(0)));
  }
  // Vectorised since the density papers' tanh MLPs: scalar Mathf.tanh took 17 ns per value, most of
  // a 200-wide layer's time (bench/density profile).
  if (act == ACT_TANH) return tanh4(x);
  if (act == ACT_SIGMOID) return sigmoid4(x);
  return x;
}

/** Whether vectorAct computes act (the rest are scalar, through scalarAct). */
// @ts-ignore: decorator
@inline export function isVectorAct(act: i32): bool {
  return act == ACT_IDENTITY || act == ACT_RELU || act == ACT_LEAKY_RELU || act == ACT_TANH || act == ACT_SIGMOID;
}

/**
 * y[r][c] = act(y[r][c] + bias[c]) over a rows×cols row-major block; bias 0 means no bias.
 * act codes: 0 identity, 1 relu, 2 leaky_relu(α), 3 elu(α), 4 tanh, 5 sigmoid, 6 softplus.
 */
export function bias_act(y: usize, rows: i32, cols: i32, bias: usize, act: i32, alpha: f32): void {
  bias_act_block(y, <usize>cols << 2, rows, cols, bias, act, alpha);
}

/**
 * The same over a block whose rows are rowBytes apart (a GEMM applies it to each tile of C as
 * it is stored: the fused forward epilogue, bit-identical to a separate bias_act pass).
 */
export function bias_act_block(y: usize, rowBytes: usize, rows: i32, cols: i32, bias: usize, act: i32, alpha: f32): void {
  const vectorised = isVectorAct(act);
  const valpha = f32x4.splat(alpha);
  const c4 = cols & ~3;
  for (let r = 0; r < rows; r++) {
    const row = y + <usize>r * rowBytes;
    let c = 0;
    // ReLU and identity get loops of their own: with act a variable, every activation's vector
    // code sat in the loop (bias and ReLU over 25088 × 32 values 177 → 110 µs; act_backward's
    // ReLU loop likewise 113 → 79 µs: bench/ab-kernels.mjs bias_relu, relu_backward).
    if (act == ACT_RELU) c = biasActRow(row, c4, bias, ACT_RELU, valpha);
    else if (act == ACT_IDENTITY) c = biasActRow(row, c4, bias, ACT_IDENTITY, valpha);
    else if (vectorised) c = biasActRow(row, c4, bias, act, valpha);
    for (; c < cols; c++) {
      const p = row + (<usize>c << 2);
      let v = load<f32>(p);
      if (bias) v += load<f32>(bias + (<usize>c << 2));
      store<f32>(p, scalarAct(v, act, alpha));
    }
  }
}

// act(row[c] + bias[c]) for c < c4 (a multiple of 4), a vector at a time; returns c4.
// @ts-ignore: decorator
@inline function biasActRow(row: usize, c4: i32, bias: usize, act: i32, valpha: v128): i32 {
  for (let c = 0; c < c4; c += 4) {
    const p = row + (<usize>c << 2);
    let v = v128.load(p);
    if (bias) v = f32x4.add(v, v128.load(bias + (<usize>c << 2)));
    v128.store(p, vectorAct(v, act, valpha));
  }
  return c4;
}

/** dy[i] *= act'(x_i), computed from the activation output y[i]; n elements. */
export function act_backward(dy: usize, y: usize, n: i32, act: i32, alpha: f32): void {
  if (act == ACT_IDENTITY) return;
  const zero = f32x4.splat(0), one = f32x4.splat(1), valpha = f32x4.splat(alpha);
  let i = 0;
  if (act == ACT_RELU) { // a loop of its own (see bias_act_block)
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      v128.store(dy + off, v128.and(v128.load(dy + off), f32x4.gt(v128.load(y + off), zero)));
    }
  } else if (act != ACT_ELU && act != ACT_SOFTPLUS) {
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      const d = v128.load(dy + off);
      const v = v128.load(y + off);
      let g: v128;
      if (act == ACT_RELU) g = v128.and(d, f32x4.gt(v, zero));
      else if (act == ACT_LEAKY_RELU) g = v128.bitselect(d, f32x4.mul(d, valpha), f32x4.gt(v, zero));
      else if (act == ACT_TANH) g = f32x4.mul(d, f32x4.sub(one, f32x4.mul(v, v)));
      else g = f32x4.mul(d, f32x4.mul(v, f32x4.sub(one, v)));
      v128.store(dy + off, g);
    }
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    const d = load<f32>(dy + off);
    const v = load<f32>(y + off);
    let g: f32;
    switch (act) {
      case ACT_RELU: g = v > 0 ? d : 0; break;
      case ACT_LEAKY_RELU: g = v > 0 ? d : alpha * d; break;
      case ACT_ELU: g = v > 0 ? d : d * (v + alpha); break;
      case ACT_TANH: g = d * (1 - v * v); break;
      case ACT_SIGMOID: g = d * v * (1 - v); break;
      default: g = d * (1 - Mathf.exp(-v)); break; // softplus
    }
    store<f32>(dy + off, g);
  }
}
