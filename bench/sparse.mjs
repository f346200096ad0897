// Issue 17: the first layer on 128 real MNIST rows (784 → 400) — its forward ReLU(X·W1ᵀ + b) and
// its weight gradient dW1 = dYᵀ·X — by the dense GEMMs and by the GEMMs that skip the k at which
// four rows (forward) or four pixels (gradient) are all zero (the same bits, checked here too);
// one thread, the best of 7 timings of enough calls for 50 ms each. Also on rows with more
// nonzero pixels (zeros replaced by 0.5 at random places until `--density` of the values are
// nonzero, Fashion-MNIST's share is about 0.5) if --density is given.
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
const x = arena.allocFloats(rows * d), w = arena.allocFloats(n * d), b = arena.allocFloats(n), dy = arena.allocFloats(rows * n);
const y = [arena.allocFloats(rows * n), arena.allocFloats(rows * n)], g = [arena.allocFloats(n * d), arena.allocFloats(n * d)];
const scratch = arena.alloc(k.gemm_scratch_bytes());
k.uniform_fill(w, n * d, -0.036, 0.036, 1, 1, 0);
k.uniform_fill(b, n, -0.036, 0.036, 1, 2, 0);
k.uniform_fill(dy, rows * n, -0.01, 0.01, 1, 3, 0);
const rowsOf = (density) => {
  const v = arena.f32(x, rows * d);
  v.set(mnist.train.images.subarray(0, rows * d));
  if (density !== undefined) {
    for (let i = 0; i < v.length; i++) if (v[i] === 0 && ((i * 2654435761) >>> 0) / 2 ** 32 < (density - 0.19) / 0.81) v[i] = 0.5;
  }
  return v.filter((u) => u !== 0).length / v.length;
};
const same = (p, q, len) => {
  const a = new Uint32Array(memory.buffer, p, len), c = new Uint32Array(memory.buffer, q, len);
  return a.every((u, i) => u === c[i]) ? 'same bits' : 'DIFFERENT BITS';
};
console.log(`machine: ${cpus()[0].model}; node ${process.version}; ${relaxedSimd ? 'relaxed' : 'plain'} SIMD; one thread; µs per call`);
for (const density of [undefined, ...(values.density ? [Number(values.density)] : [])]) {
  const nonzero = rowsOf(density);
  const forward = [k.gemm_nt_bias_act, k.gemm_nt_bias_act_skip].map((gemm, i) => microsecondsPerCall(() => gemm(rows, n, d, x, d, w, d, y[i], n, b, 1, 0, scratch)));
  const gradient = [k.gemm_tn, k.gemm_tn_skip].map((gemm, i) => microsecondsPerCall(() => gemm(n, d, rows, dy, n, x, d, g[i], d, 0, scratch)));
  console.log(`${density === undefined ? 'MNIST rows' : 'denser rows'} (${(100 * nonzero).toFixed(1)} % nonzero): `
    + `forward ${rows}×${n}×${d} dense ${forward[0].toFixed(0)}, skipping ${forward[1].toFixed(0)} (${(forward[0] / forward[1]).toFixed(2)}×, ${same(y[0], y[1], rows * n)}); `
    + `weight gradient ${n}×${d}×${rows} dense ${gradient[0].toFixed(0)}, skipping ${gradient[1].toFixed(0)} (${(gradient[0] / gradient[1]).toFixed(2)}×, ${same(g[0], g[1], n * d)})`);
}
