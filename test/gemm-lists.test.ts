// The list GEMMs (assembly/gemm-lists.ts: each row's, or each column's, own nonzeros) give the
// dense GEMMs' outputs to the bit: on MNIST-like rows, on rows 50–90 % nonzero, on rows with
// nothing at all, with a NaN in the data, with C's width not a multiple of the 28-column sweep,
// k not a multiple of 4, more rows (or columns) than one block of lists holds, beta 0, 1, 0.5,
// narrow last sweeps over pairs of rows of unequal lists,
// and on what they hand to the 4-row skipping forms (C's last columns or rows past a multiple of
// 4, an activation not vectorised).
import { describe, expect, it } from 'vitest';
import { firstDifference, type Kernels, kernels, randomArray, rng, sparseRows } from './helpers.js';

// [rows, columns of C, k, share of zeros]: MNIST's first layer; 60 columns (two sweeps of 28, then
// 4); k = 33 and 7 (not multiples of 4); 300 rows of 1500 half zeros (several blocks of lists);
// 1100 rows (more than a block's 1020); all zero; n = 403 (the last 3 columns by 4-row skipping),
// 30 and 8 (4-row skipping: fewer than 28 columns, 4); 64 and 40 columns (the last sweep 8 and 12
// wide, rows swept in pairs: gemm-lists-pairs.ts) over an odd number of rows.
const FORWARD = [[128, 400, 784, 0.81], [130, 60, 600, 0.35], [9, 56, 33, 0.5], [5, 8, 7, 0.2], [300, 28, 1500, 0.5],
  [1100, 32, 20, 0.5], [6, 32, 64, 1], [37, 403, 785, 0.81], [20, 30, 50, 0.6], [131, 64, 512, 0.53], [7, 40, 33, 0.5]] as const;

// Rows 3 and 4 of x (k long) with nothing and everything nonzero: in a pair of rows swept
// together (gemm-lists-pairs.ts) one list ends at once and the other goes on alone.
function unevenPairs(x: Float32Array, rows: number, k: number): void {
  if (rows < 5) return;
  x.fill(0, 3 * k, 4 * k);
  for (let t = 4 * k; t < 5 * k; t++) if (x[t] === 0) x[t] = 0.25;
}

// [rows of C (units), columns of C (inputs), k (data rows), share of zeros]: MNIST's first layer
// and a worker's half of it; 60 units (the last sweep 4 wide); k = 33; 1100 columns (more than a
// block's 1020); k = 1200 (a block lists 32 columns at most); all zero; m = 7, n = 30, 794 (C's last
// row and columns by 4-row skipping: a third of 400 units, a conditional model's 784 + 10 inputs);
// m = 12 (fewer than 28 rows: 4-row skipping).
const GRADIENT = [[400, 784, 128, 0.81], [200, 784, 64, 0.81], [60, 12, 33, 0.4], [28, 1100, 50, 0.5], [32, 200, 1200, 0.3],
  [28, 24, 40, 1], [7, 20, 50, 0.7], [30, 30, 40, 0.6], [133, 794, 100, 0.8], [12, 40, 40, 0.5]] as const;

describe.each(['simd', 'relaxed'] as const)('list GEMMs (%s build)', (build) => {
  it('gemm_nt_bias_act_lists equals gemm_nt_bias_act bit for bit', async () => {
    const K = await kernels(build), next = rng(41);
    const scratch = K.arena.alloc(K.k.gemm_scratch_bytes());
    for (const [rows, n, k, zeros] of FORWARD) {
      const mark = K.arena.mark();
      const x = sparseRows(rows, k, zeros, next);
      if (zeros < 1) unevenPairs(x, rows, k);
      if (rows > 30 && zeros < 1) x[7 * k + 5] = NaN; // a NaN in the data must reach its row's outputs, not be skipped
      const w = randomArray(n * k, next, -0.1, 0.1), bias = randomArray(n, next, -0.5, 0.5);
      const px = K.put(x), pw = K.put(w), pb = K.put(bias);
      for (const act of [0, 1, 2, 3, 4, 5]) { // identity, relu, leaky relu, elu (not vectorised), tanh, sigmoid
        const dense = K.arena.allocFloats(rows * n), lists = K.put(randomArray(rows * n, next));
        K.k.gemm_nt_bias_act(rows, n, k, px, k, pw, k, dense, n, pb, act, 0.1, scratch);
        K.k.gemm_nt_bias_act_lists(rows, n, k, px, k, pw, k, lists, n, pb, act, 0.1, scratch);
        expect(firstDifference(K.get(lists, rows * n), K.get(dense, rows * n)), `${rows}×${n}×${k}, ${zeros} zeros, act ${act}`).toBe('');
      }
      K.arena.release(mark);
    }
  });

  it('gemm_nt_bias_act_lists is A·Wᵀ + b in float64 (within float32 rounding) without a bias too', async () => {
    const K = await kernels(build), next = rng(42), [rows, n, k] = [11, 60, 37];
    const scratch = K.arena.alloc(K.k.gemm_scratch_bytes());
    const x = sparseRows(rows, k, 0.6, next), w = randomArray(n * k, next);
    const out = K.arena.allocFloats(rows * n);
    K.k.gemm_nt_bias_act_lists(rows, n, k, K.put(x), k, K.put(w), k, out, n, 0, 0, 0, scratch);
    const got = K.get(out, rows * n);
    for (let i = 0; i < rows; i++) for (let j = 0; j < n; j++) {
      let want = 0;
      for (let t = 0; t < k; t++) want += x[i * k + t] * w[j * k + t];
      expect(Math.abs(got[i * n + j] - want), `(${i}, ${j})`).toBeLessThan(1e-5 * (1 + Math.abs(want)) * k);
    }
  });

  it('gemm_nn_lists equals gemm_nn bit for bit, beta 0, 1 and 0.5', async () => {
    // [rows, columns of C, k, share of zeros]: a transposed conv's forward and a conv's input
    // gradient (k = 64, 512 wide: 19 sweeps, the last 8 columns), k = 33, several blocks of lists,
    // 30 and 62 columns (the last 2 by 4-row skipping; 30: all of them, fewer than 28 + 4); 64
    // columns over 301 rows (the last 8 in pairs of rows), rows 3 and 4 empty and full.
    const K = await kernels(build), next = rng(44);
    const scratch = K.arena.alloc(K.k.gemm_scratch_bytes());
    for (const [m, n, k, zeros] of [[300, 512, 64, 0.45], [200, 512, 64, 0.8], [9, 56, 33, 0.5], [1500, 28, 64, 0.3], [17, 62, 40, 0.6], [12, 30, 40, 0.6], [5, 40, 20, 1], [301, 64, 512, 0.5]] as const) {
      const mark = K.arena.mark();
      const a = sparseRows(m, k, zeros, next), b = randomArray(k * n, next), start = randomArray(m * n, next);
      if (zeros < 1) unevenPairs(a, m, k);
      if (m > 30 && zeros < 1) a[5 * k + 3] = NaN;
      const pa = K.put(a), pb = K.put(b);
      sameFromEveryBeta(K, start, (c, beta) => K.k.gemm_nn(m, n, k, pa, k, pb, n, c, n, beta, scratch),
        (c, beta) => K.k.gemm_nn_lists(m, n, k, pa, k, pb, n, c, n, beta, scratch), `${m}×${n}×${k}, ${zeros} zeros`);
      K.arena.release(mark);
    }
  });

  it('gemm_tn_lists_a (the output gradient\'s zeros) equals gemm_tn bit for bit, beta 0, 1 and 0.5', async () => {
    // [rows of C (channels), columns of C, k, share of zeros in A]: dcgan28's second conv over 600
    // pixels (blocks of 256 k and a part block); k = 33; 7 channels and 30 columns (the last
    // channels and columns by 4-channel skipping); 20 columns and 160 channels (all of it: under 28
    // columns; more channels' lists than a block holds); all zero.
    const K = await kernels(build), next = rng(45);
    const scratch = K.arena.alloc(K.k.gemm_scratch_bytes());
    for (const [m, n, k, zeros] of [[64, 512, 600, 0.8], [32, 56, 33, 0.5], [7, 30, 300, 0.7], [8, 20, 40, 0.5], [160, 28, 50, 0.6], [12, 28, 40, 1]] as const) {
      const mark = K.arena.mark();
      const a = sparseRows(k, m, zeros, next), b = randomArray(k * n, next);
      if (zeros < 1) a[3 * m + 1] = NaN;
      const pa = K.put(a), pb = K.put(b);
      sameFromEveryBeta(K, randomArray(m * n, next), (c, beta) => K.k.gemm_tn(m, n, k, pa, m, pb, n, c, n, beta, scratch),
        (c, beta) => K.k.gemm_tn_lists_a(m, n, k, pa, m, pb, n, c, n, beta, scratch), `${m}×${n}×${k}, ${zeros} zeros`);
      K.arena.release(mark);
    }
  });

  it('gemm_tn_lists equals gemm_tn bit for bit, beta 0, 1 and 0.5', async () => {
    const next = rng(43);
    for (const [m, n, rows, zeros] of GRADIENT) await weightGradientMatches(await kernels(build), m, n, rows, zeros, next);
  });
});

// dW [m×n] = beta·dW + dYᵀ [m×rows] · X [rows×n] over sparse X by gemm_tn_lists and gemm_tn, from the same C.
async function weightGradientMatches(K: Kernels, m: number, n: number, rows: number, zeros: number, next: ReturnType<typeof rng>) {
  const mark = K.arena.mark(), scratch = K.arena.alloc(K.k.gemm_scratch_bytes());
  const x = sparseRows(rows, n, zeros, next);
  if (zeros < 1) x[3 * n + 2] = NaN;
  const dy = K.put(randomArray(rows * m, next, -1, 1)), px = K.put(x);
  sameFromEveryBeta(K, randomArray(m * n, next, -1, 1), (c, beta) => K.k.gemm_tn(m, n, rows, dy, m, px, n, c, n, beta, scratch),
    (c, beta) => K.k.gemm_tn_lists(m, n, rows, dy, m, px, n, c, n, beta, scratch), `${m}×${n}×${rows}, ${zeros} zeros`);
  K.arena.release(mark);
}

// `dense` and `lists` run from the same C (`start`) with beta 0, 1 and 0.5 end with the same bits.
function sameFromEveryBeta(K: Kernels, start: Float32Array, dense: (c: number, beta: number) => void, lists: (c: number, beta: number) => void, label: string) {
  for (const beta of [0, 1, 0.5]) {
    const want = K.put(start), got = K.put(start);
    dense(want, beta);
    lists(got, beta);
    expect(firstDifference(K.get(got, start.length), K.get(want, start.length)), `${label}, beta ${beta}`).toBe('');
  }
}
