// A diverging run stops with a DivergenceError at the first step whose loss or gradient is not
// finite; that step is not applied, so the model holds exactly the parameters after the last
// finite step (the same for 1 and 2 workers), and they are finite.
import { describe, expect, it } from 'vitest';
import { DivergenceError, loadMnist, VAE } from '../src/index.js';
import { DATA_DIR } from './helpers.js';

const config = { inputDim: 784, hidden: [64], latentDim: 4, seed: 3 };

describe('divergence', () => {
  it.each([1, 2])('Adam at lr 10 (%i worker(s)): DivergenceError, and the parameters of the last finite step', async (workers) => {
    const mnist = await loadMnist({ dir: DATA_DIR });
    const x = mnist.train.bytes.subarray(0, 784 * 4000);
    const vae = await VAE.create(config);
    const err = await vae.fit(x, { epochs: 2, batchSize: 100, learningRate: 10, workers }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DivergenceError);
    const d = err as DivergenceError;
    expect(d.message).toMatch(/training diverged at epoch \d+, batch \d+: .*Try a smaller learning rate \(this run: 10\)/);
    expect(vae.progress.step).toBe((d.epoch - 1) * 40 + d.batch - 1);
    const params = vae.getParameters();
    for (const v of Object.values(params)) expect(v.every(Number.isFinite)).toBe(true);
    // The same run stopped by hand after the last finite step, on this thread: the same bits.
    const reference = await VAE.create(config);
    const stop = new AbortController();
    const last = vae.progress.step;
    if (last > 0) {
      let steps = 0;
      await reference.fit(x, { epochs: 2, batchSize: 100, learningRate: 10, signal: stop.signal, onBatchEnd: () => { if (++steps === last) stop.abort(); } });
    }
    expect(reference.progress.step).toBe(last);
    const expected = reference.getParameters();
    for (const [name, v] of Object.entries(params)) expect(Buffer.from(v.buffer).equals(Buffer.from(expected[name].buffer)), name).toBe(true);
    console.log(`divergence (${workers} worker(s)): ${d.what} not finite at epoch ${d.epoch}, batch ${d.batch}; parameters kept from step ${last}`);
    await Promise.all([vae.dispose(), reference.dispose()]);
  });

  it('a Gaussian model refuses data beyond ±100 up front, naming the value and what to do', async () => {
    const vae = await VAE.create({ inputDim: 4, hidden: [8], latentDim: 2, likelihood: 'gaussian' });
    const x = new Float32Array(40).map((_, i) => (i === 13 ? 1e6 : i % 5));
    await expect(vae.fit(x, { epochs: 1, batchSize: 10 })).rejects.toThrow(/row 3, column 1 is 1000000 \(outside \[-100, 100\]\); a Gaussian likelihood .*standardise each column/);
    await vae.dispose();
  });
});
