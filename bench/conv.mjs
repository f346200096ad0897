// Issue 15's "dcgan28" convolutional VAE (latent 20) on grey-level MNIST, Adam 1e-3, batch 128:
// wasm-vae's test loss after each epoch (nats per image, one z per image) and samples/s, and in
// the same run PyTorch training the same model (bench/conv-pytorch.py, Debian's python3-torch) and
// jax-js (bench/jaxjs-conv-peer.mjs: a few timed batches, it is slow); then the GFLOP/s of each
// conv kernel as the layers run them, against this CPU's SIMD ceiling (one thread).
// wasm-vae's and PyTorch's epochs alternate (PyTorch a long-lived child that trains an epoch per
// line it reads), so that each pair of epochs sees the same state of this shared host, which
// swings 30 % and more between minutes; the ratio is the median of the pairs' ratios.
// --sequential trains all of wasm-vae's epochs, then all of PyTorch's.
// Usage: node bench/conv.mjs [--epochs 10] [--workers 2] [--sequential] [--skip-torch] [--skip-jax] [--json]
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { architecture, loadMnist, VAE } from 'wasm-vae';
import { measureCeiling } from '../dist/src/bench.js';
import { measureConvKernels } from '../dist/src/bench-conv.js';
import { jaxjsConvSamplesPerSecond } from './jaxjs-conv-peer.mjs';
import { runPythonPeer, startPythonPeer } from './python-peer.mjs';

const { values } = parseArgs({ options: {
  epochs: { type: 'string', default: '10' }, workers: { type: 'string', default: '2' }, data: { type: 'string' },
  sequential: { type: 'boolean' }, 'skip-torch': { type: 'boolean' }, 'skip-jax': { type: 'boolean' }, 'jax-batches': { type: 'string', default: '2' }, json: { type: 'boolean' },
} });
const data = values.data ?? process.env.WASM_VAE_DATA ?? new URL('../../shared/data/mnist', import.meta.url).pathname;
const epochs = Number(values.epochs), workers = Number(values.workers);
const mnist = await loadMnist({ dir: data });
const DCGAN28 = { ...architecture('dcgan28', { latentDim: 20 }), seed: 1 };
console.log(`machine: ${cpus()[0].model}, ${cpus().length} cores; node ${process.version}; dcgan28, latent 20, ${epochs} epochs, ${workers} workers`);
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const logEpoch = (e) => console.log(`wasm-vae epoch ${e.epoch}: test ${e.valLoss.toFixed(2)} nats, ${Math.round(e.samplesPerSecond)} samples/s`);
const vae = await VAE.create(DCGAN28, { workers });
const ourEpochs = [];
let peer = null, torch = values['skip-torch'] || values.sequential ? null : startPythonPeer('conv-pytorch.py', [data, epochs, workers, 20, 'interleave']);
const torchMissing = (err) => { console.log(`PyTorch: not measured (${err.message.split('\n')[0]}; apt-get install python3-torch)`); torch = null; };
if (torch) await torch.ready.catch(torchMissing);
for (let e = 0; e < (values.sequential ? 1 : epochs); e++) {
  // One fit per epoch continues the same run (the epoch count, shuffles and noise streams carry on).
  const h = await vae.fit(mnist.train.bytes, { epochs: values.sequential ? epochs : 1, validation: mnist.test.bytes, onEpochEnd: logEpoch });
  ourEpochs.push(...h.epochs);
  if (torch) await torch.step().catch(torchMissing);
}
await vae.dispose();
const ours = median(ourEpochs.map((e) => e.samplesPerSecond));
try {
  if (torch) peer = await torch.close();
  else if (values.sequential && !values['skip-torch']) peer = runPythonPeer('conv-pytorch.py', [data, epochs, workers]);
} catch (err) {
  torchMissing(err);
}
if (peer) {
  const theirs = median(peer.epochs.map((e) => e.samplesPerSecond));
  const pairs = values.sequential ? null : peer.epochs.map((e, i) => ourEpochs[i].samplesPerSecond / e.samplesPerSecond);
  console.log(`PyTorch ${peer.torch}, ${peer.threads} threads: test ${peer.epochs.at(-1).testLoss.toFixed(2)} nats after ${peer.epochs.length} epochs, median ${Math.round(theirs)} samples/s`);
  console.log(`wasm-vae: test ${ourEpochs.at(-1).valLoss.toFixed(2)} nats, median ${Math.round(ours)} samples/s: ${(ours / theirs).toFixed(2)}× PyTorch (medians)`
    + (pairs ? `; epoch pairs ${median(pairs).toFixed(2)}× (${Math.min(...pairs).toFixed(2)}–${Math.max(...pairs).toFixed(2)})` : ''));
}
let jax = null;
if (!values['skip-jax']) {
  jax = await jaxjsConvSamplesPerSecond(mnist.train.images.subarray(0, 784 * 10_000), { batches: Number(values['jax-batches']), warmup: 1 });
  console.log(`jax-js ${jax.backend}, 1 thread: ${jax.samplesPerSecond.toFixed(1)} samples/s over ${jax.batches} batches of 128; `
    + `wasm-vae ${(ours / jax.samplesPerSecond).toFixed(0)}× per machine (${workers} workers), ${(ours / workers / jax.samplesPerSecond).toFixed(0)}× per thread`);
}
const ceiling = await measureCeiling('auto');
console.log(`conv kernels, one thread, 64 rows (a worker's half of a batch), ${ceiling.relaxedSimd ? 'relaxed' : 'plain'} SIMD; each a share of the ceiling measured just before it:`);
const kernels = await measureConvKernels('auto');
for (const r of kernels) {
  console.log(`  ${r.layer.padEnd(30)} ${r.pass.padEnd(8)} ${r.kernels.padEnd(28)} ${(r.us / 1000).toFixed(2).padStart(6)} ms ${r.gflops.toFixed(1).padStart(5)} GFLOP/s `
    + `${r.percentOfCeiling.toFixed(0).padStart(3)} % of ${r.ceilingGflops.toFixed(1)} (GEMM ${(100 * r.gemmShare).toFixed(0)} % of the time)`);
}
if (values.json) console.log(JSON.stringify({ epochs, ours: ourEpochs, peer, jax, ceiling, kernels }));
