// Density estimation as the papers report it: the one-stochastic-layer VAE of Burda et al. 2015
// (784-200-200-50 tanh, mirror decoder, output bias at the data mean) on dynamically binarised
// MNIST, Adam 1e-3 (ε 1e-4), batch 100, trained with the ELBO (k = 1) and the IWAE bound (k = 5);
// then the test -ELBO and the test NLL by importance sampling (k = 5000) on the test set binarised
// once (seed --test-seed). PyTorch trains the k = 1 model with the same recipe in the same run and
// is evaluated on the same binarised rows (bench/density-pytorch.py), when /usr/bin/python3 has torch.
// --scaling instead times logLikelihood alone (a model after one epoch, 40 rows × 5000 samples) on
// 1 and on `--workers` workers, alternating, and prints the speed-up; then the time of all
// --nll-rows rows on `--workers` workers.
// Usage: node bench/density.mjs [--epochs 100] [--objectives 1,5] [--nll-samples 5000]
//        [--nll-rows 10000] [--workers 2] [--test-seed 123] [--skip-torch] [--json] [--scaling]
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { binarize, loadMnist, VAE } from 'wasm-vae';
import { runPythonPeer } from './python-peer.mjs';

const { values } = parseArgs({ options: {
  epochs: { type: 'string', default: '100' }, objectives: { type: 'string', default: '1,5' }, 'nll-samples': { type: 'string', default: '5000' },
  'nll-rows': { type: 'string', default: '10000' }, workers: { type: 'string', default: '2' }, 'test-seed': { type: 'string', default: '123' },
  data: { type: 'string' }, 'skip-torch': { type: 'boolean' }, json: { type: 'boolean' }, scaling: { type: 'boolean' },
} });
const data = values.data ?? process.env.WASM_VAE_DATA ?? new URL('../../shared/data/mnist', import.meta.url).pathname;
const epochs = Number(values.epochs), workers = Number(values.workers), samples = Number(values['nll-samples']);
const mnist = await loadMnist({ dir: data });
const nllRows = Math.min(Number(values['nll-rows']), mnist.test.count);
const test = await binarize(mnist.test.bytes, { dim: 784, seed: Number(values['test-seed']) });
console.log(`machine: ${cpus()[0].model}, ${cpus().length} cores; node ${process.version}; ${workers} workers`);
console.log(`recipe: 784-200-200-50 tanh, mirror decoder, output bias = logit(train mean), dynamic binarisation, Adam 1e-3 (eps 1e-4), `
  + `batch 100, seed 1, ${epochs} epochs; test set binarised once (seed ${values['test-seed']}); NLL with ${samples} samples on ${nllRows} test rows`);
const MODEL = { inputDim: 784, hidden: [200, 200], latentDim: 50, activation: 'tanh', outputBias: 'data-mean', seed: 1 };
if (values.scaling) {
  const trained = await VAE.create(MODEL);
  await trained.fit(mnist.train.bytes, { epochs: 1, batchSize: 100, epsilon: 1e-4, binarize: 'dynamic', workers });
  const params = trained.getParameters();
  await trained.dispose();
  const rows = test.subarray(0, 784 * 40), rates = { 1: [], [workers]: [] };
  for (let repeat = 0; repeat < 3; repeat++) {
    for (const w of [1, workers]) {
      const vae = await VAE.create(MODEL, { workers: w });
      vae.setParameters(params);
      const t = performance.now();
      await vae.logLikelihood(rows, { samples });
      rates[w].push((40 * samples) / ((performance.now() - t) / 1000));
      await vae.dispose();
    }
  }
  const median = (v) => [...v].sort((a, b) => a - b)[1];
  console.log(`logLikelihood, 40 rows × ${samples} samples: ${Math.round(median(rates[1]) / 1e3)} k samples/s on 1 worker, `
    + `${Math.round(median(rates[workers]) / 1e3)} k on ${workers} (medians of 3): ${(median(rates[workers]) / median(rates[1])).toFixed(2)}×`);
  const vae = await VAE.create(MODEL, { workers });
  vae.setParameters(params);
  const t = performance.now();
  await vae.logLikelihood(test.subarray(0, 784 * nllRows), { samples });
  const seconds = (performance.now() - t) / 1000;
  console.log(`logLikelihood, ${nllRows} rows × ${samples} samples on ${workers} workers (runtime: ${vae.runtime.workers} workers): `
    + `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s, ${Math.round((nllRows * samples) / seconds / 1e3)} k samples/s`);
  await vae.dispose();
  process.exit(0);
}
const fmt = (s) => `${Math.floor(s / 60)}:${String(Math.round(s % 60)).padStart(2, '0')}`;

const results = [];
for (const k of values.objectives.split(',').map(Number)) {
  const vae = await VAE.create(MODEL, { workers }); // the pool serves fit and logLikelihood alike
  const t0 = performance.now();
  const h = await vae.fit(mnist.train.bytes, {
    epochs, batchSize: 100, learningRate: 1e-3, epsilon: 1e-4, binarize: 'dynamic', workers,
    objective: k > 1 ? { kind: 'iwae', samples: k } : { kind: 'elbo' },
    onEpochEnd: (e) => { if (e.epoch % 10 === 0 || e.epoch === 1) process.stderr.write(`k = ${k}: epoch ${e.epoch}, train loss ${e.loss.toFixed(2)}, ${Math.round(e.samplesPerSecond)} rows/s\n`); },
  });
  const trainSeconds = (performance.now() - t0) / 1000;
  const elbo = (await vae.evaluate(test)).loss;
  const t1 = performance.now();
  const logp = await vae.logLikelihood(test.subarray(0, 784 * nllRows), { samples, onProgress: (done, total) => {
    if (done % 500 === 0 || done === total) process.stderr.write(`k = ${k}: NLL ${done}/${total} rows, ${fmt((performance.now() - t1) / 1000)}\n`);
  } });
  const nllSeconds = (performance.now() - t1) / 1000;
  const nll = -logp.reduce((a, b) => a + b, 0) / logp.length;
  const rate = (epochs * mnist.train.count) / trainSeconds;
  results.push({ k, nll, testElbo: elbo, samplesPerSecond: rate, trainSeconds, nllSeconds });
  console.log(`wasm-vae k = ${k}: test NLL ${nll.toFixed(2)} nats, test -ELBO ${elbo.toFixed(2)}; training ${Math.round(rate)} rows/s `
    + `(${fmt(trainSeconds)}), NLL ${fmt(nllSeconds)} (${(nllRows * samples / nllSeconds / 1e3).toFixed(0)} k samples/s)`);
  await vae.dispose();
}

let peer = null;
if (!values['skip-torch']) {
  const dir = mkdtempSync(join(tmpdir(), 'wasm-vae-density-')), path = join(dir, 'test-binarised.u8');
  writeFileSync(path, test);
  try {
    peer = runPythonPeer('density-pytorch.py', [data, path, epochs, workers, nllRows, samples]);
    console.log(`PyTorch ${peer.torch}, ${peer.threads} threads, k = 1, same recipe: test NLL ${peer.nll.toFixed(2)} nats, test -ELBO ${peer.testElbo.toFixed(2)}; `
      + `training ${Math.round(peer.samplesPerSecond)} rows/s, NLL ${fmt(peer.nllSeconds)}`);
    const ours = results.find((r) => r.k === 1);
    if (ours) console.log(`wasm-vae − PyTorch (k = 1): NLL ${(ours.nll - peer.nll).toFixed(2)} nats; training speed ${(ours.samplesPerSecond / peer.samplesPerSecond).toFixed(2)}×`);
  } catch (err) {
    console.log(`PyTorch: not measured (${err.message.split('\n')[0]}; apt-get install python3-torch)`);
  }
}
if (values.json) console.log(JSON.stringify({ epochs, samples, nllRows, results, peer }));
