// One GEMM of two kernel builds, alternating in one process, so that both see the same machine
// state (this shared host swings 30 % between minutes; kernels that differ by a few per cent can
// only be told apart this way). A and B are kernel.wasm or kernel.relaxed.wasm files (copy
// dist/wasm/ aside before rebuilding); the relaxed ones need Node 20's flag:
//   node --experimental-wasm-relaxed-simd bench/ab-kernels.mjs A.wasm B.wasm [--case nn_skip] [--rounds 7]
// Cases: dcgan28's second conv layer at a batch of 128 (its pixels 6272 rows, patches 512 long),
// dense and on zeros grouped as its ReLUs leave them (a 4-row panel keeps a k with the given
// share), an RGB first conv's (3 channels, 4×4: 48-long patches; 16 rows of 32×32 pixels), and
// the reference MLP's GEMMs (lists_*: the list GEMMs on its decoder's output layer; lists_conv_*:
// dcgan28's second conv forward and first transposed conv forward through lists). Prints the
// median time of each and the median of the paired ratios A/B (> 1: B faster).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Arena } from '../dist/src/arena.js';
import { microsecondsPerCall } from '../dist/src/bench.js';
import { createMemory, instantiate } from '../dist/src/kernels.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: {
  case: { type: 'string', multiple: true }, rounds: { type: 'string', default: '7' },
} });
if (positionals.length !== 2) throw new Error('usage: bench/ab-kernels.mjs A.wasm B.wasm [--case NAME ...] [--rounds 7]');

async function instance(path) {
  const memory = createMemory(2048);
  const k = await instantiate(await WebAssembly.compile(readFileSync(path)), memory);
  const arena = new Arena(memory, k.heap_base());
  const scratch = arena.alloc(k.gemm_scratch_bytes());
  const random = (n) => { const p = arena.allocFloats(n); k.uniform_fill(p, n, -1, 1, 1, n % 97, 0); return p; };
  const put = (values) => { const p = arena.allocFloats(values.length); new Float32Array(memory.buffer, p, values.length).set(values); return p; };
  return { k, scratch, random, put, arena };
}

// Numbers in [0, 1) from a fixed linear congruential generator: the same operands for both builds.
function generator(seed) {
  let s = seed;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

// rows × cols, zero except at the k a 4-row panel keeps (share `keep`), where each row is nonzero
// with probability 0.6: the same matrix for both builds (a fixed generator).
function panelZeros(rows, cols, keep) {
  const out = new Float32Array(rows * cols), next = generator(12345);
  for (let p = 0; p < rows; p += 4) for (let j = 0; j < cols; j++) {
    if (next() >= keep) continue;
    for (let r = p; r < Math.min(rows, p + 4); r++) out[r * cols + j] = next() < 0.6 ? next() - 0.5 : 0;
  }
  return out;
}

// n values, each nonzero (in (0, 1)) with probability `share`, at places fixed by a generator.
function randomZeros(n, share) {
  const next = generator(777);
  return Float32Array.from({ length: n }, () => (next() < share ? next() : 0));
}

const P = 6272;
const CASES = {
  nn_skip: ({ k, scratch, random, put }) => { const a = put(panelZeros(P, 64, 0.32)), w = random(64 * 512), c = random(P * 512); return () => k.gemm_nn_skip(P, 512, 64, a, 64, w, 512, c, 512, 0, scratch); },
  nt_skip: ({ k, scratch, random, put }) => { const a = put(panelZeros(P, 512, 0.4)), w = random(64 * 512), c = random(P * 64); return () => k.gemm_nt_skip(P, 64, 512, a, 512, w, 512, c, 64, 0, scratch); },
  nt_relu_skip: ({ k, scratch, random, put }) => { const a = put(panelZeros(P, 512, 0.6)), w = random(64 * 512), c = random(P * 64), b = random(64); return () => k.gemm_nt_bias_act_skip(P, 64, 512, a, 512, w, 512, c, 64, b, 1, 0, scratch); },
  tn_grouped: ({ k, scratch, random, put }) => { const dz = random(P * 64), x = put(panelZeros(P, 512, 0.5)), c = random(64 * 512); return () => k.gemm_tn_skip_grouped(64, 512, P, dz, 64, x, 512, c, 512, 0, scratch, 32); },
  tn_grouped_dense: ({ k, scratch, random }) => { const dz = random(P * 64), x = random(P * 512), c = random(64 * 512); return () => k.gemm_tn_skip_grouped(64, 512, P, dz, 64, x, 512, c, 512, 0, scratch, 32); },
  tn_grouped_sparse: ({ k, scratch, random, put }) => { const dz = random(P * 64), x = put(panelZeros(P, 512, 0.25)), c = random(64 * 512); return () => k.gemm_tn_skip_grouped(64, 512, P, dz, 64, x, 512, c, 512, 0, scratch, 32); },
  tn_lists_a: ({ k, scratch, random, put }) => { const dz = put(randomZeros(P * 64, 0.206)), x = put(panelZeros(P, 512, 0.78)), c = random(64 * 512); return () => k.gemm_tn_lists_a(64, 512, P, dz, 64, x, 512, c, 512, 0, scratch); },
  tn_skip: ({ k, scratch, random, put }) => { const dz = random(P * 64), x = put(panelZeros(P, 512, 0.5)), c = random(64 * 512); return () => k.gemm_tn_skip(64, 512, P, dz, 64, x, 512, c, 512, 0, scratch); },
  nt_relu_skip_dense: ({ k, scratch, random, put }) => { const a = put(panelZeros(P, 512, 0.97)), w = random(64 * 512), c = random(P * 64), b = random(64); return () => k.gemm_nt_bias_act_skip(P, 64, 512, a, 512, w, 512, c, 64, b, 1, 0, scratch); },
  nn_skip_dense: ({ k, scratch, random, put }) => { const a = put(panelZeros(P, 64, 0.95)), w = random(64 * 512), c = random(P * 512); return () => k.gemm_nn_skip(P, 512, 64, a, 64, w, 512, c, 512, 0, scratch); },
  nn: ({ k, scratch, random }) => { const a = random(P * 64), w = random(64 * 512), c = random(P * 512); return () => k.gemm_nn(P, 512, 64, a, 64, w, 512, c, 512, 0, scratch); },
  nt: ({ k, scratch, random }) => { const a = random(P * 512), w = random(64 * 512), c = random(P * 64); return () => k.gemm_nt(P, 64, 512, a, 512, w, 512, c, 64, 0, scratch); },
  nt_relu: ({ k, scratch, random }) => { const a = random(P * 512), w = random(64 * 512), c = random(P * 64), b = random(64); return () => k.gemm_nt_bias_act(P, 64, 512, a, 512, w, 512, c, 64, b, 1, 0, scratch); },
  tn: ({ k, scratch, random }) => { const a = random(P * 64), b = random(P * 512), c = random(64 * 512); return () => k.gemm_tn(64, 512, P, a, 64, b, 512, c, 512, 0, scratch); },
  rgb_forward: ({ k, scratch, random }) => { const a = random(16384 * 48), w = random(32 * 48), c = random(16384 * 32), b = random(32); return () => k.gemm_nt_bias_act(16384, 32, 48, a, 48, w, 48, c, 32, b, 1, 0, scratch); },
  rgb_dx: ({ k, scratch, random }) => { const a = random(16384 * 32), w = random(32 * 48), c = random(16384 * 48); return () => k.gemm_nn(16384, 48, 32, a, 32, w, 48, c, 48, 0, scratch); },
  rgb_dw: ({ k, scratch, random }) => { const a = random(16384 * 32), b = random(16384 * 48), c = random(32 * 48); return () => k.gemm_tn(32, 48, 16384, a, 32, b, 48, c, 48, 0, scratch); },
  dw64: ({ k, scratch, random }) => { const a = random(16384 * 64), b = random(16384 * 64), c = random(64 * 64); return () => k.gemm_tn(64, 64, 16384, a, 64, b, 64, c, 64, 0, scratch); },
  dx48_k64: ({ k, scratch, random }) => { const a = random(16384 * 64), w = random(64 * 48), c = random(16384 * 48); return () => k.gemm_nn(16384, 48, 64, a, 64, w, 48, c, 48, 0, scratch); },
  gather_u8: ({ k, arena }) => { const src = arena.alloc(60000 * 784), idx = arena.alloc(4 * 128), dst = arena.allocFloats(128 * 784); new Int32Array(arena.memory.buffer, idx, 128).forEach((_, i, a) => { a[i] = (i * 7919) % 60000; }); return () => k.gather_u8(dst, src, idx, 0, 128, 784, 1 / 255); },
  col_sums: ({ k, random }) => { const g = random(25088 * 32), d = random(32); return () => k.col_sums(d, g, 25088, 32, 32, 0); },
  bias_relu: ({ k, random }) => { const y = random(25088 * 32), b = random(32); return () => k.bias_act(y, 25088, 32, b, 1, 0); },
  relu_backward: ({ k, random }) => { const dy = random(25088 * 32), y = random(25088 * 32); return () => k.act_backward(dy, y, 25088 * 32, 1, 0); },
  mlp_forward: ({ k, scratch, random }) => { const a = random(128 * 400), w = random(784 * 400), c = random(128 * 784), b = random(784); return () => k.gemm_nt_bias_act(128, 784, 400, a, 400, w, 400, c, 784, b, 0, 0, scratch); },
  mlp_dx: ({ k, scratch, random }) => { const a = random(128 * 784), w = random(784 * 400), c = random(128 * 400); return () => k.gemm_nn(128, 400, 784, a, 784, w, 400, c, 400, 0, scratch); },
  mlp_dw: ({ k, scratch, random }) => { const a = random(128 * 784), b = random(128 * 400), c = random(784 * 400); return () => k.gemm_tn(784, 400, 128, a, 784, b, 400, c, 400, 0, scratch); },
  // The list GEMMs (kernel builds with gemm-lists.ts): the decoder's output layer on ReLU outputs 55 % nonzero at random places.
  lists_forward: ({ k, scratch, random, put }) => { const h = put(randomZeros(128 * 400, 0.55)), w = random(784 * 400), c = random(128 * 784), b = random(784); return () => k.gemm_nt_bias_act_lists(128, 784, 400, h, 400, w, 400, c, 784, b, 0, 0, scratch); },
  lists_dw: ({ k, scratch, random, put }) => { const h = put(randomZeros(128 * 400, 0.55)), dy = random(128 * 784), c = random(784 * 400); return () => k.gemm_tn_lists(784, 400, 128, dy, 784, h, 400, c, 400, 0, scratch); },
  // dcgan28's 64-wide conv GEMMs through lists (the last 8 columns swept two rows at once) and its 512-wide one.
  lists_conv_nt: ({ k, scratch, random, put }) => { const a = put(panelZeros(P, 512, 0.78)), w = random(64 * 512), c = random(P * 64), b = random(64); return () => k.gemm_nt_bias_act_lists(P, 64, 512, a, 512, w, 512, c, 64, b, 1, 0, scratch); },
  lists_conv_nn: ({ k, scratch, random, put }) => { const a = put(panelZeros(P, 64, 0.95)), w = random(64 * 512), c = random(P * 512); return () => k.gemm_nn_lists(P, 512, 64, a, 64, w, 512, c, 512, 0, scratch); },
  mlp_first: ({ k, scratch, random, put }) => { const x = put(panelZeros(128, 784, 0.39)), w = random(400 * 784), c = random(128 * 400), b = random(400); return () => k.gemm_nt_bias_act_skip(128, 400, 784, x, 784, w, 784, c, 400, b, 1, 0, scratch); },
};

const [a, b] = [await instance(positionals[0]), await instance(positionals[1])];
const median = (xs) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)];
for (const name of values.case ?? Object.keys(CASES)) {
  if (!CASES[name]) throw new Error(`unknown case ${name}; cases: ${Object.keys(CASES).join(', ')}`);
  const runA = CASES[name](a), runB = CASES[name](b), ta = [], tb = [];
  for (let r = 0; r < Number(values.rounds); r++) { ta.push(microsecondsPerCall(runA, 150)); tb.push(microsecondsPerCall(runB, 150)); }
  const ratios = ta.map((t, i) => t / tb[i]);
  console.log(`${name.padEnd(12)} A ${median(ta).toFixed(0).padStart(6)} µs  B ${median(tb).toFixed(0).padStart(6)} µs  A/B ${median(ratios).toFixed(3)}  (${ratios.map((x) => x.toFixed(2)).join(' ')})`);
}
