import { bias_act, act_backward } from '../elementwise';
import { col_sums } from '../reduce';
import { bernoulli_nll } from '../loss';

function ptr(a: StaticArray<f32>): usize {
  return changetype<usize>(a);
}

function refAct(x: f64, act: i32, alpha: f64): f64 {
  if (act == 1) return Math.max(x, 0);
  if (act == 2) return x > 0 ? x : alpha * x;
  if (act == 3) return x > 0 ? x : alpha * (Math.exp(x) - 1);
  if (act == 4) return Math.tanh(x);
  if (act == 5) return 1 / (1 + Math.exp(-x));
  if (act == 6) return Math.log(1 + Math.exp(x));
  return x;
}

function checkAct(act: i32): void {
      const rows = 3, cols = 7, n = rows * cols;
      const y = new StaticArray<f32>(n), bias = new StaticArray<f32>(cols), dy = new StaticArray<f32>(n);
      for (let i = 0; i < n; i++) { y[i] = <f32>(i % 11) * 0.37 - 1.9; dy[i] = 1; }
      for (let c = 0; c < cols; c++) bias[c] = <f32>c * 0.05 - 0.1;
      const x = new StaticArray<f64>(n);
      for (let i = 0; i < n; i++) x[i] = <f64>y[i] + <f64>bias[i % cols];
      bias_act(ptr(y), rows, cols, ptr(bias), act, 0.2);
      act_backward(ptr(dy), ptr(y), n, act, 0.2);
      for (let i = 0; i < n; i++) {
        expect(Math.abs(<f64>y[i] - refAct(x[i], act, 0.2))).toBeLessThan(1e-5);
        if (Math.abs(x[i]) < 1e-3) continue; // kink of relu-like functions
        const h = 1e-5;
        const fd = (refAct(x[i] + h, act, 0.2) - refAct(x[i] - h, act, 0.2)) / (2 * h);
        expect(Math.abs(<f64>dy[i] - fd)).toBeLessThan(1e-4);
      }
}

describe('activations', () => {
  it('forward with bias, and backward against finite differences, for every activation', () => {
    for (let act = 0; act <= 6; act++) checkAct(act);
  });
});

describe('reductions', () => {
  it('col_sums on an odd width, with beta', () => {
    const rows = 5, cols = 9;
    const src = new StaticArray<f32>(rows * cols), dst = new StaticArray<f32>(cols);
    for (let i = 0; i < rows * cols; i++) src[i] = <f32>i;
    for (let c = 0; c < cols; c++) dst[c] = 1;
    col_sums(ptr(dst), ptr(src), rows, cols, cols, 1);
    for (let c = 0; c < cols; c++) {
      let s: f32 = 1;
      for (let r = 0; r < rows; r++) s += <f32>(r * cols + c);
      expect(dst[c]).toBe(s);
    }
  });
});

describe('bernoulli', () => {
  it('stable NLL and gradient σ(l) − x, including large logits', () => {
    const l = new StaticArray<f32>(5), x = new StaticArray<f32>(5), g = new StaticArray<f32>(5);
    l[0] = 0; l[1] = 3; l[2] = -3; l[3] = 90; l[4] = -90;
    x[0] = 0.5; x[1] = 1; x[2] = 0.25; x[3] = 0; x[4] = 0;
    const total = bernoulli_nll(ptr(l), ptr(x), 1, 5, ptr(g));
    let ref: f64 = 0;
    for (let i = 0; i < 5; i++) {
      const li = <f64>l[i], xi = <f64>x[i];
      ref += Math.max(li, 0) - li * xi + Math.log(1 + Math.exp(-Math.abs(li)));
      expect(Math.abs(<f64>g[i] - (1 / (1 + Math.exp(-li)) - xi))).toBeLessThan(1e-6);
    }
    expect(Math.abs(total - ref)).toBeLessThan(1e-4);
    expect(isFinite(total)).toBe(true);
  });
});
