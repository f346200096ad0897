// Nothing hung, nothing kept: 50 create/fit/dispose cycles with 2 workers give back their memory,
// and dispose() from inside a fit callback settles both the dispose and the fit (which rejects
// with a DisposedError), with the workers ended so that Node exits by itself.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DATA_DIR } from './helpers.js';

const LIB = new URL('../dist/src/index.js', import.meta.url).href;

async function node(script: string, flags: string[] = []): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [...flags, '--input-type=module', '-e', script], { timeout: 120_000 });
  return stdout;
}

describe('lifecycle', () => {
  it('RSS returns within 20 % of the start after 50 create/fit/dispose cycles with 2 workers', async () => {
    const out = await node(`import { VAE, loadMnist } from '${LIB}';
const mnist = await loadMnist({ dir: ${JSON.stringify(DATA_DIR)} });
const x = mnist.train.bytes.subarray(0, 784 * 2560);
const cycle = async () => { const v = await VAE.create({ inputDim: 784, hidden: [400], latentDim: 20 }); await v.fit(x, { epochs: 1, workers: 2 }); await v.dispose(); };
const rss = async () => { for (let i = 0; i < 3; i++) { gc(); await new Promise((r) => setTimeout(r, 50)); } return process.memoryUsage().rss / 1e6; };
await cycle();
const start = await rss();
for (let i = 0; i < 50; i++) await cycle();
console.log(JSON.stringify({ start, end: await rss() }));`, ['--expose-gc']);
    const { start, end } = JSON.parse(out) as { start: number; end: number };
    console.log(`lifecycle: RSS ${start.toFixed(0)} MB after one cycle, ${end.toFixed(0)} MB after 50 more`);
    expect(end).toBeLessThan(1.2 * start);
  });

  it.each(['onBatchEnd', 'onEpochEnd'])('dispose() awaited inside %s (2 workers): dispose resolves, fit rejects with DisposedError, the process exits', async (where) => {
    const out = await node(`import { VAE, DisposedError } from '${LIB}';
const x = new Float32Array(64 * 512).map((_, i) => (i % 13) / 13);
const vae = await VAE.create({ inputDim: 64, hidden: [32], latentDim: 2 });
let disposed = 'no';
const fit = vae.fit(x, { epochs: 3, batchSize: 32, workers: 2, ${where}: async () => { if (disposed === 'no') { disposed = 'asked'; await vae.dispose(); disposed = 'yes'; } } });
const outcome = await fit.then(() => 'resolved', (e) => e instanceof DisposedError ? 'DisposedError' : String(e));
const later = await vae.sample(2).then(() => 'ran', (e) => e.constructor.name);
console.log(JSON.stringify({ disposed, outcome, later, progress: vae.progress }));`);
    const r = JSON.parse(out) as { disposed: string; outcome: string; later: string; progress: { epoch: number } };
    expect(r).toMatchObject({ disposed: 'yes', outcome: 'DisposedError', later: 'DisposedError' });
    if (where === 'onEpochEnd') expect(r.progress.epoch).toBe(1);
  });
});
