// The importance-sampled log-likelihood: exact where the answer is known in closed form, the same
// for any worker count, a tighter bound with more samples, and bad options refused.
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, DataError, loadMnist, VAE } from '../src/index.js';
import { DATA_DIR, rng } from './helpers.js';

let images: Uint8Array;
beforeAll(async () => {
  images = (await loadMnist({ dir: DATA_DIR })).train.bytes.subarray(0, 784 * 2000);
});

/** log N(x; m, C) in float64 by Cholesky (C symmetric positive definite, small). */
function logNormal(x: number[], m: number[], C: number[][]): number {
  const n = x.length, Lc = C.map((r) => r.map(() => 0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = C[i][j];
      for (let q = 0; q < j; q++) s -= Lc[i][q] * Lc[j][q];
      Lc[i][j] = i === j ? Math.sqrt(s) : s / Lc[j][j];
    }
  }
  const y: number[] = [];
  for (let i = 0; i < n; i++) { let s = x[i] - m[i]; for (let q = 0; q < i; q++) s -= Lc[i][q] * y[q]; y.push(s / Lc[i][i]); }
  const logDet = 2 * Lc.reduce((s, r, i) => s + Math.log(r[i]), 0);
  return -0.5 * (n * Math.log(2 * Math.PI) + logDet + y.reduce((s, v) => s + v * v, 0));
}

/**
 * A linear-Gaussian VAE: x = W z + b + N(0, σ² I), z ~ N(0, I), so p(x) = N(b, W Wᵀ + σ² I). W's
 * columns are orthogonal, so the true posterior is Gaussian with a diagonal covariance
 * Σ = (I + WᵀW/σ²)⁻¹ and mean Σ Wᵀ (x − b)/σ², which a linear encoder represents exactly.
 */
function linearGaussian(exact: boolean) {
  const D = 5, L = 2, s2 = 0.3, scales = [1.5, 0.7], b = [0.2, -0.4, 0.1, 0.5, -0.3];
  const u = [[1, 2, 0, -1, 1], [2, -1, 1, 0, 0]];
  const u1n = Math.hypot(...u[0]);
  const q0 = u[0].map((v) => v / u1n);
  const dot = u[1].reduce((s, v, i) => s + v * q0[i], 0);
  const r1 = u[1].map((v, i) => v - dot * q0[i]), r1n = Math.hypot(...r1);
  const cols = [q0, r1.map((v) => v / r1n)].map((c, j) => c.map((v) => v * scales[j])); // W's columns
  const W = Array.from({ length: D }, (_, i) => cols.map((c) => c[i]));
  const post = scales.map((s) => 1 / (1 + (s * s) / s2)); // Σ's diagonal
  const A = cols.map((c, j) => c.map((v) => (post[j] * v) / s2)); // μ = A (x − b)
  const perturb = exact ? 0 : 0.15; // encoder weights 15 % off, log σ² 0.15 too wide
  const encW = new Float32Array(2 * L * D), encB = new Float32Array(2 * L);
  for (let j = 0; j < L; j++) {
    for (let i = 0; i < D; i++) encW[j * D + i] = A[j][i] * (1 + perturb);
    encB[j] = -A[j].reduce((s, v, i) => s + v * b[i], 0);
    encB[L + j] = Math.log(post[j]) + perturb; // log σ², wider than the posterior when perturbed
  }
  const params = {
    'encoder.0.weight': encW, 'encoder.0.bias': encB,
    'decoder.0.weight': Float32Array.from(W.flat()), 'decoder.0.bias': Float32Array.from(b),
    output_log_var: new Float32Array(D).fill(Math.log(s2)),
  };
  const C = W.map((wi, i) => W.map((wk, k) => wi.reduce((s, v, j) => s + v * wk[j], 0) + (i === k ? s2 : 0)));
  return { D, L, params, truth: (x: number[]) => logNormal(x, b, C) };
}

describe('log-likelihood by importance sampling', () => {
  it('equals the closed form of a linear-Gaussian model: exactly with the true posterior, within 0.02 nats with another', async () => {
    for (const exact of [true, false]) {
      const m = linearGaussian(exact);
      const vae = await VAE.create({ inputDim: m.D, hidden: [], latentDim: m.L, likelihood: 'gaussian', seed: 3 });
      vae.setParameters(m.params);
      const next = rng(5), rows = 20;
      const x = Float32Array.from({ length: rows * m.D }, () => next(-2, 2));
      const est = await vae.logLikelihood(x, { samples: exact ? 7 : 5000 });
      let worst = 0;
      for (let r = 0; r < rows; r++) worst = Math.max(worst, Math.abs(est[r] - m.truth(Array.from(x.subarray(r * m.D, (r + 1) * m.D)))));
      console.log(`linear-Gaussian, ${exact ? 'true posterior, 7 samples' : 'perturbed encoder, 5000 samples'}: worst |estimate − log p(x)| ${worst.toExponential(2)} nats`);
      expect(worst).toBeLessThan(exact ? 1e-4 : 0.02);
      await vae.dispose();
    }
  });

  it('is the same for 1 and 2 workers, bit for bit; more samples give a tighter bound than one, above −ELBO', async () => {
    const config = { inputDim: 784, hidden: [64], latentDim: 8, seed: 2 };
    const one = await VAE.create(config, { workers: 1 }), two = await VAE.create(config, { workers: 2 });
    await one.fit(images, { epochs: 1, batchSize: 100 });
    two.setParameters(one.getParameters());
    const x = images.subarray(0, 784 * 40);
    const a = await one.logLikelihood(x, { samples: 300 }), b = await two.logLikelihood(x, { samples: 300 });
    expect(two.runtime.workers).toBe(2);
    expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
    const asked = await one.logLikelihood(x, { samples: 300, workers: 2 }); // a per-call worker count
    expect(one.runtime.workers).toBe(2);
    expect(Buffer.from(asked.buffer).equals(Buffer.from(a.buffer))).toBe(true);
    const mean = (v: Float64Array) => v.reduce((s, t) => s + t, 0) / v.length;
    const single = await one.logLikelihood(x, { samples: 1 });
    const report = await one.evaluate(x, { samples: 300 });
    console.log(`MNIST, 1 epoch: −ELBO ${report.loss.toFixed(2)}, −log p̂ with 1 sample ${(-mean(single)).toFixed(2)}, with 300 ${report.nll!.toFixed(2)}`);
    expect(report.nll).toBeCloseTo(-mean(a), 10);
    expect(mean(a)).toBeGreaterThan(mean(single) + 1);
    expect(report.nll!).toBeLessThan(report.loss);
    const progress: number[] = [];
    await one.logLikelihood(x.subarray(0, 784 * 10), { samples: 2, onProgress: (done, total) => { progress.push(done); expect(total).toBe(10); } });
    expect(progress.at(-1)).toBe(10);
    await one.dispose(); await two.dispose();
  });

  it('bad options are typed errors before any work', async () => {
    const vae = await VAE.create({ inputDim: 4, hidden: [3], latentDim: 2 });
    const x = new Float32Array(8);
    await expect(vae.logLikelihood(x, { samples: 0 })).rejects.toThrow(/samples must be a positive integer \(importance samples per row\), got 0/);
    await expect(vae.logLikelihood(x, { samples: 2.5 })).rejects.toThrow(ConfigError);
    await expect(vae.logLikelihood(x, { samples: 3e9 })).rejects.toThrow(/samples must be at most 2,147,483,647 for latentDim 2/);
    await expect(vae.logLikelihood(x, { k: 5 } as never)).rejects.toThrow(/unknown option 'k'/);
    await expect(vae.logLikelihood(new Float32Array(7))).rejects.toThrow(/not a whole number of rows/);
    const gaussian = await VAE.create({ inputDim: 4, hidden: [3], latentDim: 2, likelihood: 'gaussian' });
    await expect(gaussian.logLikelihood(new Uint8Array(8))).rejects.toThrow(DataError);
    const cvae = await VAE.create({ inputDim: 4, hidden: [3], latentDim: 2, conditional: { classes: 2 } });
    await expect(cvae.logLikelihood(x)).rejects.toThrow(/conditional/);
    await vae.dispose(); await gaussian.dispose(); await cvae.dispose();
  });
});
