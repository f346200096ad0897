// How many zeros the GEMMs of a training step could skip: for each GEMM call site (layout, shape
// and its A operand; for gemm_tn the B operand, the data side of a weight gradient), the share of
// nonzero values, of 4-row steps (4 rows at one k: what the skipping GEMMs' panels keep) and of
// 4-column steps, averaged over `--steps` steps after `--epochs` epochs of training on MNIST.
// Reads every operand, so it is slow; the figures are shares, not timings.
// Usage: node bench/zeros.mjs [--arch dcgan28] [--epochs 3] [--steps 8]
import { parseArgs } from 'node:util';
import { architecture, loadMnist, VAE } from 'wasm-vae';
import { KernelProfile } from '../dist/src/profile.js';

const { values } = parseArgs({ options: {
  arch: { type: 'string' }, epochs: { type: 'string', default: '3' }, steps: { type: 'string', default: '8' }, data: { type: 'string' },
} });
const dir = values.data ?? process.env.WASM_VAE_DATA ?? new URL('../../shared/data/mnist', import.meta.url).pathname;
const images = (await loadMnist({ dir })).train.images;
const sites = new Map();
let memory, measuring = false;

/** Adds the shares of matrix [r × c] (leading dimension ld) at byte offset p to the site's sums. */
function measure(site, p, r, c, ld) {
  const f = new Float32Array(memory.buffer, p, (r - 1) * ld + c), nz = (i, j) => f[i * ld + j] !== 0;
  let nonzero = 0, rowSteps = 0, colSteps = 0;
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) if (nz(i, j)) nonzero++;
  for (let i = 0; i + 4 <= r; i += 4) for (let j = 0; j < c; j++) if (nz(i, j) || nz(i + 1, j) || nz(i + 2, j) || nz(i + 3, j)) rowSteps++;
  for (let i = 0; i < r; i++) for (let j = 0; j + 4 <= c; j += 4) if (nz(i, j) || nz(i, j + 1) || nz(i, j + 2) || nz(i, j + 3)) colSteps++;
  const s = sites.get(site) ?? { calls: 0, nonzero: 0, rowSteps: 0, colSteps: 0 };
  s.calls++; s.nonzero += nonzero / (r * c); s.rowSteps += rowSteps / ((r >> 2) * c); s.colSteps += colSteps / (r * (c >> 2));
  sites.set(site, s);
}

// Every GEMM of the profiled instance, dense or skipping, is measured before it runs.
const wrap = KernelProfile.prototype.wrap;
KernelProfile.prototype.wrap = function (k) {
  const timed = wrap.call(this, k), out = { ...timed };
  for (const name of Object.keys(timed).filter((n) => n.startsWith('gemm_') && n !== 'gemm_scratch_bytes')) {
    out[name] = (...a) => {
      const [m, n, kk, A, lda, B, ldb] = a, layout = name.replace(/_skip(_a)?$/, '').replace('_bias_act', '');
      if (measuring && layout === 'gemm_tn') measure(`${layout} ${m}x${n}x${kk}  B@${B}`, B, kk, n, ldb);
      else if (measuring) measure(`${layout} ${m}x${n}x${kk}  A@${A}`, A, m, kk, lda);
      return timed[name](...a);
    };
  }
  return out;
};
const config = values.arch ? architecture(values.arch, { latentDim: 20 }) : { inputDim: 784, hidden: [400], latentDim: 20 };
const vae = await VAE.create({ ...config, seed: 1 }, { workers: 1, profile: true });
memory = vae.arena.memory;
await vae.fit(images, { epochs: Number(values.epochs), batchSize: 128 });
measuring = true;
await vae.fit(images.subarray(0, 784 * 128 * Number(values.steps)), { epochs: 1, batchSize: 128 });
console.log(`${values.arch ?? 'reference MLP'} after ${values.epochs} epochs: % nonzero, % of 4-row steps kept, % of 4-column steps kept`);
for (const [site, s] of sites) {
  const pc = (v) => (100 * v / s.calls).toFixed(1).padStart(6);
  console.log(`  ${site.padEnd(40)} ${pc(s.nonzero)} ${pc(s.rowSteps)} ${pc(s.colSteps)}`);
}
await vae.dispose();
