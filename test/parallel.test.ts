// The worker pool: results independent of the worker count, faults, lifecycle, bad counts.
// These run the compiled workers in dist/ (the build runs before the tests).
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadMnist, VAE, type VAEConfig, WorkerError } from '../src/index.js';
import type { WorkerPool } from '../workers/pool.js';
import { DATA_DIR } from './helpers.js';

const config: VAEConfig = { inputDim: 784, hidden: [64], latentDim: 8, seed: 11 };
let images: Uint8Array;

beforeAll(async () => {
  images = (await loadMnist({ dir: DATA_DIR })).train.bytes.subarray(0, 784 * 6000);
});

function relativeDistance(a: Record<string, Float32Array>, b: Record<string, Float32Array>): number {
  let diff = 0, norm = 0;
  for (const name of Object.keys(a)) for (let i = 0; i < a[name].length; i++) { diff += (a[name][i] - b[name][i]) ** 2; norm += a[name][i] ** 2; }
  return Math.sqrt(diff / norm);
}

async function train(workers: number, steps: number, batchSize = 30, extra: Record<string, unknown> = {}) {
  const vae = await VAE.create(config);
  const history = await vae.fit(images.subarray(0, 784 * batchSize * steps), { epochs: 1, batchSize, workers, ...extra });
  const params = vae.getParameters();
  const runtime = vae.runtime;
  await vae.dispose();
  return { params, runtime, loss: history.epochs[0].loss };
}

describe('worker pool', () => {
  it('the same seed and worker count give bit-identical parameters', async () => {
    const a = await train(2, 50), b = await train(2, 50);
    expect(a.runtime).toMatchObject({ threads: true, workers: 2 });
    for (const name of Object.keys(a.params)) expect(Buffer.from(b.params[name].buffer).equals(Buffer.from(a.params[name].buffer)), name).toBe(true);
  });

  it('1, 2 and 3 workers give the same parameters after 200 steps (within 1e-4 relative; in fact bit-identical) and the same loss to the bit', async () => {
    const one = await train(1, 200), two = await train(2, 200), three = await train(3, 200);
    expect(one.runtime.threads).toBe(false);
    expect(three.runtime.workers).toBe(3);
    expect(relativeDistance(one.params, two.params)).toBeLessThan(1e-4);
    expect(relativeDistance(one.params, three.params)).toBeLessThan(1e-4);
    // Sums over rows run in row order whatever the split (engine.ts, stepPasses), so the
    // parameters agree to the bit.
    for (const name of Object.keys(one.params)) {
      expect(Buffer.from(two.params[name].buffer).equals(Buffer.from(one.params[name].buffer)), name).toBe(true);
      expect(Buffer.from(three.params[name].buffer).equals(Buffer.from(one.params[name].buffer)), name).toBe(true);
    }
    // Each row's loss is on a grid on which f64 sums are exact (assembly/loss.ts): shards of 10
    // rows (7,840 values, not whole blocks of the f32 partial sums) add up to the same bits.
    expect(two.loss).toBe(one.loss);
    expect(three.loss).toBe(one.loss);
  });

  it('a step trains on the parameters as they are now, also after setParameters (the prepacked weights are refreshed)', async () => {
    const x = images.subarray(0, 784 * 64);
    // Other parameters, the same seed (noise is keyed by the model's seed).
    const source = await VAE.create(config);
    await source.fit(images.subarray(784 * 1000, 784 * 1600), { epochs: 1, batchSize: 50 });
    const expected = await source.computeGradients(x, 1); // epoch 2's noise (stream 1)
    for (const workers of [1, 2]) {
      const vae = await VAE.create(config);
      await vae.fit(x, { epochs: 1, batchSize: 64, workers }); // packs and trains its own parameters
      vae.setParameters(source.getParameters());
      let first: number | undefined;
      await vae.fit(x, { epochs: 1, batchSize: 64, shuffle: false, workers, onBatchEnd: (b) => { first ??= b.loss; } });
      await vae.dispose();
      expect(first, `${workers} worker(s)`).toBeCloseTo(expected.loss, 3);
    }
    await source.dispose();
  });

  it('gradient clipping gives the same parameters and loss to the bit with 1, 2 and 3 workers', async () => {
    // clipNorm 5 clips every step here; the norm is summed over all gradients in one order (engine.ts).
    const one = await train(1, 60, 30, { clipNorm: 5 }), two = await train(2, 60, 30, { clipNorm: 5 }), three = await train(3, 60, 30, { clipNorm: 5 });
    for (const other of [two, three]) {
      for (const name of Object.keys(one.params)) expect(Buffer.from(other.params[name].buffer).equals(Buffer.from(one.params[name].buffer)), name).toBe(true);
      expect(other.loss).toBe(one.loss);
    }
  });

  it('a batch smaller than the worker count trains correctly', async () => {
    // 61 rows, batch 20 with 3 workers: the last batch has one row, so two workers get none.
    const rows = images.subarray(0, 784 * 61);
    const run = async (workers: number) => {
      const vae = await VAE.create(config);
      const h = await vae.fit(rows, { epochs: 2, batchSize: 20, workers });
      const p = vae.getParameters();
      await vae.dispose();
      return { h, p };
    };
    const one = await run(1), three = await run(3);
    expect(relativeDistance(one.p, three.p)).toBeLessThan(1e-5);
    expect(three.h.epochs[1].loss).toBe(one.h.epochs[1].loss);
  });

  it('evaluate, encode, decode and sample give the same results on the pool as on one thread', async () => {
    const test = images.subarray(0, 784 * 1500);
    const pooled = await VAE.create(config, { workers: 2 });
    const single = await VAE.create(config);
    const a = await pooled.evaluate(test), b = await single.evaluate(test);
    expect(pooled.runtime.workers).toBe(2);
    expect(a.loss).toBe(b.loss);
    const ea = await pooled.encode(test), eb = await single.encode(test);
    expect(Array.from(ea.mean.subarray(-16))).toEqual(Array.from(eb.mean.subarray(-16)));
    const sa = await pooled.sample(1200, { seed: 5 }), sb = await single.sample(1200, { seed: 5 });
    expect(Array.from(sa.subarray(-784))).toEqual(Array.from(sb.subarray(-784)));
    await pooled.dispose(); await single.dispose();
  });

  it('the pool starts once and is reused across fits', async () => {
    const vae = await VAE.create(config);
    await vae.fit(images.subarray(0, 784 * 60), { epochs: 1, batchSize: 30, workers: 2 });
    const pool = (vae as unknown as { executor: WorkerPool }).executor;
    await vae.fit(images.subarray(0, 784 * 60), { epochs: 1, batchSize: 30, workers: 2 });
    expect((vae as unknown as { executor: WorkerPool }).executor).toBe(pool);
    await vae.dispose();
  });

  for (const kind of ['throw', 'exit'] as const) {
    it(`a worker that ${kind === 'throw' ? 'throws' : 'exits'} mid-epoch rejects fit within 2 s, naming worker and step; parameters stay at the last complete step`, async () => {
      const vae = await VAE.create(config);
      await vae.fit(images.subarray(0, 784 * 60), { epochs: 1, batchSize: 30, workers: 2 });
      const pool = (vae as unknown as { executor: WorkerPool }).executor;
      const faultStep = vae.progress.step + 5;
      await pool.injectFault(1, { step: faultStep, kind });
      let snapshot: Record<string, Float32Array> = {};
      let lastBatch = 0;
      const err = await vae.fit(images.subarray(0, 784 * 600), {
        epochs: 1, batchSize: 30, workers: 2,
        onBatchEnd: () => { snapshot = vae.getParameters(); lastBatch = performance.now(); },
      }).catch((e: unknown) => e);
      const elapsed = performance.now() - lastBatch;
      expect(err).toBeInstanceOf(WorkerError);
      expect((err as WorkerError).worker).toBe(1);
      expect((err as WorkerError).step).toBe(faultStep);
      expect(String(err)).toMatch(new RegExp(`worker 1 .*step ${faultStep}`));
      expect(elapsed).toBeLessThan(2000);
      expect(vae.progress.step).toBe(faultStep - 1);
      const now = vae.getParameters();
      for (const name of Object.keys(now)) expect(Buffer.from(now[name].buffer).equals(Buffer.from(snapshot[name].buffer)), name).toBe(true);
      // A new fit works afterwards, on a fresh pool.
      const h = await vae.fit(images.subarray(0, 784 * 60), { epochs: 1, batchSize: 30, workers: 2 });
      expect(h.epochs.length).toBe(1);
      expect(vae.runtime.workers).toBe(2);
      await vae.dispose();
    });
  }

  it('a worker that dies after the backward pass, while the other updates, has its slice finished on the main thread', async () => {
    // Each layer is updated as soon as its gradients are done, so worker 0 updates its slice
    // while worker 1 is gone; the main thread computes and applies worker 1's slice from the
    // shared backward pass: the model holds exactly the parameters after the failed step.
    const rows = images.subarray(0, 784 * 30 * 12), faultStep = 7;
    const reference = await VAE.create(config);
    const stop = new AbortController();
    await reference.fit(rows, { epochs: 1, batchSize: 30, signal: stop.signal,
      onBatchEnd: (log) => { if (log.batch === faultStep) stop.abort(); } });
    expect(reference.progress.step).toBe(faultStep);
    const vae = await VAE.create(config, { workers: 2 });
    await vae.evaluate(images.subarray(0, 784 * 1024)); // starts the pool, changes nothing
    const pool = (vae as unknown as { executor: WorkerPool }).executor;
    await pool.injectFault(1, { step: faultStep, kind: 'exit', phase: 'update' });
    const err = await vae.fit(rows, { epochs: 1, batchSize: 30, workers: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerError);
    expect(String(err)).toMatch(new RegExp(`worker 1 .*step ${faultStep}.*completed on the main thread`));
    expect(vae.progress.step).toBe(faultStep);
    const want = reference.getParameters(), got = vae.getParameters();
    for (const name of Object.keys(want)) expect(Buffer.from(got[name].buffer).equals(Buffer.from(want[name].buffer)), name).toBe(true);
    await reference.dispose();
    await vae.dispose();
  });

  it('invalid worker counts are rejected before any worker starts', async () => {
    const vae = await VAE.create(config);
    for (const workers of [0, -1, 1.5, 'many', 65]) {
      await expect(vae.fit(images.subarray(0, 784 * 10), { workers: workers as never })).rejects.toThrow(ConfigError);
    }
    await expect(vae.fit(images.subarray(0, 784 * 10), { workers: 4, batchSize: 3 })).rejects.toThrow(/workers \(4\) must not exceed batchSize \(3\)/);
    await expect(VAE.create(config, { workers: 0 })).rejects.toThrow(ConfigError);
    expect(vae.runtime.workers).toBe(1);
    await vae.dispose();
  });

  it('a Node script that trains with workers exits by itself, with or without dispose()', async () => {
    const script = new URL('../dist/exit-check.mjs', import.meta.url);
    await writeFile(script, `import { VAE } from 'wasm-vae';
const vae = await VAE.create({ inputDim: 6, hidden: [5], latentDim: 2 });
await vae.fit(new Float32Array(60).fill(0.5), { epochs: 2, batchSize: 4, workers: 2 });
if (process.argv[2] === 'dispose') await vae.dispose();
console.log('trained', vae.runtime.workers);
`);
    for (const mode of ['dispose', 'keep']) {
      const t = performance.now();
      const { stdout } = await promisify(execFile)(process.execPath, [script.pathname, mode], { timeout: 20_000 });
      expect(stdout.trim()).toBe('trained 2');
      expect(performance.now() - t).toBeLessThan(15_000);
    }
  });
});
