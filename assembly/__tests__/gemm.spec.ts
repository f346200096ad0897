import { gemm_nt, gemm_nn, gemm_tn, gemm_scratch_bytes } from '../gemm';

// Deterministic values in [-0.5, 0.5).
let state: u32 = 12345;
function next(): f32 {
  state = state * 1664525 + 1013904223;
  return <f32>(state >> 8) / <f32>16777216 - 0.5;
}

function filled(n: i32): StaticArray<f32> {
  const a = new StaticArray<f32>(n);
  for (let i = 0; i < n; i++) a[i] = next();
  return a;
}

function ptr(a: StaticArray<f32>): usize {
  return changetype<usize>(a);
}

// layout 0: A·Bᵀ (B n×k), 1: A·B (B k×n), 2: Aᵀ·B (A k×m). Returns the largest error relative to
// the tolerance k·2⁻²² (the bound for a length-k f32 dot product of values below 0.5).
function check(layout: i32, m: i32, n: i32, k: i32, beta: f32): f64 {
  const a = filled(m * k), b = filled(n * k), c = filled(m * n);
  const expected = new StaticArray<f64>(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s: f64 = <f64>beta * <f64>c[i * n + j];
      for (let p = 0; p < k; p++) {
        const av = layout == 2 ? a[p * m + i] : a[i * k + p];
        const bv = layout == 0 ? b[j * k + p] : b[p * n + j];
        s += <f64>av * <f64>bv;
      }
      expected[i * n + j] = s;
    }
  }
  const scratch = new StaticArray<f32>(gemm_scratch_bytes() / 4);
  if (layout == 0) gemm_nt(m, n, k, ptr(a), k, ptr(b), k, ptr(c), n, beta, ptr(scratch));
  else if (layout == 1) gemm_nn(m, n, k, ptr(a), k, ptr(b), n, ptr(c), n, beta, ptr(scratch));
  else gemm_tn(m, n, k, ptr(a), m, ptr(b), n, ptr(c), n, beta, ptr(scratch));
  const tol = <f64>(k + 2) * 2.4e-7 + 1e-6;
  let worst: f64 = 0;
  for (let i = 0; i < m * n; i++) worst = Math.max(worst, Math.abs(<f64>c[i] - expected[i]) / tol);
  return worst;
}

const SIZES: i32[] = [1, 3, 5, 8, 17, 33];

function worstOverSizes(layout: i32): f64 {
  let worst: f64 = 0;
  for (let x = 0; x < SIZES.length; x++) {
    for (let y = 0; y < SIZES.length; y++) {
      for (let z = 0; z < SIZES.length; z++) {
        worst = Math.max(worst, check(layout, SIZES[x], SIZES[y], SIZES[z], 0));
      }
    }
  }
  return worst;
}

describe('gemm', () => {
  it('A·Bᵀ matches the naive reference on odd sizes', () => { expect(worstOverSizes(0)).toBeLessThan(1.0); });
  it('A·B matches the naive reference on odd sizes', () => { expect(worstOverSizes(1)).toBeLessThan(1.0); });
  it('Aᵀ·B matches the naive reference on odd sizes', () => { expect(worstOverSizes(2)).toBeLessThan(1.0); });
  it('accumulates with beta and crosses the K block', () => {
    for (let layout = 0; layout < 3; layout++) {
      expect(check(layout, 7, 9, 1031, 1)).toBeLessThan(1.0);
      expect(check(layout, 5, 19, 600, 0.5)).toBeLessThan(1.0);
    }
  });
  it('k = 0 scales C by beta', () => {
    const c = filled(6);
    const before = c[4];
    const scratch = new StaticArray<f32>(gemm_scratch_bytes() / 4);
    gemm_nt(2, 3, 0, 0, 1, 0, 1, ptr(c), 3, 0.5, ptr(scratch));
    expect(c[4]).toBe(before * 0.5);
  });
});
