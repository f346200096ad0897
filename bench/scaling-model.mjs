// Issue 17: what the pool should do on machines with more cores than this one. A training step of
// the reference model (784-400-20-400-784, batch 128) with w workers is two phases separated by
// barriers: each worker's forward and backward pass over its shard of 128/w rows, then each
// worker's share of the weight gradients (1/w of every layer's output units, over all 128 rows)
// and their Adam update. This times, on one thread, the kernels one worker runs in each phase
// at w = 1, 2, 4, 8, 16 (the calls src/ops makes, at the same shapes; real MNIST rows, so the
// first layer skips zeros as in training; the hidden activations are random, so the ReLU zeros
// the head's GEMMs skip in training, about 1 % of a step, are not): the compute of a step with w workers on w free cores,
// with what smaller GEMMs lose (each worker packs the whole weight for its shard's forward and
// input gradient, and the batch's rows for its share of the weight gradients). Kernels timed
// alone run with hot caches, so the measured 1-worker training step (same run; no barriers) is α
// times their sum; the measured 2-worker step exceeds α times its compute by what the barriers
// (two a step) and the imbalance between the workers cost. The expected curve is α·compute(w)
// plus that overhead, held at its 2-worker value (the barrier is one atomic counter).
// Usage: node bench/scaling-model.mjs [--build auto|simd] [--repeats 3]
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { loadMnist, VAE } from 'wasm-vae';
import { Arena } from '../dist/src/arena.js';
import { microsecondsPerCall } from '../dist/src/bench.js';
import { createMemory, instantiate, kernelModule } from '../dist/src/kernels.js';

const { values } = parseArgs({ options: { build: { type: 'string', default: 'auto' }, repeats: { type: 'string', default: '3' }, data: { type: 'string' } } });
const dir = values.data ?? process.env.WASM_VAE_DATA ?? new URL('../../shared/data/mnist', import.meta.url).pathname;
const mnist = await loadMnist({ dir });
const { module, relaxedSimd } = await kernelModule(values.build);
const memory = createMemory(1024), k = await instantiate(module, memory), arena = new Arena(memory, k.heap_base());

const B = 128, D = 784, H = 400, L = 20, RELU = 1, IDENTITY = 0;
const layers = [[H, D], [2 * L, H], [H, L], [D, H]]; // [out, in]: encoder.0, the head, decoder.0, decoder.2
const params = layers.reduce((s, [o, i]) => s + o * i + o, 0);
const f = (n) => arena.allocFloats(n);
const x = f(B * D), w = layers.map(([o, i]) => f(o * i)), bias = layers.map(([o]) => f(o)), grad = layers.map(([o, i]) => f(o * i));
const widths = [H, 2 * L, L, H, D]; // h1, the head, z, h3, the logits
const act = widths.map((n) => f(B * n)), dAct = widths.map((n) => f(B * n));
const adam = [f(params), f(params), f(params), f(params)], eps = f(B * L), idx = arena.alloc(4 * B), bytes = arena.alloc(B * D);
const scratch = arena.alloc(k.gemm_scratch_bytes());
arena.f32(x, B * D).set(mnist.train.images.subarray(0, B * D));
new Uint8Array(memory.buffer, bytes, B * D).set(mnist.train.bytes.subarray(0, B * D));
new Int32Array(memory.buffer, idx, B).set(Array.from({ length: B }, (_, i) => i));
layers.forEach(([o, i], l) => k.uniform_fill(w[l], o * i, -1 / Math.sqrt(i), 1 / Math.sqrt(i), 1, l + 1, 0));
widths.forEach((n, i) => { k.uniform_fill(act[i], B * n, -1, 1, 2, i, 0); k.uniform_fill(dAct[i], B * n, -1, 1, 3, i, 0); });

/** µs one worker spends in the row phase (its shard of m rows). */
function rowPhase(m) {
  return microsecondsPerCall(() => {
    k.gather_u8(x, bytes, idx, 0, m, D, 1 / 255);
    const skip = k.count_nonzero(x, m * D, Math.ceil(0.3 * m * D)) < Math.ceil(0.3 * m * D);
    (skip ? k.gemm_nt_bias_act_skip : k.gemm_nt_bias_act)(m, H, D, x, D, w[0], D, act[0], H, bias[0], RELU, 0, scratch);
    k.gemm_nt_bias_act(m, 2 * L, H, act[0], H, w[1], H, act[1], 2 * L, bias[1], IDENTITY, 0, scratch);
    k.normal_rows(eps, m, L, idx, 0, 1, 1);
    k.latent_forward(act[1], m, L, eps, act[2]);
    k.gemm_nt_bias_act(m, H, L, act[2], L, w[2], L, act[3], H, bias[2], RELU, 0, scratch);
    k.gemm_nt_bias_act(m, D, H, act[3], H, w[3], H, act[4], D, bias[3], IDENTITY, 0, scratch);
    k.bernoulli_nll(act[4], x, m, D, dAct[4]);
    k.gemm_nn(m, H, D, dAct[4], D, w[3], H, dAct[3], H, 0, scratch);
    k.act_backward(dAct[3], act[3], m * H, RELU, 0);
    k.gemm_nn(m, L, H, dAct[3], H, w[2], L, dAct[2], L, 0, scratch);
    k.latent_backward(act[1], m, L, eps, dAct[2], dAct[1], 1);
    k.gemm_nn(m, H, 2 * L, dAct[1], 2 * L, w[1], H, dAct[0], H, 0, scratch);
    k.act_backward(dAct[0], act[0], m * H, RELU, 0);
  });
}

/** µs worker 0 of w spends on its share of the weight gradients and their update (over all B rows). */
function ownerPhase(wk) {
  const inputs = [x, act[0], act[2], act[3]], outs = [dAct[0], dAct[1], dAct[3], dAct[4]];
  return microsecondsPerCall(() => {
    let offset = 0;
    layers.forEach(([o, i], l) => {
      const u = Math.ceil(o / wk); // worker 0's units (the split rounds up first)
      const gemm = l === 0 ? k.gemm_tn_skip : k.gemm_tn;
      gemm(u, i, B, outs[l], o, inputs[l], i, grad[l], i, 0, scratch);
      k.col_sums(bias[l], outs[l], B, u, o, 0);
      k.adam_step(adam[0] + 4 * offset, adam[1] + 4 * offset, adam[2] + 4 * offset, adam[3] + 4 * offset, u * i + u, 1e-3, 0.9, 0.999, 1e-8, 10, 1, 0, 0);
      offset += o * i + o;
    });
  });
}

async function trainingRate(workers) {
  const x = mnist.train.bytes.subarray(0, 784 * 15360);
  const vae = await VAE.create({ inputDim: 784, hidden: [400], latentDim: 20, seed: 1 }, { build: values.build });
  await vae.fit(x.subarray(0, 784 * 2560), { epochs: 1, workers });
  const h = await vae.fit(x, { epochs: 1, workers });
  await vae.dispose();
  return h.epochs[0].samplesPerSecond;
}

const median = (v) => [...v].sort((p, q) => p - q)[Math.floor(v.length / 2)];
const counts = [1, 2, 4, 8, 16];
const phases = counts.map((wk) => [median([0, 1, 2].map(() => rowPhase(B / wk))), median([0, 1, 2].map(() => ownerPhase(wk)))]);
const compute = phases.map(([r, o]) => r + o);
const one = [], two = [];
for (let r = 0; r < Number(values.repeats); r++) { one.push(await trainingRate(1)); two.push(await trainingRate(2)); }
const step1 = (1e6 * B) / median(one), step2 = (1e6 * B) / median(two);
const alpha = step1 / compute[0], overhead = Math.max(0, step2 - alpha * compute[1]);
console.log(`machine: ${cpus()[0].model}, ${cpus().length} cores; node ${process.version}; ${relaxedSimd ? 'relaxed' : 'plain'} SIMD; reference model, batch ${B}, ${params.toLocaleString('en-US')} parameters`);
console.log(`measured training (${values.repeats} alternating repeats, medians): 1 worker ${Math.round(median(one))} samples/s (${step1.toFixed(0)} µs a step), `
  + `2 workers ${Math.round(median(two))} (${step2.toFixed(0)} µs); α = ${alpha.toFixed(3)}; barriers and imbalance with 2 workers: ${overhead.toFixed(0)} µs a step`);
console.log('workers | shard rows | row phase µs | owner phase µs | α·compute + overhead µs | expected samples/s | speed-up | efficiency');
counts.forEach((wk, i) => {
  const step = alpha * compute[i] + (wk > 1 ? overhead : 0);
  const sps = (1e6 * B) / step, speedup = step1 / step;
  console.log(`${String(wk).padStart(7)} | ${String(B / wk).padStart(10)} | ${phases[i][0].toFixed(0).padStart(12)} | ${phases[i][1].toFixed(0).padStart(14)} | ${step.toFixed(0).padStart(23)} | `
    + `${Math.round(sps).toLocaleString('en-US').padStart(18)} | ${speedup.toFixed(2).padStart(7)}× | ${(100 * speedup / wk).toFixed(0).padStart(9)} %`);
});
