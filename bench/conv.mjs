// Issue 15's "dcgan28" convolutional VAE (latent 20) on grey-level MNIST, Adam 1e-3, batch 128:
// wasm-vae's test loss after each epoch (nats per image, one z per image) and samples/s, and
// PyTorch training the same model in the same run (bench/conv-pytorch.py, Debian's python3-torch).
// Usage: node bench/conv.mjs [--epochs 10] [--workers 2] [--skip-torch] [--json]
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { loadMnist, VAE } from 'wasm-vae';
import { runPythonPeer } from './python-peer.mjs';

const { values } = parseArgs({ options: {
  epochs: { type: 'string', default: '10' }, workers: { type: 'string', default: '2' }, data: { type: 'string' },
  'skip-torch': { type: 'boolean' }, json: { type: 'boolean' },
} });
const data = values.data ?? process.env.WASM_VAE_DATA ?? new URL('../../shared/data/mnist', import.meta.url).pathname;
const epochs = Number(values.epochs), workers = Number(values.workers);
const mnist = await loadMnist({ dir: data });
/** dcgan28 as issue 15 writes it, as a layer list. */
export const DCGAN28 = { inputDim: 784, inputShape: [1, 28, 28], latentDim: 20, seed: 1,
  encoder: [{ type: 'conv2d', filters: 32, kernel: 4, stride: 2, padding: 1 }, { type: 'conv2d', filters: 64, kernel: 4, stride: 2, padding: 1 }, { type: 'flatten' }],
  decoder: [{ type: 'dense', units: 3136 }, { type: 'reshape', shape: [64, 7, 7] },
    { type: 'conv-transpose2d', filters: 32, kernel: 4, stride: 2, padding: 1 }, { type: 'conv-transpose2d', filters: 1, kernel: 4, stride: 2, padding: 1 }] };
console.log(`machine: ${cpus()[0].model}, ${cpus().length} cores; node ${process.version}; dcgan28, latent 20, ${epochs} epochs, ${workers} workers`);
const vae = await VAE.create(DCGAN28, { workers });
const h = await vae.fit(mnist.train.bytes, { epochs, validation: mnist.test.bytes,
  onEpochEnd: (e) => console.log(`wasm-vae epoch ${e.epoch}: test ${e.valLoss.toFixed(2)} nats, ${Math.round(e.samplesPerSecond)} samples/s`) });
await vae.dispose();
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const ours = median(h.epochs.map((e) => e.samplesPerSecond));
let peer = null;
if (!values['skip-torch']) {
  try {
    peer = runPythonPeer('conv-pytorch.py', [data, epochs, workers]);
    const theirs = median(peer.epochs.map((e) => e.samplesPerSecond));
    console.log(`PyTorch ${peer.torch}, ${peer.threads} threads: test ${peer.epochs.at(-1).testLoss.toFixed(2)} nats after ${epochs} epochs, median ${Math.round(theirs)} samples/s`);
    console.log(`wasm-vae: test ${h.epochs.at(-1).valLoss.toFixed(2)} nats, median ${Math.round(ours)} samples/s: ${(ours / theirs).toFixed(2)}× PyTorch`);
  } catch (err) {
    console.log(`PyTorch: not measured (${err.message.split('\n')[0]}; apt-get install python3-torch)`);
  }
}
if (values.json) console.log(JSON.stringify({ epochs, ours: h.epochs, peer }));
