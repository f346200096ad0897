// Skipping exact zeros (issue 17): the zero-skipping GEMMs give the dense GEMMs' outputs to the
// bit, on data as sparse as MNIST's, on dense data and on rows with nothing at all, with every
// vector activation, k across the GEMM's 512-long blocks, m and n not multiples of the 4×8 tile,
// and beta 0, 1, 0.5 for the weight gradient; and training with them reaches the dense path's
// parameters to the bit with 1 and 2 workers.
import { describe, expect, it } from 'vitest';
import { architecture, loadMnist, VAE, type VAEConfig } from '../src/index.js';
import { GRADIENT_LISTS_BELOW, LISTS_BELOW, SPARSE_BELOW } from '../src/ops/sparse-data.js';
import { DATA_DIR, firstDifference, type Kernels, kernels, randomArray, rng, sparseRows } from './helpers.js';

const SHAPES = [[37, 403, 785, 0.81], [5, 40, 400, 0.5], [9, 7, 33, 0], [3, 64, 20, 1], [130, 24, 600, 0.9], [701, 9, 37, 0.8]] as const;

describe.each(['simd', 'relaxed'] as const)('zero-skipping GEMMs (%s build)', (build) => {
  it('gemm_nt_bias_act_skip equals gemm_nt_bias_act bit for bit', async () => {
    const K = await kernels(build), next = rng(17);
    const scratch = K.arena.alloc(K.k.gemm_scratch_bytes());
    for (const [rows, n, k, zeros] of SHAPES) {
      const mark = K.arena.mark();
      const x = sparseRows(rows, k, zeros, next);
      if (rows > 30) x[7 * k + 5] = NaN; // a NaN in the data must reach its row's outputs, not be skipped
      const w = randomArray(n * k, next, -0.1, 0.1), bias = randomArray(n, next, -0.5, 0.5);
      const px = K.put(x), pw = K.put(w), pb = K.put(bias);
      for (const act of [0, 1, 2, 4, 5]) { // identity, relu, leaky relu, tanh, sigmoid
        const dense = K.arena.allocFloats(rows * n), skip = K.arena.allocFloats(rows * n);
        K.k.gemm_nt_bias_act(rows, n, k, px, k, pw, k, dense, n, pb, act, 0.1, scratch);
        K.k.gemm_nt_bias_act_skip(rows, n, k, px, k, pw, k, skip, n, pb, act, 0.1, scratch);
        expect(firstDifference(K.get(skip, rows * n), K.get(dense, rows * n)), `${rows}×${n}×${k}, ${zeros} zeros, act ${act}`).toBe('');
      }
      K.arena.release(mark);
    }
  });

  it('count_nonzero counts exact nonzeros (NaN too, not −0) and answers "fewer than limit?" truly', async () => {
    const K = await kernels(build), next = rng(19);
    for (const n of [0, 1, 63, 64, 65, 200, 1001]) {
      const x = randomArray(n, next).map((v) => (next(0, 1) < 0.7 ? (next(0, 1) < 0.5 ? -0 : 0) : next(0, 1) < 0.1 ? NaN : v));
      const exact = x.filter((v) => v !== 0).length, px = K.put(x);
      expect(K.k.count_nonzero(px, n, n + 1), `n ${n}`).toBe(exact);
      for (const limit of [1, exact, exact + 1, Math.ceil(n / 3)]) {
        expect(K.k.count_nonzero(px, n, limit) < limit, `n ${n}, limit ${limit}`).toBe(exact < limit);
      }
    }
  });

  it('gemm_nt_skip, gemm_nn_skip and gemm_tn_skip_a (A\'s zeros, e.g. a ReLU\'s) equal gemm_nt, gemm_nn and gemm_tn bit for bit', async () => {
    const K = await kernels(build), next = rng(20);
    const scratch = K.arena.alloc(K.k.gemm_scratch_bytes());
    for (const [m, n, k, zeros] of SHAPES) {
      const mark = K.arena.mark();
      // A's first rows almost dense (their panels keep about 90 % of k and are packed again and
      // swept densely, zeros included), the rest sparse.
      const dense = Math.min(m, 8), a = new Float32Array(m * k);
      a.set(sparseRows(dense, k, 0.1, next));
      a.set(sparseRows(m - dense, k, zeros, next), dense * k);
      if (m > 30) a[20 * k + 3] = NaN;
      const at = a.map((_, i) => a[(i % m) * k + Math.floor(i / m)]); // Aᵀ [k×m], for the weight-gradient layout
      const pa = K.put(a), pat = K.put(at), bnt = K.put(randomArray(n * k, next, -1, 1)), bnn = K.put(randomArray(k * n, next, -1, 1));
      const start = randomArray(m * n, next, -1, 1);
      for (const beta of [0, 1, 0.5]) {
        const pairs = [
          ['gemm_nt', (c: number) => K.k.gemm_nt(m, n, k, pa, k, bnt, k, c, n, beta, scratch), (c: number) => K.k.gemm_nt_skip(m, n, k, pa, k, bnt, k, c, n, beta, scratch)],
          ['gemm_nn', (c: number) => K.k.gemm_nn(m, n, k, pa, k, bnn, n, c, n, beta, scratch), (c: number) => K.k.gemm_nn_skip(m, n, k, pa, k, bnn, n, c, n, beta, scratch)],
          ['gemm_tn', (c: number) => K.k.gemm_tn(m, n, k, pat, m, bnn, n, c, n, beta, scratch), (c: number) => K.k.gemm_tn_skip_a(m, n, k, pat, m, bnn, n, c, n, beta, scratch)],
        ] as const;
        for (const [name, plain, skipping] of pairs) {
          const want = K.put(start), got = K.put(start);
          plain(want);
          skipping(got);
          expect(firstDifference(K.get(got, m * n), K.get(want, m * n)), `${name} ${m}×${n}×${k}, ${zeros} zeros, beta ${beta}`).toBe('');
        }
      }
      K.arena.release(mark);
    }
  });

  // dW [m×n] = dYᵀ [m×rows] · X [rows×n] over sparse X by `skipping` and by gemm_tn, from the same C, beta 0, 1, 0.5.
  async function weightGradientMatches(m: number, n: number, rows: number, zeros: number, next: ReturnType<typeof rng>,
    skipping: (K: Kernels, dy: number, x: number, c: number, beta: number, scratch: number) => void, label: string) {
    const K = await kernels(build), mark = K.arena.mark(), scratch = K.arena.alloc(K.k.gemm_scratch_bytes());
    const dy = K.put(randomArray(rows * m, next, -1, 1)), x = K.put(sparseRows(rows, n, zeros, next));
    const start = randomArray(m * n, next, -1, 1);
    for (const beta of [0, 1, 0.5]) {
      const dense = K.put(start), skip = K.put(start);
      K.k.gemm_tn(m, n, rows, dy, m, x, n, dense, n, beta, scratch);
      skipping(K, dy, x, skip, beta, scratch);
      expect(firstDifference(K.get(skip, m * n), K.get(dense, m * n)), `${label}, ${m}×${n}×${rows}, ${zeros} zeros, beta ${beta}`).toBe('');
    }
    K.arena.release(mark);
  }

  it('gemm_tn_skip_grouped (panels of columns `group` apart) equals gemm_tn bit for bit', async () => {
    const next = rng(21);
    for (const [m, rows, group, blocks, zeros] of [[64, 700, 8, 2, 0.6], [5, 33, 3, 3, 0.8], [9, 1030, 1, 5, 0.5], [16, 40, 4, 1, 0], [7, 50, 3, 1, 0.7]]) {
      const n = 4 * group * blocks + (m === 7 ? 1 : 0); // the last: not whole blocks, so the ungrouped gemm_tn_skip
      await weightGradientMatches(m, n, rows, zeros, next,
        (K, dy, x, c, beta, scratch) => K.k.gemm_tn_skip_grouped(m, n, rows, dy, m, x, n, c, n, beta, scratch, group), `group ${group}`);
    }
  });

  it('gemm_tn_skip equals gemm_tn bit for bit (a weight gradient over sparse data rows)', async () => {
    const next = rng(18);
    for (const [rows, m, n, zeros] of SHAPES) {
      await weightGradientMatches(m, n, rows, zeros, next,
        (K, dy, x, c, beta, scratch) => K.k.gemm_tn_skip(m, n, rows, dy, m, x, n, c, n, beta, scratch), 'gemm_tn_skip');
    }
  });
});

/**
 * Creates a VAE with `config`, runs `train` on it with the zero-skipping GEMMs allowed below
 * `share` of nonzeros (0: never; set on this thread, so it governs the 1-worker runs), and returns
 * its parameters, what `train` returned and how often the skipping GEMMs ran on this thread.
 */
async function trainWithShare<T>(config: VAEConfig, workers: number, share: number, train: (vae: VAE) => Promise<T>) {
  const tables = [SPARSE_BELOW, LISTS_BELOW, GRADIENT_LISTS_BELOW], saved = tables.map((t) => ({ ...t }));
  for (const table of tables) Object.assign(table, { data: share, relu: share });
  const vae = await VAE.create(config, { workers, profile: true });
  try {
    const result = await train(vae);
    const skips = (name: string) => vae.profile().filter((e) => e.kernel.startsWith(`${name} `)).reduce((n, e) => n + e.calls, 0);
    // Through lists (gemm-lists.ts) or 4-row panels; a transposed conv's input gradient runs the
    // forward's list GEMM without bias (gemm_nt_bias_act_lists) and counts as a forward here.
    return { params: vae.getParameters(), result, skipForward: skips('gemm_nt_bias_act_skip') + skips('gemm_nt_bias_act_lists'),
      skipGradient: skips('gemm_tn_skip') + skips('gemm_tn_lists'),
      skipRelu: { inputGradient: skips('gemm_nn_skip') + skips('gemm_nn_lists') + skips('gemm_nt_skip'), weightGradient: skips('gemm_tn_skip_a') + skips('gemm_tn_lists_a') } };
  } finally {
    await vae.dispose();
    tables.forEach((t, i) => Object.assign(t, saved[i]));
  }
}

describe('training that skips the data\'s zeros', () => {
  it('reaches the dense path\'s parameters to the bit, with 1 and 2 workers, with deferred updates', async () => {
    const mnist = await loadMnist({ dir: DATA_DIR });
    const x = mnist.train.bytes.subarray(0, 784 * 3000), validation = mnist.test.bytes.subarray(0, 784 * 500);
    const run = (workers: number, share: number) => trainWithShare({ inputDim: 784, hidden: [64], latentDim: 8, seed: 3 }, workers, share, async (vae) => {
      await vae.fit(x, { epochs: 2, batchSize: 100, validation });
      await vae.fit(x, { epochs: 1, batchSize: 300 }); // more rows than a pass (256): gradients accumulate (beta 1), the update is deferred
      return (await vae.encode(validation)).mean;
    });
    const dense = await run(1, 0), sparse = await run(1, 0.3), two = await run(2, 0.3);
    expect([dense.skipForward, dense.skipGradient]).toEqual([0, 0]);
    expect(sparse.skipForward).toBeGreaterThan(0);
    expect(sparse.skipGradient).toBeGreaterThan(0);
    expect(sparse.params).toEqual(dense.params);
    expect(two.params).toEqual(dense.params);
    expect(sparse.result).toEqual(dense.result);
  });

  it('conv layers skip the zeros of the data\'s patches and of their ReLUs: "dcgan28" reaches the dense path\'s parameters, 1 and 2 workers', async () => {
    const x = (await loadMnist({ dir: DATA_DIR })).train.bytes.subarray(0, 784 * 384);
    const run = (workers: number, share: number) => trainWithShare({ ...architecture('dcgan28', { latentDim: 8 }), seed: 5 }, workers, share,
      async (vae) => (await vae.fit(x, { epochs: 1, batchSize: 64 })).epochs[0].loss);
    const dense = await run(1, 0), sparse = await run(1, 0.5), two = await run(2, 0.5);
    expect(dense.skipForward + dense.skipGradient + dense.skipRelu.inputGradient + dense.skipRelu.weightGradient).toBe(0);
    expect(sparse.skipForward).toBeGreaterThan(0);
    expect(sparse.skipGradient).toBeGreaterThan(0);
    // The ReLU layers' zeros: their output gradients in the input gradients (and maybe the weight gradients).
    expect(sparse.skipRelu.inputGradient).toBeGreaterThan(0);
    expect(sparse.params).toEqual(dense.params);
    expect(two.params).toEqual(dense.params);
    expect([sparse.result, two.result]).toEqual([dense.result, dense.result]);
  });

  it('a conditional model skips the zeros of its data with the labels appended, to the dense path\'s parameters', async () => {
    const mnist = await loadMnist({ dir: DATA_DIR });
    const x = mnist.train.bytes.subarray(0, 784 * 1000), labels = mnist.train.labels.subarray(0, 1000);
    const run = (share: number) => trainWithShare({ inputDim: 784, hidden: [64], latentDim: 8, seed: 4, conditional: { classes: 10 } }, 1, share,
      (vae) => vae.fit(x, { epochs: 1, batchSize: 100, labels }));
    const dense = await run(0), sparse = await run(0.3);
    expect(dense.skipForward + dense.skipGradient).toBe(0);
    expect(sparse.skipForward).toBeGreaterThan(0);
    expect(sparse.params).toEqual(dense.params);
  });
});
