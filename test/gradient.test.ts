// The whole model's gradient (wasm, f32) against central finite differences of an independent
// float64 implementation, for every parameter tensor, with the same fixed noise.
import { describe, expect, it } from 'vitest';
import { VAE, type VAEConfig } from '../src/index.js';
import { randomArray, rng } from './helpers.js';
import { type RefConfig, referenceDropout, referenceLoss, type Tensors } from './reference.js';

const CASES: { name: string; config: VAEConfig }[] = [
  { name: 'bernoulli, relu, one hidden layer', config: { inputDim: 11, hidden: [7], latentDim: 3, activation: 'relu', seed: 3 } },
  { name: 'bernoulli, tanh, two hidden layers, asymmetric decoder, β = 0.5',
    config: { inputDim: 9, hidden: [8, 5], decoderHidden: [6], latentDim: 2, activation: 'tanh', beta: 0.5, seed: 4 } },
  { name: 'gaussian, elu', config: { inputDim: 6, hidden: [5], latentDim: 3, activation: 'elu', likelihood: 'gaussian', seed: 5 } },
  { name: 'bernoulli, leaky_relu', config: { inputDim: 5, hidden: [9], latentDim: 4, activation: 'leaky_relu', activationAlpha: 0.1, seed: 6 } },
  { name: 'bernoulli, softplus', config: { inputDim: 5, hidden: [4], latentDim: 2, activation: 'softplus', seed: 7 } },
  { name: 'gaussian, sigmoid, no hidden layer', config: { inputDim: 4, hidden: [], latentDim: 2, activation: 'sigmoid', likelihood: 'gaussian', seed: 8 } },
  { name: 'conditional (3 classes), bernoulli, relu', config: { inputDim: 7, hidden: [6], latentDim: 2, activation: 'relu', seed: 9, conditional: { classes: 3 } } },
  { name: 'conditional (4 classes), gaussian, tanh, no hidden layer', config: { inputDim: 5, hidden: [], latentDim: 3, activation: 'tanh', likelihood: 'gaussian', seed: 10, conditional: { classes: 4 } } },
  { name: 'layer lists with dropout on the data, between layers and on z; per-layer activations',
    config: { inputDim: 8, latentDim: 3, seed: 11, activation: 'tanh',
      encoder: [{ type: 'dropout', rate: 0.2 }, { type: 'dense', units: 9 }, { type: 'dropout', rate: 0.5 }, { type: 'dense', units: 6, activation: 'elu' }],
      decoder: [{ type: 'dropout', rate: 0.3 }, { type: 'dense', units: 7, activation: 'softplus' }, { type: 'dense', units: 8 }] } },
  { name: 'layer lists; per-layer activations and α',
    config: { inputDim: 8, latentDim: 3, seed: 13, activation: 'tanh',
      encoder: [{ type: 'dense', units: 9 }, { type: 'dense', units: 6, activation: 'elu' }],
      decoder: [{ type: 'dense', units: 7, activation: 'leaky_relu', alpha: 0.2 }, { type: 'dense', units: 8 }] } },
  { name: 'conv2d encoder (6×6 image: 3×3/2 padded, then 2×2), flatten, dense decoder',
    config: { inputDim: 36, inputShape: [1, 6, 6], latentDim: 2, seed: 14,
      encoder: [{ type: 'conv2d', filters: 3, kernel: 3, stride: 2, padding: 1 }, { type: 'conv2d', filters: 2, kernel: 2, activation: 'tanh' }, { type: 'flatten' }],
      decoder: [{ type: 'dense', units: 5 }, { type: 'dense', units: 36 }] } },
  { name: 'gaussian, elu, conv2d 4×4 stride 2 on a 7×5 image, then dense',
    config: { inputDim: 35, inputShape: [1, 7, 5], latentDim: 3, seed: 15, likelihood: 'gaussian', activation: 'elu',
      encoder: [{ type: 'conv2d', filters: 4, kernel: 4, stride: 2, padding: 1 }, { type: 'flatten' }, { type: 'dense', units: 6 }],
      decoder: [{ type: 'dense', units: 35 }] } },
  { name: 'a dcgan-like decoder: dense, reshape, conv-transpose 4×4/2 padded, conv-transpose 3×3 with output padding, to a 1-channel image',
    config: { inputDim: 96, inputShape: [1, 8, 12], latentDim: 2, seed: 16, activation: 'tanh',
      encoder: [{ type: 'conv2d', filters: 2, kernel: 4, stride: 2, padding: 1 }, { type: 'flatten' }],
      decoder: [{ type: 'dense', units: 18 }, { type: 'reshape', shape: [3, 2, 3] }, { type: 'conv-transpose2d', filters: 2, kernel: 4, stride: 2, padding: 1 },
        { type: 'conv-transpose2d', filters: 1, kernel: 3, stride: 2, padding: 1, outputPadding: 1, activation: 'identity' }] } },
  { name: 'colour: a 3-channel 6×4 image through conv2d and conv-transpose2d (channel-major rows, the layout transposes at both ends)',
    config: { inputDim: 72, inputShape: [3, 6, 4], latentDim: 2, seed: 17,
      encoder: [{ type: 'conv2d', filters: 4, kernel: 3, stride: 2, padding: 1 }, { type: 'flatten' }],
      decoder: [{ type: 'dense', units: 12 }, { type: 'reshape', shape: [2, 3, 2] },
        { type: 'conv-transpose2d', filters: 3, kernel: 4, stride: 2, padding: 1, activation: 'identity' }] } },
  { name: 'conditional, gaussian, dropout in the decoder', config: { inputDim: 6, latentDim: 2, seed: 12, likelihood: 'gaussian', conditional: { classes: 3 },
    encoder: [{ type: 'dense', units: 5 }], decoder: [{ type: 'dense', units: 7 }, { type: 'dropout', rate: 0.4 }, { type: 'dense', units: 6 }] } },
];

/** The reference's dropout masks: each dropout op's keys (its salt, rate) as the model built them, drawn by referenceDropout. */
function dropoutOf(vae: VAE, seed: number, stream: number): RefConfig['dropout'] {
  const specs = new Map(vae.layout.graph.ops.flatMap((s) => (s.kind === 'dropout' ? [[s.name, s]] : [])));
  return (name, row, j) => referenceDropout(seed, stream, specs.get(name)!.salt, specs.get(name)!.rate, row, j);
}

describe('whole-model gradient against finite differences', () => {
  for (const { name, config } of CASES) {
    it(name, async () => {
      const vae = await VAE.create(config, { build: 'simd' });
      try {
        const c = vae.config;
        const stream = 3;
        const ref: RefConfig = { ...c, alpha: c.activationAlpha, dropout: dropoutOf(vae, c.seed, stream) } as RefConfig;
        const rows = 5, next = rng(99);
        const lo = c.likelihood === 'bernoulli' ? 0 : -2, hi = c.likelihood === 'bernoulli' ? 1 : 2;
        const x = randomArray(rows * c.inputDim, next, lo, hi);
        // Make the Gaussian log-variance non-trivial so its gradient is exercised.
        const params = vae.getParameters();
        if (params.output_log_var) params.output_log_var.set(randomArray(c.inputDim, next, -0.5, 0.5));
        vae.setParameters(params);
        const labels = c.conditional ? Array.from({ length: rows }, (_, r) => (r * 2 + 1) % c.conditional!.classes) : undefined;
        const report = await vae.computeGradients(x, stream, labels);
        const eps = await vae.noise(Int32Array.from({ length: rows }, (_, i) => i), stream);
        const xs = Array.from({ length: rows }, (_, r) => Float64Array.from(x.subarray(r * c.inputDim, (r + 1) * c.inputDim)));
        const es = Array.from({ length: rows }, (_, r) => Float64Array.from(eps.subarray(r * c.latentDim, (r + 1) * c.latentDim)));
        const p64: Tensors = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, Float64Array.from(v)]));

        const base = referenceLoss(ref, p64, xs, es, labels);
        expect(Math.abs(report.loss - base.loss)).toBeLessThan(1e-4 * (1 + Math.abs(base.loss)));
        expect(Math.abs(report.kl - base.kl)).toBeLessThan(1e-4 * (1 + Math.abs(base.kl)));

        const h = 1e-6;
        let checked = 0;
        for (const tensor of vae.layout.tensors) {
          const values = p64[tensor.name];
          const grad = report.gradients[tensor.name];
          const picks = new Set([0, values.length - 1, ...Array.from({ length: 6 }, () => Math.floor(next(0, 1) * values.length))]);
          for (const i of picks) {
            const keep = values[i];
            values[i] = keep + h; const up = referenceLoss(ref, p64, xs, es, labels).loss;
            values[i] = keep - h; const down = referenceLoss(ref, p64, xs, es, labels).loss;
            values[i] = keep;
            const fd = (up - down) / (2 * h);
            expect(Math.abs(grad[i] - fd), `${tensor.name}[${i}]: wasm ${grad[i]}, finite difference ${fd}`)
              .toBeLessThan(2e-4 + 2e-3 * Math.abs(fd));
            checked++;
          }
        }
        expect(checked).toBeGreaterThan(vae.layout.tensors.length);
      } finally {
        await vae.dispose();
      }
    });
  }

  it('splitting a batch into chunks gives the same gradient as one pass', async () => {
    const config: VAEConfig = { inputDim: 13, hidden: [9], latentDim: 3, likelihood: 'gaussian', seed: 2 };
    const whole = await VAE.create(config, { build: 'simd' });
    const chunked = await VAE.create(config, { build: 'simd', chunkRows: 3 });
    const x = randomArray(10 * 13, rng(5), -1, 1);
    const a = await whole.computeGradients(x), b = await chunked.computeGradients(x);
    expect(b.loss).toBeCloseTo(a.loss, 4);
    for (const t of whole.layout.tensors) {
      const ga = a.gradients[t.name], gb = b.gradients[t.name];
      for (let i = 0; i < ga.length; i++) expect(Math.abs(ga[i] - gb[i])).toBeLessThan(1e-5 * (1 + Math.abs(ga[i])));
    }
    await whole.dispose(); await chunked.dispose();
  });
});
