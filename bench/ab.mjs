// Speed of one build of wasm-vae against another, alternating in one process (so both see the
// same machine state): the reference configuration (784-400-20-400-784 ReLU, Bernoulli, Adam
// 1e-3, batch 128, seed 1), or a named architecture (--arch dcgan28, latent 20), over `--rows`
// MNIST rows (default 30,720) after a warm-up, `--repeats` times each.
// A and B are package directories with a built dist/ (e.g. a git worktree of an older commit,
// with node_modules linked, after npm run build).
// Usage: node bench/ab.mjs --a OLD_DIR --b NEW_DIR [--workers 1] [--repeats 8] [--arch dcgan28] [--rows 30720]
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';

const { values } = parseArgs({ options: {
  a: { type: 'string' }, b: { type: 'string', default: '.' }, workers: { type: 'string', default: '1' }, repeats: { type: 'string', default: '8' },
  data: { type: 'string' }, arch: { type: 'string' }, rows: { type: 'string', default: '30720' },
} });
if (!values.a) throw new Error('--a DIR is required (the package directory to compare against)');
const load = (dir) => import(`file://${resolve(dir, 'dist/src/index.js')}`);
const A = await load(values.a), B = await load(values.b);
const data = values.data ?? process.env.WASM_VAE_DATA ?? new URL('../../shared/data/mnist', import.meta.url).pathname;
const x = (await B.loadMnist({ dir: data })).train.bytes.subarray(0, 784 * Number(values.rows));
const workers = Number(values.workers), repeats = Number(values.repeats);
async function rate(lib) {
  const config = values.arch ? lib.architecture(values.arch, { latentDim: 20 }) : { inputDim: 784, hidden: [400], latentDim: 20 };
  const vae = await lib.VAE.create({ ...config, seed: 1 });
  await vae.fit(x.subarray(0, 784 * 2560), { epochs: 1, workers });
  const h = await vae.fit(x, { epochs: 1, workers });
  await vae.dispose();
  return h.epochs[0];
}
const ra = [], rb = [];
let sameLoss = true;
for (let i = 0; i < repeats; i++) {
  const a = await rate(A), b = await rate(B);
  ra.push(a.samplesPerSecond); rb.push(b.samplesPerSecond);
  sameLoss &&= a.loss === b.loss;
  console.log(`repeat ${i + 1}: A ${Math.round(a.samplesPerSecond)}, B ${Math.round(b.samplesPerSecond)} samples/s, B/A ${(b.samplesPerSecond / a.samplesPerSecond).toFixed(3)}`);
}
const median = (v) => [...v].sort((p, q) => p - q)[Math.floor(v.length / 2)];
console.log(`${workers} worker(s), ${repeats} repeats: median A ${Math.round(median(ra))}, B ${Math.round(median(rb))} samples/s; `
  + `B/A ${(median(rb) / median(ra)).toFixed(3)}; losses ${sameLoss ? 'equal to the bit' : 'differ'}`);
