// Trains the reference configuration (784-400-20-400-784 ReLU, Bernoulli, Adam 1e-3, batch 128,
// seed 1) on MNIST and prints samples/s and test loss per epoch; then measures the same model in
// the same run on jax-js (jit, wasm; one thread in Node) and TensorFlow.js's wasm and cpu
// backends (a fixed number of batches each), and PyTorch (bench/pytorch-peer.py, which loads the
// train and test sets as PyTorch's example does) with the same thread count where
// /usr/bin/python3 has torch (with Debian's OpenBLAS when libopenblas0-openmp is installed), and
// prints the ratios. PyTorch's timed epochs alternate with wasm-vae's (after its warm-up epoch),
// so that both see the same machine state on a shared host; --sequential times one PyTorch epoch
// after all of wasm-vae's, as before. Node 20 gets the relaxed-SIMD build without flags; --build
// simd for the plain.
// Usage: node bench/train.mjs [--epochs N] [--workers N] [--build auto|simd] [--skip-tfjs]
//        [--skip-jax] [--skip-torch] [--sequential] [--json]
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadMnist, VAE } from 'wasm-vae';
import { jaxjsSamplesPerSecond } from './jaxjs-peer.mjs';
import { tfjsSamplesPerSecond } from './tfjs-peer.mjs';
import { OPENBLAS, runPythonPeer, startPythonPeer } from './python-peer.mjs';
import { cpus } from 'node:os';

const { values } = parseArgs({ options: {
  epochs: { type: 'string', default: '10' }, data: { type: 'string' }, json: { type: 'boolean' },
  'tfjs-batches': { type: 'string', default: '20' }, 'skip-tfjs': { type: 'boolean' }, 'skip-torch': { type: 'boolean' }, workers: { type: 'string', default: '1' },
  'skip-jax': { type: 'boolean' }, 'jax-batches': { type: 'string', default: '100' }, build: { type: 'string', default: 'auto' },
  sequential: { type: 'boolean' },
} });
const data = values.data ?? process.env.WASM_VAE_DATA ?? new URL('../../shared/data/mnist', import.meta.url).pathname;
const epochs = Number(values.epochs);
const mnist = await loadMnist({ dir: data });
const vae = await VAE.create({ inputDim: 784, hidden: [400], latentDim: 20, activation: 'relu', likelihood: 'bernoulli', seed: 1 }, { build: values.build });
const workers = values.workers === 'auto' ? 'auto' : Number(values.workers);
console.log(`wasm-vae bench/train: node ${process.version}, ${cpus().length} × ${cpus()[0]?.model}, workers ${values.workers}`);
const threads = workers === 'auto' ? 2 : workers;
const torchLabel = existsSync(OPENBLAS) ? '+ OpenBLAS' : 'with the default BLAS';
const torchMissing = () => { console.log('PyTorch: not measured (/usr/bin/python3 with torch not found; apt-get install python3-torch libopenblas0-openmp)'); torch = null; };
let torch = values['skip-torch'] || values.sequential ? null : startPythonPeer('pytorch-peer.py', [data, threads, 60000, 'interleave']);
if (torch) await torch.ready.catch(torchMissing);
console.log(`epoch  samples/s  train loss  test loss (nats/example)${torch ? `  PyTorch samples/s (${threads} thread(s), its epoch right after)` : ''}`);
const epochLine = (e, theirs) => console.log(`${String(e.epoch).padStart(5)}  ${Math.round(e.samplesPerSecond).toString().padStart(9)}  `
  + `${e.loss.toFixed(2).padStart(10)}  ${e.valLoss.toFixed(2).padStart(9)}${theirs ? `  ${Math.round(theirs.samplesPerSecond).toString().padStart(9)}` : ''}`);
const ourEpochs = [], torchEpochs = [], alternating = torch !== null;
for (let e = 0; e < (alternating ? epochs : 1); e++) {
  // One fit per epoch continues the same run (the epoch count, shuffles and noise streams carry
  // on); a peer that fails part-way leaves the remaining epochs to run without it.
  const h = await vae.fit(mnist.train.bytes, {
    epochs: alternating ? 1 : epochs, batchSize: 128, learningRate: 1e-3, validation: mnist.test.bytes, workers,
    onEpochEnd: alternating ? undefined : (ep) => epochLine(ep),
  });
  ourEpochs.push(...h.epochs);
  if (!alternating) continue;
  const theirs = torch ? await torch.step().catch(torchMissing) : undefined;
  if (theirs) torchEpochs.push(theirs);
  epochLine(h.epochs[0], theirs);
}
if (torch) await torch.close().catch(() => {});
const history = { epochs: ourEpochs };
const rt = vae.runtime;
console.log(`runtime: ${rt.workers} worker(s)${rt.threads ? ' (threads)' : ' (this thread)'}, SIMD${rt.relaxedSimd ? ' + relaxed SIMD (relaxed_madd)' : ' (plain f32x4 mul+add)'}`);
await vae.dispose();
const perEpoch = history.epochs.map((e) => e.samplesPerSecond).sort((a, b) => a - b);
const median = perEpoch[Math.floor(perEpoch.length / 2)];
const result = { samplesPerSecond: median, testLoss: history.epochs.at(-1).valLoss, epochs, relaxedSimd: rt.relaxedSimd, workers: rt.workers, peers: [] };
console.log(`wasm-vae: median ${Math.round(median)} samples/s over ${epochs} epochs; test loss after ${epochs} epochs ${result.testLoss.toFixed(2)} nats`);
if (!values['skip-jax']) {
  const n = Number(values['jax-batches']);
  const peer = await jaxjsSamplesPerSecond(mnist.train.images, { batches: n });
  result.peers.push(peer);
  console.log(`jax-js 0.1.25 wasm (jit, 1 thread): ${Math.round(peer.samplesPerSecond)} samples/s over ${n} batches -> wasm-vae is ${(median / peer.samplesPerSecond).toFixed(1)}x`);
}
if (!values['skip-tfjs']) {
  const batches = Number(values['tfjs-batches']);
  for (const [backend, n] of [['wasm', batches], ['cpu', Math.max(2, Math.round(batches / 4))]]) {
    const peer = await tfjsSamplesPerSecond(backend, mnist.train.images, { batches: n });
    result.peers.push(peer);
    console.log(`TensorFlow.js ${backend}: ${Math.round(peer.samplesPerSecond)} samples/s over ${n} batches -> wasm-vae is ${(median / peer.samplesPerSecond).toFixed(1)}x`);
  }
}
if (torchEpochs.length) {
  const rates = torchEpochs.map((e) => e.samplesPerSecond), theirs = rates.slice().sort((a, b) => a - b)[Math.floor(rates.length / 2)];
  const pairs = rates.map((r, i) => ourEpochs[i].samplesPerSecond / r).sort((a, b) => a - b);
  const peer = { backend: `pytorch ${torchLabel}`, threads: torchEpochs[0].threads, torch: torchEpochs[0].torch, samplesPerSecond: theirs, epochs: rates, pairRatio: pairs[Math.floor(pairs.length / 2)] };
  result.peers.push(peer);
  console.log(`PyTorch ${peer.torch} ${torchLabel}, ${peer.threads} thread(s), train and test sets loaded as in its example, ${rates.length} epochs alternating with wasm-vae's `
    + `after a warm-up epoch: median ${Math.round(theirs)} samples/s -> wasm-vae is ${(median / theirs).toFixed(2)}x (medians); epoch pairs ${peer.pairRatio.toFixed(2)}x (${pairs[0].toFixed(2)}–${pairs.at(-1).toFixed(2)})`);
} else if (values.sequential && !values['skip-torch']) {
  try {
    const peer = { backend: `pytorch ${torchLabel}`, ...runPythonPeer('pytorch-peer.py', [data, threads], { quiet: true }) };
    result.peers.push(peer);
    console.log(`PyTorch ${peer.torch} ${torchLabel}, ${peer.threads} thread(s), train and test sets loaded as in its example: `
      + `${Math.round(peer.samplesPerSecond)} samples/s over one epoch after a warm-up epoch -> wasm-vae is ${(median / peer.samplesPerSecond).toFixed(2)}x`);
  } catch {
    torchMissing();
  }
}
// Where the microseconds of a step go: one thread, every kernel call timed, over 100 steps after
// 20 warm-up steps (the timers add about 1 µs per call).
const probe = await VAE.create({ inputDim: 784, hidden: [400], latentDim: 20, seed: 1 }, { profile: true, build: values.build });
await probe.fit(mnist.train.bytes.subarray(0, 784 * 128 * 20), { epochs: 1, batchSize: 128 });
probe.profile(true);
const t0 = performance.now();
await probe.fit(mnist.train.bytes.subarray(0, 784 * 128 * 100), { epochs: 1, batchSize: 128 });
const stepMs = (performance.now() - t0) / 100;
const entries = probe.profile();
await probe.dispose();
const kernelMs = entries.reduce((s, e) => s + e.ms, 0) / 100;
console.log(`\nstep profile (1 thread, batch 128): ${(stepMs * 1000).toFixed(0)} µs per step, of which kernels ${(kernelMs * 1000).toFixed(0)} µs`);
for (const e of entries) {
  const us = (e.ms / 100) * 1000;
  const m = e.kernel.match(/^gemm_\w+ (\d+)x(\d+)x(\d+)$/);
  const gflops = m ? (2 * m[1] * m[2] * m[3] * (e.calls / 100)) / (us * 1e3) : undefined;
  console.log(`  ${e.kernel.padEnd(24)} ${us.toFixed(0).padStart(6)} µs ${((100 * us) / (stepMs * 1000)).toFixed(1).padStart(5)}%${gflops ? `  ${gflops.toFixed(1)} GFLOP/s` : ''}`);
}
console.log(`  ${'(outside kernels)'.padEnd(24)} ${((stepMs - kernelMs) * 1000).toFixed(0).padStart(6)} µs ${((100 * (stepMs - kernelMs)) / stepMs).toFixed(1).padStart(5)}%`);
result.profile = { stepMicroseconds: stepMs * 1000, entries };
if (values.json) console.log(JSON.stringify(result));
