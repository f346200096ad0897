import { loadMnist, VAE } from 'wasm-vae';
const mnist = await loadMnist({ dir: '/work/shared/data/mnist' });
const config = { inputDim: 784, hidden: [400], latentDim: 20, activation: 'relu', likelihood: 'bernoulli', seed: 1 };
const x = mnist.train.bytes.subarray(0, 784 * 30720);
const vae = await VAE.create(config);
await vae.fit(x.subarray(0, 784*512), { epochs: 1, batchSize: 128, workers: 2 });
for (let r = 0; r < 3; r++) { const h = await vae.fit(x, { epochs: 1, batchSize: 128, workers: 2 }); console.log('sps', Math.round(h.epochs[0].samplesPerSecond)); }
await vae.dispose();
