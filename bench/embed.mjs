// vae.embed of MNIST's 60,000 training images with 1 and 2 workers (issue 16: 2 workers ≥ 1.8×
// one), alternating in one process after a warm-up call each (the pool started, the code
// compiled), on the reference model (784-400-20). Prints each run's seconds, the medians and
// their ratio. Usage: node bench/embed.mjs [--model FILE] [--repeats 7]
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { loadMnist, VAE } from 'wasm-vae';

const { values } = parseArgs({ options: { model: { type: 'string' }, repeats: { type: 'string', default: '7' }, data: { type: 'string' } } });
const dir = values.data ?? process.env.WASM_VAE_DATA ?? new URL('../../shared/data/mnist', import.meta.url).pathname;
const mnist = await loadMnist({ dir });
const open = (workers) => (values.model ? VAE.load(values.model, { workers }) : VAE.create({ inputDim: 784, hidden: [400], latentDim: 20, seed: 1 }, { workers }));
const models = { 1: await open(1), 2: await open(2) };
const x = mnist.train.bytes;
const time = async (w) => { const t = performance.now(); await models[w].embed(x, { workers: w }); return (performance.now() - t) / 1000; };
await time(1); await time(2);
const runs = { 1: [], 2: [] };
for (let r = 0; r < Number(values.repeats); r++) for (const w of [1, 2]) runs[w].push(await time(w));
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
console.log(`machine: ${cpus()[0].model}, ${cpus().length} cores; node ${process.version}; embed of ${mnist.train.count} rows`);
for (const w of [1, 2]) console.log(`${w} worker(s): ${runs[w].map((s) => s.toFixed(3)).join(', ')} s; median ${median(runs[w]).toFixed(3)} s`);
console.log(`2 workers: ${(median(runs[1]) / median(runs[2])).toFixed(2)}× one`);
await Promise.all(Object.values(models).map((m) => m.dispose()));
