// The conditional VAE: labels join the encoder's and the decoder's input as one-hot codes. With
// the label columns of its weights zeroed it is the unconditional model; it trains the same for
// any worker count; its tensors have the shapes the equivalent PyTorch CVAE has; bad labels are
// refused before any work.
import { describe, expect, it } from 'vitest';
import { ConfigError, DataError, ShapeError, VAE } from '../src/index.js';
import { randomArray, rng } from './helpers.js';

const base = { inputDim: 12, hidden: [10], latentDim: 3, seed: 1 };
const C = 4;
const same = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/** Copies an unconditional model's parameters into a conditional one, with zeros for the label columns. */
function widen(p: Record<string, Float32Array>, inDims: Record<string, number>): Record<string, Float32Array> {
  const out = { ...p };
  for (const [name, inDim] of Object.entries(inDims)) {
    const w = p[name], rows = w.length / inDim, wide = new Float32Array(rows * (inDim + C));
    for (let r = 0; r < rows; r++) wide.set(w.subarray(r * inDim, (r + 1) * inDim), r * (inDim + C));
    out[name] = wide;
  }
  return out;
}

describe('conditional VAE', () => {
  it('has the shapes of the equivalent PyTorch CVAE, and survives a file round trip', async () => {
    const vae = await VAE.create({ ...base, conditional: { classes: C } });
    const shapes = Object.fromEntries(vae.layout.tensors.map((t) => [t.name, t.shape]));
    expect(shapes['encoder.0.weight']).toEqual([10, 12 + C]);
    expect(shapes['decoder.0.weight']).toEqual([10, 3 + C]);
    const again = await VAE.fromBytes(vae.toBytes());
    expect(again.config.conditional).toEqual({ classes: C });
    await Promise.all([vae.dispose(), again.dispose()]);
  });

  it('with its label columns zeroed it computes exactly what the unconditional model does', async () => {
    const plain = await VAE.create(base);
    const cond = await VAE.create({ ...base, conditional: { classes: C } });
    cond.setParameters(widen(plain.getParameters(), { 'encoder.0.weight': 12, 'decoder.0.weight': 3 }));
    const x = randomArray(20 * 12, rng(3), 0, 1), labels = Array.from({ length: 20 }, (_, r) => r % C);
    const [a, b] = [await plain.encode(x), await cond.encode(x, { labels })];
    expect(same(a.mean, b.mean) && same(a.logVar, b.logVar)).toBe(true);
    expect(same(await plain.decode(a.mean), await cond.decode(a.mean, { labels }))).toBe(true);
    expect(await cond.evaluate(x, { labels })).toEqual(await plain.evaluate(x));
    expect(same(await plain.sample(5, { seed: 2 }), await cond.sample(5, { seed: 2, labels: [0, 1, 2, 3, 0] }))).toBe(true);
    const logp = await plain.logLikelihood(x, { samples: 30 });
    expect(Buffer.from((await cond.logLikelihood(x, { samples: 30, labels })).buffer).equals(Buffer.from(logp.buffer))).toBe(true);
    expect((await cond.evaluate(x, { labels, samples: 30 })).nll).toBe(-logp.reduce((s, v) => s + v, 0) / 20);
    // With label weights of its own, the label changes the estimate.
    const p = cond.getParameters();
    p['decoder.0.weight'].forEach((_, i, w) => { if (i % (3 + C) >= 3) w[i] = 0.3 * (i % (3 + C) - 3); }); // a weight per class
    cond.setParameters(p);
    const other = await cond.logLikelihood(x, { samples: 30, labels: labels.map((l) => (l + 1) % C) });
    expect(Buffer.from(other.buffer).equals(Buffer.from((await cond.logLikelihood(x, { samples: 30, labels })).buffer))).toBe(false);
    await Promise.all([plain.dispose(), cond.dispose()]);
  });

  it('the label changes what is decoded; training is bit-identical for 1 and 2 workers', async () => {
    const x = randomArray(64 * 12, rng(4), 0, 1), labels = Int32Array.from({ length: 64 }, (_, r) => (r * 7) % C);
    const train = async (workers: number) => {
      const vae = await VAE.create({ ...base, conditional: { classes: C } });
      await vae.fit(x, { epochs: 2, batchSize: 16, workers, labels, validation: x.subarray(0, 12 * 8), validationLabels: labels.subarray(0, 8) });
      return vae;
    };
    const [one, two] = [await train(1), await train(2)];
    for (const [name, v] of Object.entries(one.getParameters())) expect(same(v, two.getParameters()[name]), name).toBe(true);
    const z = new Float32Array(6);
    const d = await one.decode(z, { labels: [0, 3] });
    expect(same(d.subarray(0, 12), d.subarray(12, 24))).toBe(false);
    await Promise.all([one.dispose(), two.dispose()]);
  });

  it('refuses labels it cannot use, naming the argument, before any work', async () => {
    const plain = await VAE.create(base), cond = await VAE.create({ ...base, conditional: { classes: C } });
    const x = randomArray(4 * 12, rng(5), 0, 1);
    await expect(plain.fit(x, { labels: [0, 1, 2, 3] })).rejects.toThrow(/training data: labels were given, but this model is not conditional/);
    await expect(cond.fit(x, {})).rejects.toThrow(ConfigError);
    await expect(cond.encode(x)).rejects.toThrow(/encode input: this conditional model needs labels \(one class index per row, 4 of them\)/);
    await expect(cond.decode(new Float32Array(6), { labels: [1] })).rejects.toThrow(ShapeError);
    await expect(cond.sample(2, { labels: [1, 4] })).rejects.toThrow(DataError);
    await expect(cond.sample(2, { labels: [1, 4] })).rejects.toThrow(/sample: label 4 at row 1 is not a class in 0–3/);
    await expect(VAE.create({ ...base, conditional: { classes: 1 } })).rejects.toThrow(/conditional.classes must be an integer from 2/);
    expect(cond.progress.step).toBe(0);
    await Promise.all([plain.dispose(), cond.dispose()]);
  });
});
