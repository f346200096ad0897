// Issue 17: the reference MLP's two layers whose inputs have zeros, on 128 rows, by the dense
// GEMMs, by the GEMMs that skip the k at which four rows (forward) or four inputs (gradient) are
// all zero, and by the list GEMMs that skip each row's (each input's) own zeros: the first layer
// (784 → 400: its forward ReLU(X·W1ᵀ + b), its weight gradient dW1 = dYᵀ·X) on real MNIST rows and,
// with --density, on rows with more nonzero pixels (zeros replaced by 0.5 at random places;
// Fashion-MNIST's share is about 0.5); and the decoder's output layer (400 → 784) on ReLU outputs
// with --relu of them nonzero at random places (0.52–0.57 in training). The same bits are checked
// here too. One thread; the three alternate in 7 rounds, each timing enough calls for 50 ms; medians.
// Usage: node bench/sparse.mjs [--build auto|simd|relaxed] [--density 0.5] [--relu 0.55]
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { loadMnist } from 'wasm-vae';
import { Arena } from '../dist/src/arena.js';
import { microsecondsPerCall } from '../dist/src/bench.js';
import { createMemory, instantiate, kernelModule } from '../dist/src/kernels.js';

const { values } = parseArgs({ options: {
  build: { type: 'string', default: 'auto' }, density: { type: 'string' }, relu: { type: 'string', default: '0.55' }, data: { type: 'string' },
} });
const dir = values.data ?? process.env.WASM_VAE_DATA ?? new URL('../../shared/data/mnist', import.meta.url).pathname;
const mnist = await loadMnist({ dir });
const { module, relaxedSimd } = await kernelModule(values.build);
const memory = createMemory(256), k = await instantiate(module, memory), arena = new Arena(memory, k.heap_base());
const scratch = arena.alloc(k.gemm_scratch_bytes());
const rows = 128;
const hash = (i) => ((i * 2654435761) >>> 0) / 2 ** 32;
const median = (xs) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)];
const same = (p, q, len) => {
  const a = new Uint32Array(memory.buffer, p, len), c = new Uint32Array(memory.buffer, q, len);
  return a.every((u, i) => u === c[i]) ? 'same bits' : 'DIFFERENT BITS';
};

// One layer in → out over the rows `fill` writes (returns the nonzero share); prints the times.
function layer(label, d, n, fill) {
  const mark = arena.mark();
  const x = arena.allocFloats(rows * d), w = arena.allocFloats(n * d), b = arena.allocFloats(n), dy = arena.allocFloats(rows * n);
  const bound = 1 / Math.sqrt(d);
  k.uniform_fill(w, n * d, -bound, bound, 1, 1, 0);
  k.uniform_fill(b, n, -bound, bound, 1, 2, 0);
  k.uniform_fill(dy, rows * n, -0.01, 0.01, 1, 3, 0);
  const v = arena.f32(x, rows * d);
  fill(v);
  const nonzero = v.filter((u) => u !== 0).length / v.length;
  const forms = [
    ['dense', k.gemm_nt_bias_act, k.gemm_tn], ['4-row skipping', k.gemm_nt_bias_act_skip, k.gemm_tn_skip], ['lists', k.gemm_nt_bias_act_lists, k.gemm_tn_lists],
  ].map(([name, forward, gradient]) => ({ name, forward, gradient, y: arena.allocFloats(rows * n), g: arena.allocFloats(n * d), tf: [], tg: [] }));
  for (let round = 0; round < 7; round++) {
    for (const f of forms) {
      f.tf.push(microsecondsPerCall(() => f.forward(rows, n, d, x, d, w, d, f.y, n, b, 1, 0, scratch)));
      f.tg.push(microsecondsPerCall(() => f.gradient(n, d, rows, dy, n, x, d, f.g, d, 0, scratch)));
    }
  }
  const [dense] = forms;
  console.log(`${label} (${(100 * nonzero).toFixed(1)} % nonzero), µs per call (× dense):`);
  for (const f of forms) {
    const tf = median(f.tf), tg = median(f.tg);
    console.log(`  ${f.name.padEnd(15)} forward ${rows}×${n}×${d} ${tf.toFixed(0).padStart(5)} (${(median(dense.tf) / tf).toFixed(2)}×, ${same(dense.y, f.y, rows * n)}); `
      + `weight gradient ${n}×${d}×${rows} ${tg.toFixed(0).padStart(5)} (${(median(dense.tg) / tg).toFixed(2)}×, ${same(dense.g, f.g, n * d)})`);
  }
  arena.release(mark);
}

console.log(`machine: ${cpus()[0].model}; node ${process.version}; ${relaxedSimd ? 'relaxed' : 'plain'} SIMD; one thread`);
const images = mnist.train.images.subarray(0, rows * 784);
layer('first layer 784 → 400, MNIST rows', 784, 400, (v) => v.set(images));
if (values.density) {
  const density = Number(values.density);
  layer('first layer 784 → 400, denser rows', 784, 400, (v) => { v.set(images); for (let i = 0; i < v.length; i++) if (v[i] === 0 && hash(i) < (density - 0.19) / 0.81) v[i] = 0.5; });
}
const relu = Number(values.relu);
layer('decoder output 400 → 784, ReLU outputs', 400, 784, (v) => { for (let i = 0; i < v.length; i++) v[i] = hash(i) < relu ? hash(i + 7919 * v.length) : 0; });
