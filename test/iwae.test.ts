// The IWAE objective (Burda et al. 2015): its loss and gradient against a float64 reference of
// the k-sample bound with the same noise, k = 1 as the ELBO, any worker count the same, bad
// objectives refused.
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadMnist, VAE, type VAEConfig } from '../src/index.js';
import { DATA_DIR, randomArray, rng } from './helpers.js';
import { type RefConfig, referenceIwae, type Tensors } from './reference.js';

let images: Uint8Array;
beforeAll(async () => {
  images = (await loadMnist({ dir: DATA_DIR })).train.bytes.subarray(0, 784 * 1500);
});

const params = (vae: VAE) => vae.layout.tensors.map((t) => Buffer.from(vae.getParameters()[t.name].buffer));

const CASES: { name: string; config: VAEConfig; k: number }[] = [
  { name: 'relu, one hidden layer, k = 3', config: { inputDim: 9, hidden: [7], latentDim: 3, seed: 3 }, k: 3 },
  { name: 'tanh, two hidden layers, asymmetric decoder, k = 5', config: { inputDim: 8, hidden: [6, 5], decoderHidden: [4], latentDim: 2, activation: 'tanh', seed: 4 }, k: 5 },
  { name: 'softplus, no hidden layer, k = 2', config: { inputDim: 5, hidden: [], latentDim: 4, activation: 'softplus', seed: 5 }, k: 2 },
];

describe('IWAE objective', () => {
  for (const { name, config, k } of CASES) {
    it(`loss and every tensor's gradient match finite differences of the float64 bound (${name})`, async () => {
      const vae = await VAE.create(config, { build: 'simd' });
      try {
        const c = vae.config, rows = 4, stream = 2, next = rng(17);
        const x = randomArray(rows * c.inputDim, next, 0, 1);
        const report = await vae.computeGradients(x, stream, undefined, k);
        const eps = await vae.noise(Int32Array.from({ length: rows }, (_, i) => i), stream, k);
        const L = c.latentDim;
        const es = Array.from({ length: rows }, (_, r) => Array.from({ length: k }, (_, s) => Float64Array.from(eps.subarray((r * k + s) * L, (r * k + s + 1) * L))));
        const xs = Array.from({ length: rows }, (_, r) => Float64Array.from(x.subarray(r * c.inputDim, (r + 1) * c.inputDim)));
        const ref = { ...c, alpha: c.activationAlpha } as RefConfig;
        const p64: Tensors = Object.fromEntries(Object.entries(vae.getParameters()).map(([n, v]) => [n, Float64Array.from(v)]));
        const base = referenceIwae(ref, p64, xs, es);
        expect(Math.abs(report.loss - base)).toBeLessThan(1e-4 * (1 + Math.abs(base)));
        const h = 1e-6;
        let checked = 0;
        for (const tensor of vae.layout.tensors) {
          const values = p64[tensor.name], grad = report.gradients[tensor.name];
          for (const i of new Set([0, values.length - 1, ...Array.from({ length: 5 }, () => Math.floor(next(0, 1) * values.length))])) {
            const keep = values[i];
            values[i] = keep + h; const up = referenceIwae(ref, p64, xs, es);
            values[i] = keep - h; const down = referenceIwae(ref, p64, xs, es);
            values[i] = keep;
            const fd = (up - down) / (2 * h);
            expect(Math.abs(grad[i] - fd), `${tensor.name}[${i}]: wasm ${grad[i]}, finite difference ${fd}`).toBeLessThan(2e-4 + 2e-3 * Math.abs(fd));
            checked++;
          }
        }
        expect(checked).toBeGreaterThan(vae.layout.tensors.length);
      } finally {
        await vae.dispose();
      }
    });
  }

  it('k = 1 is the ELBO path: the same bits as the default objective', async () => {
    const config: VAEConfig = { inputDim: 784, hidden: [32], latentDim: 4, seed: 6 };
    const a = await VAE.create(config), b = await VAE.create(config);
    await a.fit(images, { epochs: 1, batchSize: 100 });
    await b.fit(images, { epochs: 1, batchSize: 100, objective: { kind: 'iwae', samples: 1 } });
    expect(params(b)).toEqual(params(a));
    await a.dispose(); await b.dispose();
  });

  it('k = 5: 1, 2 and 3 workers train to bit-identical parameters (also with several passes per step)', async () => {
    const config: VAEConfig = { inputDim: 784, hidden: [48], latentDim: 6, seed: 7 };
    for (const chunkRows of [256, 60]) { // 60 rows: 12 data rows per workspace, so a batch of 100 takes several passes
      const runs = [];
      for (const workers of [1, 2, 3]) {
        const vae = await VAE.create(config, { chunkRows });
        const h = await vae.fit(images, { epochs: 1, batchSize: 100, workers, objective: { kind: 'iwae', samples: 5 }, binarize: 'dynamic' });
        runs.push({ p: params(vae), loss: h.epochs[0].loss });
        await vae.dispose();
      }
      expect(runs[1].p, `chunkRows ${chunkRows}`).toEqual(runs[0].p);
      expect(runs[2].p, `chunkRows ${chunkRows}`).toEqual(runs[0].p);
      expect(runs[1].loss).toBeCloseTo(runs[0].loss, 9); // the loss sums add the shards in another order
    }
  });

  it('bad objectives are ConfigErrors before any work', async () => {
    const vae = await VAE.create({ inputDim: 4, hidden: [3], latentDim: 2 }, { chunkRows: 16 });
    const x = new Float32Array(16);
    await expect(vae.fit(x, { objective: { kind: 'iwae', samples: 0 } })).rejects.toThrow(/objective\.samples must be a positive integer/);
    await expect(vae.fit(x, { objective: { kind: 'iwae', samples: 2.5 } })).rejects.toThrow(ConfigError);
    await expect(vae.fit(x, { objective: { kind: 'vr', samples: 5 } as never })).rejects.toThrow(/objective\.kind must be 'elbo' or 'iwae', got vr/);
    await expect(vae.fit(x, { objective: { kind: 'iwae', samples: 17 } })).rejects.toThrow(/objective\.samples must be at most 16/);
    await expect(vae.fit(x, { objective: { kind: 'iwae', samples: 2 }, betaSchedule: { warmup: 2 } })).rejects.toThrow(/betaSchedule/);
    const gaussian = await VAE.create({ inputDim: 4, hidden: [3], latentDim: 2, likelihood: 'gaussian' });
    await expect(gaussian.fit(x, { objective: { kind: 'iwae', samples: 2 } })).rejects.toThrow(/needs a Bernoulli likelihood/);
    const beta = await VAE.create({ inputDim: 4, hidden: [3], latentDim: 2, beta: 2 });
    await expect(beta.fit(x, { objective: { kind: 'iwae', samples: 2 } })).rejects.toThrow(/only with beta 1/);
    await vae.dispose(); await gaussian.dispose(); await beta.dispose();
  });
});
