// The public API's edges a new user meets first: typos in option objects, error texts that name the
// right dimension, progress read back from a file, and what vae.runtime says before any training.
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, MemoryLimitError, ShapeError, VAE } from '../src/index.js';
import { randomArray, rng } from './helpers.js';

const small = { inputDim: 12, hidden: [10], latentDim: 3, seed: 1 };

describe('API edges', () => {
  it('unknown option keys are refused with a ConfigError naming the key and the known ones', async () => {
    await expect(VAE.create({ ...small, hiden: [3] } as never)).rejects.toThrow(/VAE config: unknown option 'hiden'; the options are inputDim, hidden/);
    await expect(VAE.create(small, { worker: 2 } as never)).rejects.toThrow(ConfigError);
    const vae = await VAE.create(small);
    try {
      const x = randomArray(20 * 12, rng(1), 0, 1);
      await expect(vae.fit(x, { lr: 0.1 } as never)).rejects.toThrow(/fit options: unknown option 'lr'; the options are workers, epochs, batchSize, learningRate/);
      await expect(vae.sample(2, { sed: 1 } as never)).rejects.toThrow(/unknown option 'sed'/);
      expect(vae.progress).toEqual({ epoch: 0, step: 0 }); // nothing ran
    } finally {
      await vae.dispose();
    }
  });

  it('decode with a wrong row length names latentDim', async () => {
    const vae = await VAE.create(small);
    await expect(vae.decode(new Float32Array(7))).rejects.toThrow(ShapeError);
    await expect(vae.decode(new Float32Array(7))).rejects.toThrow(/rows of 3 \(latentDim\)/);
    await vae.dispose();
  });

  it('a file saved without optimiser state reports the progress it was saved with, and training restarts Adam', async () => {
    const vae = await VAE.create(small);
    const x = randomArray(40 * 12, rng(2), 0, 1);
    await vae.fit(x, { epochs: 2, batchSize: 10 });
    const loaded = await VAE.fromBytes(vae.toBytes());
    expect(loaded.progress).toEqual({ epoch: 2, step: 8 });
    // Fresh moments and t = 1, as a new torch.optim.Adam: Adam's first step moves every weight by
    // lr·g/|g| = lr (with t = 9 and zero moments it would move them by about 0.49·lr).
    const before = loaded.getParameters();
    const h = await loaded.fit(x, { epochs: 1, batchSize: 40, learningRate: 1e-3 });
    expect(h.epochs[0].epoch).toBe(3);
    expect(loaded.progress).toEqual({ epoch: 3, step: 9 });
    let largest = 0;
    for (const [name, after] of Object.entries(loaded.getParameters())) {
      for (let i = 0; i < after.length; i++) largest = Math.max(largest, Math.abs(after[i] - before[name][i]));
    }
    expect(largest).toBeGreaterThan(0.99e-3);
    expect(largest).toBeLessThan(1.01e-3);
    await Promise.all([vae.dispose(), loaded.dispose()]);
  });

  it("vae.runtime before the first fit says what 'auto' will use", async () => {
    const vae = await VAE.create(small, { workers: 'auto' });
    expect(vae.runtime).toMatchObject({ workers: availableParallelism(), threads: availableParallelism() > 1, poolStarted: false });
    await vae.dispose();
    const one = await VAE.create(small);
    expect(one.runtime).toMatchObject({ workers: 1, threads: false, poolStarted: false });
    await one.dispose();
  });

  it('on Node 20 without flags the relaxed-SIMD build is chosen (V8 flag set at run time), and build: simd still gives plain', () => {
    const script = `import { VAE } from 'wasm-vae';
const a = await VAE.create({ inputDim: 4, hidden: [3], latentDim: 2 });
const b = await VAE.create({ inputDim: 4, hidden: [3], latentDim: 2 }, { build: 'simd' });
console.log(JSON.stringify([a.runtime, b.runtime]));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: new URL('..', import.meta.url).pathname }).toString();
    const [relaxed, plain] = JSON.parse(out) as { relaxedSimd: boolean; relaxedSimdByFlag: boolean }[];
    expect(relaxed.relaxedSimd).toBe(true);
    expect(relaxed.relaxedSimdByFlag).toBe(Number(process.versions.node.split('.')[0]) < 22);
    expect(plain.relaxedSimd).toBe(false);
  });
});

describe('interrupted epochs', () => {
  it.each([1, 2])('an epoch stopped part-way (%i worker(s)) continues from a saved checkpoint to exactly the uninterrupted parameters', async (workers) => {
    const x = randomArray(300 * 12, rng(5), 0, 1);
    const fit = { epochs: 2, batchSize: 10, workers };
    const whole = await VAE.create(small);
    const h = await whole.fit(x, fit);
    const stop = new AbortController();
    const first = await VAE.create(small);
    const part = await first.fit(x, { ...fit, signal: stop.signal, onBatchEnd: (b) => { if (b.epoch === 2 && b.batch === 7) stop.abort(); } });
    expect(part.aborted).toBe(true);
    expect(part.epochs).toHaveLength(1);
    const resumed = await VAE.fromBytes(first.toBytes({ optimizer: true }));
    expect(resumed.progress.epoch).toBe(1);
    const rest = await resumed.fit(x, { ...fit, epochs: 1 });
    expect(rest.epochs[0].epoch).toBe(2);
    expect(rest.epochs[0].loss).toBe(h.epochs[1].loss); // the epoch's sums carry over too
    expect(Buffer.compare(Buffer.from(resumed.toBytes()), Buffer.from(whole.toBytes()))).toBe(0);
    await Promise.all([whole.dispose(), first.dispose(), resumed.dispose()]);
  });
});

describe('sizes that do not fit', () => {
  it('a config or a call that would need more than wasm32 memory gives a MemoryLimitError that says what fits', async () => {
    await expect(VAE.create({ inputDim: 784, hidden: [1e9], latentDim: 20 })).rejects.toThrow(MemoryLimitError);
    await expect(VAE.create({ inputDim: 784, hidden: [200000], latentDim: 20 })).rejects.toThrow(/has 326,000,824 parameters and needs 6\.0 GB .*at most about \d{3},\d{3},\d{3} parameters fit/);
    await expect(VAE.create({ inputDim: 1e7, hidden: [400], latentDim: 20 })).rejects.toThrow(MemoryLimitError);
    const vae = await VAE.create(small);
    await expect(vae.sample(2e8)).rejects.toThrow(MemoryLimitError); // 2e8 × 12 floats: 9.6 GB of output
    expect((await vae.sample(2)).length).toBe(24); // and the model still works
    await vae.dispose();
  });
});

describe('summary', () => {
  it('lists the layers in order with widths and parameters, the tensors and the totals', async () => {
    const vae = await VAE.create({ inputDim: 12, hidden: [10], latentDim: 3, likelihood: 'gaussian' });
    const s = vae.summary();
    expect(s.layers.map((l) => `${l.name}:${l.input}->${l.output}:${l.parameters}`)).toEqual([
      'encoder.0:12->10:130', 'encoder.2:10->6:66', 'z = μ + σ·ε:6->3:0', 'decoder.0:3->10:40', 'decoder.2:10->12:132', 'output_log_var:12->12:12']);
    expect(s.parameters).toBe(130 + 66 + 40 + 132 + 12);
    expect(s.parameters).toBe(s.tensors.reduce((n, t) => n + t.parameters, 0));
    expect(s.text).toMatch(/380 parameters .* in 9 tensors; trained 0 epoch\(s\), 0 optimiser steps/);
    await vae.dispose();
  });
});
