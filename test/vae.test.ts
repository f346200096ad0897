// The public API: shapes, determinism, errors for bad input, abort, dispose.
import { describe, expect, it } from 'vitest';
import { ConfigError, DataError, DisposedError, ModelMismatchError, ShapeError, VAE, WasmVaeError } from '../src/index.js';
import { randomArray, rng } from './helpers.js';

const small = { inputDim: 12, hidden: [10], latentDim: 2, seed: 1 };

describe('VAE API', () => {
  it('create, fit, evaluate, encode, decode, sample, reconstruct: shapes and finite values', async () => {
    const vae = await VAE.create(small);
    const x = randomArray(50 * 12, rng(1), 0, 1);
    const history = await vae.fit(x, { epochs: 3, batchSize: 16, validation: x.subarray(0, 24) });
    expect(history.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    for (const e of history.epochs) {
      expect(Number.isFinite(e.loss) && Number.isFinite(e.valLoss!)).toBe(true);
      expect(e.loss).toBeCloseTo(e.reconstruction + e.kl, 6);
      expect(e.samplesPerSecond).toBeGreaterThan(0);
    }
    const ev = await vae.evaluate(x);
    expect(ev.loss).toBeCloseTo(ev.reconstruction + ev.kl, 6);
    const { mean, logVar } = await vae.encode(x.subarray(0, 36));
    expect(mean.length).toBe(6); expect(logVar.length).toBe(6);
    const decoded = await vae.decode(mean);
    expect(decoded.length).toBe(36);
    expect(decoded.every((v) => v > 0 && v < 1)).toBe(true);
    expect(Array.from(await vae.reconstruct(x.subarray(0, 36)))).toEqual(Array.from(decoded));
    const s1 = await vae.sample(5, { seed: 3 }), s2 = await vae.sample(5, { seed: 3 }), s3 = await vae.sample(5, { seed: 4 });
    expect(s1.length).toBe(60);
    expect(Array.from(s1)).toEqual(Array.from(s2));
    expect(Array.from(s1)).not.toEqual(Array.from(s3));
    expect(vae.runtime.simd).toBe(true);
    await vae.dispose();
  });

  it('the same seed gives bit-identical parameters; another seed does not', async () => {
    const x = randomArray(40 * 12, rng(2), 0, 1);
    const run = async (seed: number) => {
      const vae = await VAE.create({ ...small, seed });
      await vae.fit(x, { epochs: 2, batchSize: 8 });
      const p = vae.getParameters();
      await vae.dispose();
      return p;
    };
    const a = await run(5), b = await run(5), c = await run(6);
    for (const name of Object.keys(a)) expect(Array.from(b[name])).toEqual(Array.from(a[name]));
    expect(Array.from(c['encoder.0.weight'])).not.toEqual(Array.from(a['encoder.0.weight']));
  });

  it('Uint8Array bytes train exactly like the Float32Array x/255', async () => {
    const bytes = Uint8Array.from({ length: 30 * 12 }, (_, i) => (i * 37) % 256);
    const floats = Float32Array.from(bytes, (b) => b / 255);
    const a = await VAE.create(small), b = await VAE.create(small);
    const ha = await a.fit(bytes, { epochs: 1, batchSize: 7 }), hb = await b.fit(floats, { epochs: 1, batchSize: 7 });
    expect(ha.epochs[0].loss).toBeCloseTo(hb.epochs[0].loss, 4);
    await a.dispose(); await b.dispose();
  });

  it('sgd, adamw and clipNorm train without blowing up', async () => {
    const x = randomArray(40 * 12, rng(3), 0, 1);
    for (const opts of [{ optimizer: 'sgd' as const, learningRate: 0.01 }, { optimizer: 'adamw' as const }, { clipNorm: 0.5 }]) {
      const vae = await VAE.create(small);
      const h = await vae.fit(x, { epochs: 4, batchSize: 10, ...opts });
      expect(h.epochs[3].loss).toBeLessThan(h.epochs[0].loss);
      await vae.dispose();
    }
  });

  it('an abort signal stops after the current batch and keeps the model usable', async () => {
    const vae = await VAE.create(small);
    const x = randomArray(200 * 12, rng(4), 0, 1);
    const controller = new AbortController();
    let batches = 0;
    const h = await vae.fit(x, { epochs: 5, batchSize: 10, signal: controller.signal, onBatchEnd: () => { if (++batches === 3) controller.abort(); } });
    expect(h.aborted).toBe(true);
    expect(batches).toBe(3);
    expect(h.epochs.length).toBe(0);
    expect(vae.progress.step).toBe(3);
    expect(Number.isFinite((await vae.evaluate(x)).loss)).toBe(true);
    await vae.dispose();
  });

  it('typed errors for bad data, naming what was expected and where', async () => {
    const vae = await VAE.create(small);
    await expect(vae.fit(new Float32Array(25))).rejects.toThrow(ShapeError);
    await expect(vae.fit(new Float32Array(25))).rejects.toThrow(/25 values.*rows of 12/);
    await expect(vae.fit(new Float32Array(0))).rejects.toThrow(DataError);
    await expect(vae.fit([1, 2, 3] as unknown as Float32Array)).rejects.toThrow(/Float32Array/);
    const x = new Float32Array(5 * 12).fill(0.5);
    x[3 * 12 + 4] = NaN;
    await expect(vae.fit(x)).rejects.toThrow(/row 3, column 4 is NaN/);
    x[3 * 12 + 4] = Infinity;
    await expect(vae.evaluate(x)).rejects.toThrow(/row 3.*not finite/);
    x[3 * 12 + 4] = 1.5;
    await expect(vae.fit(x)).rejects.toThrow(/row 3.*outside \[0, 1\]/);
    await expect(vae.fit(new Float32Array(12), { validation: new Float32Array(13) })).rejects.toThrow(/validation data/);
    await expect(vae.decode(new Float32Array(3))).rejects.toThrow(ShapeError);
    await expect(vae.sample(0)).rejects.toThrow(ShapeError);
    for (const bad of [{ epochs: 0 }, { batchSize: 1.5 }, { learningRate: -1 }, { optimizer: 'rmsprop' }, { beta1: 1 }]) {
      await expect(vae.fit(new Float32Array(12), bad as never)).rejects.toThrow(ConfigError);
    }
    expect(() => vae.setParameters({})).toThrow(ModelMismatchError);
    const p = vae.getParameters();
    p['decoder.0.weight'] = new Float32Array(3);
    expect(() => vae.setParameters(p)).toThrow(/decoder.0.weight: expected 20 values \[10, 2\], got 3/);
    // Nothing was lost: the model still trains after all of that.
    const h = await vae.fit(new Float32Array(24).fill(0.3), { epochs: 1, batchSize: 2 });
    expect(h.epochs.length).toBe(1);
    await vae.dispose();
    await expect(vae.evaluate(new Float32Array(12))).rejects.toThrow(DisposedError);
  });

  it('typed errors for invalid configs', async () => {
    const bad: unknown[] = [
      { ...small, inputDim: 0 }, { ...small, latentDim: 2.5 }, { ...small, hidden: [4, -1] }, { ...small, activation: 'gelu' },
      { ...small, likelihood: 'poisson' }, { ...small, beta: -1 }, { ...small, seed: -3 }, { ...small, activationAlpha: 0 }, null,
    ];
    for (const config of bad) {
      const err = await VAE.create(config as never).catch((e: unknown) => e);
      expect(err, JSON.stringify(config)).toBeInstanceOf(ConfigError);
      expect(err).toBeInstanceOf(WasmVaeError);
    }
  });

  it('gaussian likelihood accepts real values and learns its output variance', async () => {
    const vae = await VAE.create({ inputDim: 8, hidden: [16], latentDim: 2, likelihood: 'gaussian', seed: 2 });
    const next = rng(8);
    const x = new Float32Array(200 * 8);
    for (let r = 0; r < 200; r++) { const t = next(-3, 3); for (let c = 0; c < 8; c++) x[r * 8 + c] = t * (c - 3.5) + 0.1 * next(); }
    const h = await vae.fit(x, { epochs: 30, batchSize: 20, learningRate: 3e-3 });
    expect(h.epochs[29].loss).toBeLessThan(h.epochs[0].loss - 5);
    expect(vae.getParameters().output_log_var.some((v) => v < -0.5)).toBe(true);
    await vae.dispose();
  });
});
