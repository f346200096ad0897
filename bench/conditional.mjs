// Are a conditional VAE's samples the digits asked for? Trains the reference sizes
// (784-400-20-400-784, Adam 1e-3, batch 128) with --conditional on MNIST, draws `per` samples of
// every class from the prior, and classifies each with a 1-nearest-neighbour classifier on the
// MNIST training set (Euclidean distance on pixels); prints the share that match the asked label.
// In the same run, the equivalent PyTorch CVAE gets the same training and the same check
// (bench/conditional-pytorch.py), when /usr/bin/python3 has torch: a low share that PyTorch shares
// is the model's, not the library's.
// Usage: node bench/conditional.mjs [--epochs 10] [--per 100] [--latent 20] [--workers 2] [--skip-torch] [--json]
import { parseArgs } from 'node:util';
import { loadMnist, VAE } from 'wasm-vae';
import { runPythonPeer } from './python-peer.mjs';

const { values } = parseArgs({ options: {
  epochs: { type: 'string', default: '10' }, per: { type: 'string', default: '100' }, workers: { type: 'string', default: '2' },
  latent: { type: 'string', default: '20' }, data: { type: 'string' }, 'skip-torch': { type: 'boolean' }, json: { type: 'boolean' },
} });
const data = values.data ?? process.env.WASM_VAE_DATA ?? new URL('../../shared/data/mnist', import.meta.url).pathname;
const mnist = await loadMnist({ dir: data });
const epochs = Number(values.epochs), per = Number(values.per), workers = Number(values.workers), latentDim = Number(values.latent);
const vae = await VAE.create({ inputDim: 784, hidden: [400], latentDim, seed: 1, conditional: { classes: 10 } });
const t0 = performance.now();
const h = await vae.fit(mnist.train.bytes, { epochs, workers, labels: mnist.train.labels, validation: mnist.test.bytes, validationLabels: mnist.test.labels });
console.log(`conditional VAE 784-400-${latentDim}: ${epochs} epochs in ${((performance.now() - t0) / 1000).toFixed(0)} s, test loss ${h.epochs.at(-1).valLoss.toFixed(2)} nats`);
const labels = Array.from({ length: 10 * per }, (_, i) => Math.floor(i / per));
const samples = await vae.sample(10 * per, { seed: 7, labels });
await vae.dispose();

// 1-NN on the training set: ‖a − b‖² = ‖a‖² + ‖b‖² − 2a·b, the sample's ‖a‖² being the same for every b.
const train = mnist.train.images, n = mnist.train.count, D = 784;
const norms = new Float32Array(n);
for (let j = 0; j < n; j++) { let s = 0; for (let d = 0; d < D; d++) s += train[j * D + d] ** 2; norms[j] = s; }
const perClass = new Array(10).fill(0);
let correct = 0;
for (let i = 0; i < labels.length; i++) {
  const a = samples.subarray(i * D, (i + 1) * D);
  let best = Infinity, which = -1;
  for (let j = 0; j < n; j++) {
    let dot = 0;
    const o = j * D;
    for (let d = 0; d < D; d++) dot += a[d] * train[o + d];
    const dist = norms[j] - 2 * dot;
    if (dist < best) { best = dist; which = j; }
  }
  if (mnist.train.labels[which] === labels[i]) { correct++; perClass[labels[i]]++; }
}
const accuracy = correct / labels.length;
console.log(`1-NN on the 60,000 training images: ${(100 * accuracy).toFixed(1)} % of ${labels.length} samples are the digit asked for `
  + `(per digit: ${perClass.map((c) => `${Math.round((100 * c) / per)}`).join(' ')} %)`);
let peer = null;
if (!values['skip-torch']) {
  try {
    peer = runPythonPeer('conditional-pytorch.py', [data, epochs, per, workers, latentDim], { quiet: true });
    console.log(`PyTorch ${peer.torch}, the same CVAE and check: test loss ${peer.testLoss.toFixed(2)} nats, ${(100 * peer.accuracy).toFixed(1)} % `
      + `(per digit: ${peer.perClass.map((c) => Math.round(100 * c)).join(' ')} %)`);
  } catch {
    console.log('PyTorch: not measured (/usr/bin/python3 with torch not found; apt-get install python3-torch)');
  }
}
if (values.json) console.log(JSON.stringify({ epochs, per, latentDim, accuracy, perClass, testLoss: h.epochs.at(-1).valLoss, peer }));
