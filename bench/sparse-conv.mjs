// Issue 15/17: dcgan28's 6272 × 512 × 64 and 6272 × 64 × 512 GEMMs (a batch of 128, its second conv
// and first transposed conv) on zeros shaped as its ReLUs leave them after an epoch
// (bench/zeros.mjs), by the 4-row skipping forms and by the list forms, with the dense GEMM for
// scale; the same bits checked. Zeros: the transposed conv's input 55 % nonzero with 94 % of 4-row
// steps kept; the second conv's input gradient 21 % / 33 %; its patches 47 % / 78 % (its forward;
// the transposed conv's output gradient's patches, taken as 50 % / 80 %, in its input gradient: the
// same GEMM, there without bias and ReLU); its output gradient 21 % nonzero with 58 % of 4-channel
// steps kept. One thread; the forms alternate in 5 rounds; medians.
// Usage: node bench/sparse-conv.mjs [--build auto|simd|relaxed]
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { Arena } from '../dist/src/arena.js';
import { microsecondsPerCall } from '../dist/src/bench.js';
import { createMemory, instantiate, kernelModule } from '../dist/src/kernels.js';

const { values } = parseArgs({ options: { build: { type: 'string', default: 'auto' } } });
const { module, relaxedSimd } = await kernelModule(values.build);
const memory = createMemory(2048), k = await instantiate(module, memory), arena = new Arena(memory, k.heap_base());
const scratch = arena.alloc(k.gemm_scratch_bytes());
const P = 6272, median = (xs) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)];
const generator = (seed) => { let s = seed; return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32; };
const put = (v) => { const p = arena.allocFloats(v.length); arena.f32(p, v.length).set(v); return p; };
const random = (n) => { const p = arena.allocFloats(n); k.uniform_fill(p, n, -1, 1, 1, n % 97, 0); return p; };
// rows × cols: each `group` of 4 neighbours (4 rows at a column, or 4 columns of a row) kept with
// probability `keep`, each value in a kept group nonzero with probability `within`.
function zeros(rows, cols, keep, within, alongRows) {
  const out = new Float32Array(rows * cols), next = generator(rows + cols);
  for (let i = 0; i < rows; i += alongRows ? 4 : 1) for (let j = 0; j < cols; j += alongRows ? 1 : 4) {
    if (next() >= keep) continue;
    for (let q = 0; q < 4; q++) out[alongRows ? (i + q) * cols + j : i * cols + j + q] = next() < within ? next() - 0.5 : 0;
  }
  return out;
}
const same = (p, q, n) => new Uint32Array(memory.buffer, p, n).every((u, i) => u === new Uint32Array(memory.buffer, q, n)[i]);

function compare(label, n, forms) {
  const outs = forms.map(() => random(n)), times = forms.map(() => []);
  for (let r = 0; r < 5; r++) forms.forEach(([, run], i) => times[i].push(microsecondsPerCall(() => run(outs[i]), 100)));
  console.log(label);
  forms.forEach(([name], i) => console.log(`  ${name.padEnd(31)} ${(median(times[i]) / 1000).toFixed(2).padStart(6)} ms${i ? (same(outs[0], outs[i], n) ? '  same bits' : '  DIFFERENT BITS') : ''}`));
}

console.log(`machine: ${cpus()[0].model}; node ${process.version}; ${relaxedSimd ? 'relaxed' : 'plain'} SIMD; one thread`);
const w = random(64 * 512);
for (const [label, keep, within] of [['transposed conv forward, input 55 % nonzero', 0.945, 0.583], ['second conv input gradient, dZ 21 % nonzero', 0.326, 0.632]]) {
  const a = put(zeros(P, 64, keep, within, true));
  compare(`${label} (C = A·W, ${P} × 512 × 64)`, P * 512, [['gemm_nn', (c) => k.gemm_nn(P, 512, 64, a, 64, w, 512, c, 512, 0, scratch)],
    ['gemm_nn_skip (4-row)', (c) => k.gemm_nn_skip(P, 512, 64, a, 64, w, 512, c, 512, 0, scratch)],
    ['gemm_nn_lists', (c) => k.gemm_nn_lists(P, 512, 64, a, 64, w, 512, c, 512, 0, scratch)]]);
}
const b64 = random(64);
for (const [label, keep, within] of [['second conv forward, patches 47 % nonzero', 0.78, 0.6], ['transposed conv input gradient (its GEMM), patches about 50 % nonzero', 0.8, 0.6]]) {
  const a = put(zeros(P, 512, keep, within, true));
  compare(`${label} (C = relu(A·Wᵀ + b), ${P} × 64 × 512)`, P * 64, [['gemm_nt_bias_act', (c) => k.gemm_nt_bias_act(P, 64, 512, a, 512, w, 512, c, 64, b64, 1, 0, scratch)],
    ['gemm_nt_bias_act_skip (4-row)', (c) => k.gemm_nt_bias_act_skip(P, 64, 512, a, 512, w, 512, c, 64, b64, 1, 0, scratch)],
    ['gemm_nt_bias_act_lists', (c) => k.gemm_nt_bias_act_lists(P, 64, 512, a, 512, w, 512, c, 64, b64, 1, 0, scratch)]]);
}
const dz = put(zeros(P, 64, 0.58, 0.355, false)), cols = put(zeros(P, 512, 0.78, 0.6, true));
compare(`second conv weight gradient (dW = dZᵀ·patches, 64 × 512 × ${P})`, 64 * 512, [['gemm_tn', (c) => k.gemm_tn(64, 512, P, dz, 64, cols, 512, c, 512, 0, scratch)],
  ['gemm_tn_skip_grouped (patches)', (c) => k.gemm_tn_skip_grouped(64, 512, P, dz, 64, cols, 512, c, 512, 0, scratch, 32)],
  ['gemm_tn_skip_a (4 channels)', (c) => k.gemm_tn_skip_a(64, 512, P, dz, 64, cols, 512, c, 512, 0, scratch)],
  ['gemm_tn_lists_a', (c) => k.gemm_tn_lists_a(64, 512, P, dz, 64, cols, 512, c, 512, 0, scratch)]]);
