// Samples/s of the reference configuration with 1 and 2 workers at batch 128 and 512, and the
// peak RSS of training full MNIST with 2 workers. 1- and 2-worker runs alternate and repeat
// (this machine's second vCPU is sometimes worth nothing for a while; shared/notes/PERF.md), and
// medians with min–max are printed.
// Usage: node bench/scaling.mjs [--repeats 3] [--rows 30720] [--build auto|simd] [--json]
// (Node 20 gets the relaxed-SIMD build without flags; --build simd measures the plain one.)
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { loadMnist, VAE } from 'wasm-vae';

const { values } = parseArgs({ options: {
  repeats: { type: 'string', default: '3' }, rows: { type: 'string', default: '30720' }, data: { type: 'string' },
  json: { type: 'boolean' }, 'rss-child': { type: 'boolean' }, build: { type: 'string', default: 'auto' },
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
  return { sps: h.epochs[0].samplesPerSecond, runtime };
}

const median = (a) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
const results = [];
let relaxed = false;
for (const batchSize of [128, 512]) {
  const one = [], two = [];
  for (let r = 0; r < repeats; r++) {
    const a = await measure(1, batchSize); one.push(a.sps); relaxed = a.runtime.relaxedSimd;
    const b = await measure(2, batchSize); two.push(b.sps);
  }
  const row = { batchSize, one: median(one), two: median(two), ratio: median(two) / median(one),
    oneRange: [Math.min(...one), Math.max(...one)], twoRange: [Math.min(...two), Math.max(...two)],
    ratios: two.map((t, i) => t / one[i]) };
  results.push(row);
  console.log(`batch ${batchSize}: 1 worker ${Math.round(row.one)} samples/s (${row.oneRange.map(Math.round).join('–')}), `
    + `2 workers ${Math.round(row.two)} (${row.twoRange.map(Math.round).join('–')}) -> ${row.ratio.toFixed(2)}x `
    + `(paired ratios ${row.ratios.map((v) => v.toFixed(2)).join(', ')})`);
}
const child = JSON.parse(execFileSync(process.execPath, [...process.execArgv, new URL(import.meta.url).pathname, '--rss-child', '--data', data, '--build', values.build]).toString());
console.log(`peak RSS, full MNIST (60000 rows) with 2 workers, batch 128: ${Math.round(child.maxRssMB)} MB (that run: ${Math.round(child.samplesPerSecond)} samples/s)`);
console.log(`build: ${relaxed ? 'relaxed SIMD' : 'plain SIMD'}, node ${process.version}, ${repeats} alternating repeats over ${rows} rows`);
if (values.json) console.log(JSON.stringify({ relaxedSimd: relaxed, results, peakRssMB: child.maxRssMB }));
