// Skipping exact zeros (issue 17 groundwork): the sparse-row forward gives the dense GEMM's
// outputs to the bit, on rows as sparse as MNIST's and on dense ones, with every vector activation,
// k across the GEMM's 512-long blocks and outputs not a multiple of 4 or 32.
import { describe, expect, it } from 'vitest';
import { kernels, randomArray, rng } from './helpers.js';

describe.each(['simd', 'relaxed'] as const)('sparse_rows_bias_act (%s build)', (build) => {
  it('equals gemm_nt_bias_act bit for bit', async () => {
    const K = await kernels(build), next = rng(17);
    const scratch = K.arena.alloc(K.k.gemm_scratch_bytes());
    for (const [rows, n, k, zeros] of [[37, 403, 785, 0.81], [5, 40, 400, 0.5], [9, 7, 33, 0], [3, 64, 20, 1]] as const) {
      const mark = K.arena.mark();
      const x = randomArray(rows * k, next, 0, 1).map((v) => (next(0, 1) < zeros ? 0 : v));
      const w = randomArray(n * k, next, -0.1, 0.1), bias = randomArray(n, next, -0.5, 0.5);
      const px = K.put(x), pw = K.put(w), pb = K.put(bias), wt = K.arena.allocFloats(n * k), idx = K.arena.alloc(4 * k);
      K.k.transpose_rows(wt, pw, 1, n, k); // Wᵀ: k rows of n
      for (const act of [0, 1, 2, 4, 5]) { // identity, relu, leaky relu, tanh, sigmoid
        const dense = K.arena.allocFloats(rows * n), sparse = K.arena.allocFloats(rows * n);
        K.k.gemm_nt_bias_act(rows, n, k, px, k, pw, k, dense, n, pb, act, 0.1, scratch);
        K.k.sparse_rows_bias_act(rows, n, k, px, k, wt, n, sparse, n, pb, act, 0.1, idx);
        expect(K.get(sparse, rows * n), `${rows}×${n}×${k}, ${zeros} zeros, act ${act}`).toEqual(K.get(dense, rows * n));
      }
      K.arena.release(mark);
    }
  });
});
