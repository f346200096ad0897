// Issue 17 groundwork: the first layer's forward, ReLU(X·W1ᵀ + b) for a 128-row batch of real
// MNIST rows (784 → 400), by the dense GEMM and by the sparse-row kernel that skips the exact
// zeros (the same bits), and what keeping W1ᵀ costs (one transpose per optimiser step); one
// thread, the best of 7 timings of enough calls for 50 ms each. Also on Fashion-MNIST-like
// density (rows with half their pixels zero) if --density is given.
// Usage: node bench/sparse.mjs [--build auto|simd|relaxed] [--density 0.5]
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { loadMnist } from 'wasm-vae';
import { Arena } from '../dist/src/arena.js';
import { microsecondsPerCall } from '../dist/src/bench.js';
import { createMemory, instantiate, kernelModule } from '../dist/src/kernels.js';

const { values } = parseArgs({ options: { build: { type: 'string', default: 'auto' }, density: { type: 'string' }, data: { type: 'string' } } });
const dir = values.data ?? process.env.WASM_VAE_DATA ?? new URL('../../shared/data/mnist', import.meta.url).pathname;
const mnist = await loadMnist({ dir });
const { module, relaxedSimd } = await kernelModule(values.build);
const memory = createMemory(256), k = await instantiate(module, memory), arena = new Arena(memory, k.heap_base());
const rows = 128, n = 400, d = 784;
const x = arena.allocFloats(rows * d), w = arena.allocFloats(n * d), wt = arena.allocFloats(n * d), y = arena.allocFloats(rows * n), b = arena.allocFloats(n);
const idx = arena.alloc(4 * d), scratch = arena.alloc(k.gemm_scratch_bytes());
k.uniform_fill(w, n * d, -0.036, 0.036, 1, 1, 0);
k.uniform_fill(b, n, -0.036, 0.036, 1, 2, 0);
const time = (run) => microsecondsPerCall(run);
const rowsOf = (density) => {
  const v = arena.f32(x, rows * d);
  v.set(mnist.train.images.subarray(0, rows * d));
  if (density !== undefined) { // replace the zeros by noise until `density` of the values are nonzero
    for (let i = 0; i < v.length; i++) if (v[i] === 0 && ((i * 2654435761) >>> 0) / 2 ** 32 < (density - 0.19) / 0.81) v[i] = 0.5;
  }
  return v.filter((u) => u !== 0).length / v.length;
};
console.log(`machine: ${cpus()[0].model}; node ${process.version}; ${relaxedSimd ? 'relaxed' : 'plain'} SIMD; forward ReLU(X·W1ᵀ + b), ${rows}×${d} → ${n}, one thread`);
for (const density of [undefined, ...(values.density ? [Number(values.density)] : [])]) {
  const nonzero = rowsOf(density);
  const dense = time(() => k.gemm_nt_bias_act(rows, n, d, x, d, w, d, y, n, b, 1, 0, scratch));
  const sparse = time(() => k.sparse_rows_bias_act(rows, n, d, x, d, wt, n, y, n, b, 1, 0, idx));
  const transpose = time(() => k.transpose_rows(wt, w, 1, n, d));
  console.log(`${density === undefined ? 'MNIST rows' : 'denser rows'} (${(100 * nonzero).toFixed(1)} % nonzero): dense ${dense.toFixed(0)} µs, `
    + `sparse ${sparse.toFixed(0)} µs (${(dense / sparse).toFixed(2)}×); W1ᵀ refresh ${transpose.toFixed(0)} µs per step`);
}
