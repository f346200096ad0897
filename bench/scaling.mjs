// Samples/s of the reference configuration with 1 and 2 workers (or --workers 1,2,3,4: more
// workers than cores run oversubscribed, which measures their correctness and overhead) at batch
// 128 and 512, whether every worker count gives the same loss to the bit, and the peak RSS of
// training full MNIST with 2 workers. The worker counts alternate and repeat (this machine's
// second vCPU is sometimes worth nothing for a while; shared/notes/PERF.md), and medians with
// min–max are printed, with each count's ratio to 1 worker.
// Usage: node bench/scaling.mjs [--repeats 3] [--rows 30720] [--workers 1,2] [--batches 128,512] [--build auto|simd] [--json]
// (Node 20 gets the relaxed-SIMD build without flags; --build simd measures the plain one.)
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { loadMnist, VAE } from 'wasm-vae';

const { values } = parseArgs({ options: {
  repeats: { type: 'string', default: '3' }, rows: { type: 'string', default: '30720' }, data: { type: 'string' },
  json: { type: 'boolean' }, 'rss-child': { type: 'boolean' }, build: { type: 'string', default: 'auto' },
  workers: { type: 'string', default: '1,2' }, batches: { type: 'string', default: '128,512' },
} });
const data = values.data ?? process.env.WASM_VAE_DATA ?? new URL('../../shared/data/mnist', import.meta.url).pathname;
const config = { inputDim: 784, hidden: [400], latentDim: 20, activation: 'relu', likelihood: 'bernoulli', seed: 1 };

if (values['rss-child']) {
  // One full epoch of MNIST with 2 workers; report this process's peak resident set.
  const mnist = await loadMnist({ dir: data });
  const vae = await VAE.create(config, { build: values.build });
  const h = await vae.fit(mnist.train.bytes, { epochs: 1, batchSize: 128, workers: 2, validation: mnist.test.bytes });
  await vae.dispose();
  console.log(JSON.stringify({ maxRssMB: process.resourceUsage().maxRSS / 1024, samplesPerSecond: h.epochs[0].samplesPerSecond }));
  process.exit(0);
}

const mnist = await loadMnist({ dir: data });
const rows = Number(values.rows), repeats = Number(values.repeats);
const x = mnist.train.bytes.subarray(0, 784 * rows);

async function measure(workers, batchSize) {
  const vae = await VAE.create(config, { build: values.build });
  await vae.fit(x.subarray(0, 784 * batchSize * 4), { epochs: 1, batchSize, workers }); // start the pool, warm up
  const h = await vae.fit(x, { epochs: 1, batchSize, workers });
  const runtime = vae.runtime;
  await vae.dispose();
  return { sps: h.epochs[0].samplesPerSecond, loss: h.epochs[0].loss, runtime };
}

const median = (a) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
const counts = values.workers.split(',').map(Number);
const results = [];
let relaxed = false;
for (const batchSize of values.batches.split(',').map(Number)) {
  const rates = counts.map(() => []), losses = new Set();
  for (let r = 0; r < repeats; r++) {
    for (const [i, workers] of counts.entries()) {
      const m = await measure(workers, batchSize);
      rates[i].push(m.sps); losses.add(m.loss); relaxed = m.runtime.relaxedSimd;
    }
  }
  const row = { batchSize, workers: counts, samplesPerSecond: rates.map(median), ranges: rates.map((v) => [Math.min(...v), Math.max(...v)]),
    ratios: rates.map((v) => median(v) / median(rates[0])), sameLoss: losses.size === 1 };
  results.push(row);
  console.log(`batch ${batchSize}: ` + counts.map((w, i) => `${w} worker${w > 1 ? 's' : ''} ${Math.round(row.samplesPerSecond[i])} samples/s `
    + `(${row.ranges[i].map(Math.round).join('–')})${i ? ` ${row.ratios[i].toFixed(2)}×` : ''}`).join(', ')
    + `; loss ${row.sameLoss ? 'the same to the bit for every count' : 'DIFFERS between counts'}`);
}
const child = JSON.parse(execFileSync(process.execPath, [...process.execArgv, new URL(import.meta.url).pathname, '--rss-child', '--data', data, '--build', values.build]).toString());
console.log(`peak RSS, full MNIST (60000 rows) with 2 workers, batch 128: ${Math.round(child.maxRssMB)} MB (that run: ${Math.round(child.samplesPerSecond)} samples/s)`);
console.log(`build: ${relaxed ? 'relaxed SIMD' : 'plain SIMD'}, node ${process.version}, ${repeats} alternating repeats over ${rows} rows`);
if (values.json) console.log(JSON.stringify({ relaxedSimd: relaxed, results, peakRssMB: child.maxRssMB }));
