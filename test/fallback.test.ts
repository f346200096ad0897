// Without SharedArrayBuffer (a browser page that is not cross-origin isolated) the model must fall
// back to one in-thread instance, train correctly and say so. The platform check is stubbed here;
// the real browser runs belong to the browser end-to-end tests.
import { describe, expect, it, vi } from 'vitest';
import { VAE } from '../src/index.js';
import { randomArray, rng } from './helpers.js';

vi.mock('#platform', async (importOriginal) => ({ ...(await importOriginal<object>()), sharedMemoryAvailable: () => false }));

describe('no shared memory', () => {
  it('asks for 2 workers, trains on this thread, and reports the fallback in history and runtime', async () => {
    const config = { inputDim: 10, hidden: [8], latentDim: 2, seed: 3 };
    const x = randomArray(64 * 10, rng(9), 0, 1);
    const vae = await VAE.create(config);
    const h = await vae.fit(x, { epochs: 2, batchSize: 16, workers: 2 });
    expect(vae.runtime).toMatchObject({ threads: false, workers: 1 });
    expect(vae.runtime.warnings.join()).toMatch(/SharedArrayBuffer is unavailable.*one thread instead of 2 workers/);
    expect(h.warnings.join()).toMatch(/cross-origin isolated/);
    // Same numbers as a plain one-thread run.
    const reference = await VAE.create(config);
    const r = await reference.fit(x, { epochs: 2, batchSize: 16 });
    expect(h.epochs[1].loss).toBe(r.epochs[1].loss);
    await vae.dispose(); await reference.dispose();
  });
});
