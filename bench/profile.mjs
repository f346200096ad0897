// Where a training step's time goes, kernel by kernel (GEMMs by layout and shape), on one thread:
// a named architecture (latent 20) or the reference MLP, batch 128, on MNIST, after `--warmup`
// steps; VAE.create's profile option times every kernel call.
// Usage: node bench/profile.mjs [--arch dcgan28] [--steps 30] [--warmup 40] [--top 25]
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { architecture, loadMnist, VAE } from 'wasm-vae';

const { values } = parseArgs({ options: {
  arch: { type: 'string' }, steps: { type: 'string', default: '30' }, warmup: { type: 'string', default: '40' },
  top: { type: 'string', default: '25' }, data: { type: 'string' },
} });
const dir = values.data ?? process.env.WASM_VAE_DATA ?? new URL('../../shared/data/mnist', import.meta.url).pathname;
const images = (await loadMnist({ dir })).train.images;
const steps = Number(values.steps), warmup = Number(values.warmup), batch = 128;
const config = values.arch ? architecture(values.arch, { latentDim: 20 }) : { inputDim: 784, hidden: [400], latentDim: 20 };
const vae = await VAE.create({ ...config, seed: 1 }, { workers: 1, profile: true });
await vae.fit(images.subarray(0, 784 * batch * warmup), { epochs: 1, batchSize: batch });
vae.profile(true);
await vae.fit(images.subarray(784 * batch * warmup, 784 * batch * (warmup + steps)), { epochs: 1, batchSize: batch });
const entries = vae.profile(), total = entries.reduce((s, e) => s + e.ms, 0);
console.log(`machine: ${cpus()[0].model}; node ${process.version}; ${values.arch ?? 'reference MLP'}; one thread; ${steps} steps of ${batch} after ${warmup}`);
console.log(`kernels: ${(total / steps).toFixed(2)} ms a step`);
for (const e of entries.slice(0, Number(values.top))) {
  console.log(`  ${e.kernel.padEnd(40)} ${(e.ms / steps).toFixed(3).padStart(8)} ms ${(100 * e.ms / total).toFixed(1).padStart(5)} %  (${e.calls / steps} a step)`);
}
await vae.dispose();
