// Does the dropout op earn its place? Trains the reference sizes (784-400-20-400-784) on a small
// slice of MNIST's training set, where a VAE overfits, with and without dropout on the hidden
// layers, and prints the best and the final test loss (nats, the full 10,000 test images).
// Usage: node bench/dropout.mjs [--rows 1000] [--epochs 200] [--rates 0,0.1,0.2,0.3,0.5] [--workers 2]
import { parseArgs } from 'node:util';
import { loadMnist, VAE } from 'wasm-vae';

const { values } = parseArgs({ options: {
  rows: { type: 'string', default: '1000' }, epochs: { type: 'string', default: '200' }, rates: { type: 'string', default: '0,0.1,0.2,0.3,0.5' },
  workers: { type: 'string', default: '2' }, data: { type: 'string' },
} });
const data = values.data ?? process.env.WASM_VAE_DATA ?? new URL('../../shared/data/mnist', import.meta.url).pathname;
const mnist = await loadMnist({ dir: data });
const rows = Number(values.rows), epochs = Number(values.epochs), workers = Number(values.workers);
const train = mnist.train.bytes.subarray(0, 784 * rows);
console.log(`784-400-20-400-784 on the first ${rows} training images, ${epochs} epochs, batch 128, Adam 1e-3; test loss on 10,000 images`);
for (const rate of values.rates.split(',').map(Number)) {
  const vae = await VAE.create({ inputDim: 784, latentDim: 20, seed: 1,
    encoder: [{ type: 'dense', units: 400 }, { type: 'dropout', rate }],
    decoder: [{ type: 'dense', units: 400 }, { type: 'dropout', rate }, { type: 'dense', units: 784 }] });
  const h = await vae.fit(train, { epochs, workers, validation: mnist.test.bytes });
  await vae.dispose();
  const val = h.epochs.map((e) => e.valLoss), best = Math.min(...val);
  console.log(`dropout ${rate.toFixed(2)}: train loss ${h.epochs.at(-1).loss.toFixed(2)}, test loss best ${best.toFixed(2)} `
    + `(epoch ${val.indexOf(best) + 1}), final ${val.at(-1).toFixed(2)} nats`);
}
