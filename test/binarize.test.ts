// Binarised data (dynamic and static) and the output bias at the data's mean: the kernels against
// the keyed draw they document, the training paths against each other, bad input refused.
import { beforeAll, describe, expect, it } from 'vitest';
import { binarize, ConfigError, DataError, loadMnist, VAE, type VAEConfig } from '../src/index.js';
import { DATA_DIR, kernels, rng } from './helpers.js';
import { referenceDraw24 } from './reference.js';

let images: Uint8Array;
beforeAll(async () => {
  images = (await loadMnist({ dir: DATA_DIR })).train.bytes.subarray(0, 784 * 1000);
});

const params = (vae: VAE) => vae.layout.tensors.map((t) => Buffer.from(vae.getParameters()[t.name].buffer));
const CONFIG: VAEConfig = { inputDim: 784, hidden: [32], latentDim: 4, seed: 5 };

describe('binarisation', () => {
  it.each(['simd', 'relaxed'] as const)('binarize_rows draws value (i, j) as 1 when its keyed 24-bit draw is below p·2^24 (%s build)', async (build) => {
    const { k, put, get, arena } = await kernels(build);
    const rows = 7, cols = 29, next = rng(8), seed = 11, stream = 3;
    const grey = Uint8Array.from({ length: rows * cols }, () => Math.floor(next(0, 256)));
    grey[0] = 0; grey[1] = 255;
    const src8 = arena.alloc(grey.length);
    arena.u8(src8, grey.length).set(grey);
    const src32 = put(Float32Array.from(grey, (v) => v / 255));
    const order = Int32Array.from({ length: 3 }, (_, r) => [5, 0, 6][r]);
    const idx = put(new Float32Array(order.buffer));
    const dst = put(new Float32Array(rows * cols)), dst8 = arena.alloc(rows * cols);
    const want = (i: number, j: number, p: number) => (referenceDraw24(seed, stream, i, j) < p * 16777216 ? 1 : 0);
    k.binarize_rows(dst, src8, 1, idx, 0, 3, cols, seed, stream, 0); // bytes in, gathered rows 5, 0, 6, f32 out
    get(dst, 3 * cols).forEach((v, e) => {
      const i = order[Math.floor(e / cols)], j = e % cols;
      expect(v, `row ${i}, column ${j}`).toBe(want(i, j, grey[i * cols + j] / 255));
    });
    k.binarize_rows(dst8, src32, 0, 0, 0, rows, cols, seed, stream, 1); // f32 in, all rows in order, bytes out
    arena.u8(dst8, rows * cols).forEach((v, e) => expect(v).toBe(255 * want(Math.floor(e / cols), e % cols, Math.fround(grey[e] / 255))));
    expect(arena.u8(dst8, 2)[0]).toBe(0); // p = 0 never, p = 1 always
    expect(arena.u8(dst8, 2)[1]).toBe(255);
  });

  it('binarize() keeps a grey level p as 1 with probability p; the same seed gives the same bits', async () => {
    const n = 200 * 500, half = new Float32Array(n).fill(0.3);
    const a = await binarize(half, { dim: 500, seed: 4 }), b = await binarize(half, { dim: 500, seed: 4 }), c = await binarize(half, { dim: 500, seed: 5 });
    const ones = a.filter((v) => v === 255).length / n;
    expect(Math.abs(ones - 0.3)).toBeLessThan(4 * Math.sqrt(0.21 / n));
    expect(a.every((v) => v === 0 || v === 255)).toBe(true);
    expect(Buffer.from(b).equals(Buffer.from(a))).toBe(true);
    expect(Buffer.from(c).equals(Buffer.from(a))).toBe(false);
    // Bytes binarise as byte/255, to the same bits as the same values in f32 where those are exact.
    const bytes = Uint8Array.from({ length: 600 }, (_, i) => (i % 2) * 255);
    expect(Array.from(await binarize(bytes, { dim: 6 }))).toEqual(Array.from(bytes));
  });

  it("fit's static binarisation equals training on binarize() of the data with the model's seed, bit for bit", async () => {
    const a = await VAE.create(CONFIG), b = await VAE.create(CONFIG);
    await a.fit(images, { epochs: 2, batchSize: 100, binarize: 'static' });
    await b.fit(await binarize(images, { dim: 784, seed: CONFIG.seed }), { epochs: 2, batchSize: 100 });
    expect(params(a)).toEqual(params(b));
    await a.dispose(); await b.dispose();
  });

  it('dynamic binarisation: 1 and 2 workers train to the same bits; it differs from static and from none; validation is binarised once', async () => {
    const runs = [], val = images.subarray(0, 784 * 100);
    for (const [binarizeHow, workers] of [['dynamic', 1], ['dynamic', 2], ['static', 2], ['none', 2]] as const) {
      const vae = await VAE.create(CONFIG);
      const h = await vae.fit(images, { epochs: 2, batchSize: 100, workers, binarize: binarizeHow, validation: val });
      runs.push({ p: params(vae), h });
      // The validation loss is that of the validation rows binarised once with the model's seed.
      const rows = binarizeHow === 'none' ? val : await binarize(val, { dim: 784, seed: CONFIG.seed });
      expect((await vae.evaluate(rows)).loss, binarizeHow).toBe(h.epochs[1].valLoss);
      await vae.dispose();
    }
    expect(runs[1].p).toEqual(runs[0].p);
    expect(runs[2].p).not.toEqual(runs[0].p);
    expect(runs[3].p).not.toEqual(runs[0].p);
  });

  it("outputBias 'data-mean' starts the output bias at the logit of the training mean (clipped to [0.001, 0.999]), once", async () => {
    const vae = await VAE.create({ ...CONFIG, outputBias: 'data-mean' });
    await vae.fit(images, { epochs: 1, batchSize: 1000, learningRate: 1e-12 }); // one step that moves nothing measurable
    const bias = vae.getParameters()['decoder.2.bias'];
    for (const j of [0, 100, 350, 400, 783]) {
      let sum = 0;
      for (let r = 0; r < 1000; r++) sum += images[r * 784 + j] / 255;
      const m = Math.min(Math.max(sum / 1000, 0.001), 0.999);
      expect(bias[j], `column ${j}`).toBeCloseTo(Math.log(m / (1 - m)), 5);
    }
    // A trained model keeps its bias: a second fit does not reset it.
    const p = vae.getParameters();
    p['decoder.2.bias'].fill(0.25);
    vae.setParameters(p);
    await vae.fit(images, { epochs: 1, batchSize: 1000, learningRate: 1e-12 });
    expect(vae.getParameters()['decoder.2.bias'][350]).toBeCloseTo(0.25, 6);
    await vae.dispose();
    // Gaussian: the mean itself.
    const g = await VAE.create({ inputDim: 3, hidden: [4], latentDim: 2, likelihood: 'gaussian', outputBias: 'data-mean' });
    await g.fit(Float32Array.from({ length: 300 }, (_, i) => [2, -1, 0.5][i % 3] + (Math.floor(i / 3) % 2 ? 0.25 : -0.25)), { epochs: 1, batchSize: 100, learningRate: 1e-12 });
    expect(Array.from(g.getParameters()['decoder.2.bias']).map((v) => Math.round(v * 100) / 100)).toEqual([2, -1, 0.5]);
    await g.dispose();
  });

  it('bad input: typed errors before any work', async () => {
    await expect(VAE.create({ ...CONFIG, outputBias: 'median' as never })).rejects.toThrow(/outputBias must be 'default' or 'data-mean', got median/);
    const vae = await VAE.create({ inputDim: 4, hidden: [3], latentDim: 2, likelihood: 'gaussian' });
    await expect(vae.fit(new Float32Array(8), { binarize: 'sometimes' as never })).rejects.toThrow(ConfigError);
    await expect(vae.fit(Float32Array.from([0, 0.5, 1, 1, 0.2, 1.5, 0, 0]), { binarize: 'dynamic' }))
      .rejects.toThrow(/training data: binarisation .* values must lie in \[0, 1\]; row 1, column 1 is not/);
    await expect(binarize(Float32Array.from([0.5, -0.1]), { dim: 2 })).rejects.toThrow(DataError);
    await expect(binarize(new Float32Array(5), { dim: 2 })).rejects.toThrow(/not a whole number of rows of 2 \(dim\)/);
    await vae.dispose();
  });
});
