// workers: 'auto' on a busy machine: another process keeping every core busy makes fit train with
// one worker and say why (workers meet at barriers, so a worker sharing its core slows them all).
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { VAE } from '../src/index.js';
import { randomArray, rng } from './helpers.js';

/** A process spinning one thread per core for `ms`; resolves once it runs. */
function burnCores(ms: number): Promise<{ done: Promise<void> }> {
  const script = `const { Worker } = require('node:worker_threads');
for (let i = 0; i < ${availableParallelism()}; i++) new Worker('const end = Date.now() + ${ms}; while (Date.now() < end) {}', { eval: true });
setTimeout(() => console.log('spinning'), 200);`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const done = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return new Promise((resolve) => child.stdout.once('data', () => resolve({ done })));
}

describe.skipIf(availableParallelism() < 2)("workers: 'auto'", () => {
  it('backs off to one worker while other work keeps every core busy, and says so', async () => {
    const vae = await VAE.create({ inputDim: 10, hidden: [8], latentDim: 2 }, { workers: 'auto' });
    const x = randomArray(200 * 10, rng(4), 0, 1);
    const burner = await burnCores(2500);
    const h = await vae.fit(x, { epochs: 1, batchSize: 20 });
    await burner.done;
    expect(vae.runtime.workers).toBe(1);
    expect(h.warnings.join(' ')).toMatch(/the machine is busy \(other work kept \d\.\d of \d+ cores in use\): 'auto' trains with 1 worker\(s\), not \d+/);
    await vae.dispose();
  });
});
