// wasm-vae eval | sample | reconstruct | bench.
import { measureCeiling, measureGemms } from '../bench.js';
import { VAE } from '../vae.js';
import { loadData, loadModel, logger, num, parse, required, workersFlag } from './common.js';
import { writeReconstructions, writeSamples } from './pictures.js';

export const EVAL_HELP = `Usage: wasm-vae eval --model FILE [--data DIR] [--workers auto|N] [--json]

Loss (negative ELBO, one z sample per image), reconstruction and KL in nats per example on the
test split of --data (default: $WASM_VAE_DATA, else the download cache).`;

export const SAMPLE_HELP = `Usage: wasm-vae sample --model FILE --out FILE.png [--n 64] [--seed S]

Draws n images from the prior (z ~ N(0, I), seeded) and writes them as a grid.`;

export const RECONSTRUCT_HELP = `Usage: wasm-vae reconstruct --model FILE --out FILE.png [--data DIR] [--n 16]

Writes the first n test images above their reconstructions.`;

export const BENCH_HELP = `Usage: wasm-vae bench [--data DIR] [--epochs 1] [--workers auto|N] [--json]

Prints this CPU's WebAssembly SIMD ceiling (one thread), GEMM GFLOP/s for each layout at the
reference model's shapes, and training samples/s of the reference model (784-400-20-400-784).`;

export async function evaluate(argv: string[]): Promise<void> {
  const v = parse(argv, { model: { type: 'string' }, data: { type: 'string' }, workers: { type: 'string' } });
  if (v.help) { console.log(EVAL_HELP); return; }
  const json = v.json === true;
  const vae = await VAE.load(required(v.model, 'model'), { workers: workersFlag(v.workers) });
  try {
    const mnist = await loadData(v.data, logger(json));
    const r = await vae.evaluate(mnist.test.bytes);
    if (json) console.log(JSON.stringify({ ...r, examples: mnist.test.count }));
    else console.log(`test loss ${r.loss.toFixed(2)} nats per example (reconstruction ${r.reconstruction.toFixed(2)}, KL ${r.kl.toFixed(2)}), ${mnist.test.count} examples`);
  } finally {
    await vae.dispose();
  }
}

function squareSide(dim: number): number {
  const side = Math.round(Math.sqrt(dim));
  return side * side === dim ? side : 0;
}

export async function sample(argv: string[]): Promise<void> {
  const v = parse(argv, { model: { type: 'string' }, out: { type: 'string' }, n: { type: 'string' }, seed: { type: 'string' } });
  if (v.help) { console.log(SAMPLE_HELP); return; }
  required(v.model, 'model');
  const out = required(v.out, 'out');
  const n = num(v.n, 'n', 64, { integer: true, min: 1 }), seed = num(v.seed, 'seed', 1, { integer: true, min: 0 });
  const vae = await loadModel(v.model);
  try {
    const side = squareSide(vae.config.inputDim);
    if (!side) throw new Error(`inputDim ${vae.config.inputDim} is not a square image; cannot draw a grid`);
    await writeSamples(vae, out, side, side, n, seed);
    if (v.json) console.log(JSON.stringify({ out, n, seed })); else console.log(`wrote ${n} samples to ${out}`);
  } finally {
    await vae.dispose();
  }
}

export async function reconstruct(argv: string[]): Promise<void> {
  const v = parse(argv, { model: { type: 'string' }, out: { type: 'string' }, data: { type: 'string' }, n: { type: 'string' } });
  if (v.help) { console.log(RECONSTRUCT_HELP); return; }
  required(v.model, 'model');
  const out = required(v.out, 'out');
  const n = num(v.n, 'n', 16, { integer: true, min: 1 });
  const vae = await loadModel(v.model);
  try {
    const mnist = await loadData(v.data, logger(v.json === true));
    await writeReconstructions(vae, mnist.test, out, Math.min(n, mnist.test.count));
    if (v.json) console.log(JSON.stringify({ out, n })); else console.log(`wrote ${n} test images and their reconstructions to ${out}`);
  } finally {
    await vae.dispose();
  }
}

export async function bench(argv: string[]): Promise<void> {
  const v = parse(argv, { data: { type: 'string' }, epochs: { type: 'string' }, workers: { type: 'string' } });
  if (v.help) { console.log(BENCH_HELP); return; }
  const json = v.json === true, log = (s: string) => { if (!json) console.log(s); };
  const ceiling = await measureCeiling();
  log(`SIMD ceiling, one thread (12 chains a <- a*y + x): ${ceiling.gflops.toFixed(1)} GFLOP/s (${ceiling.relaxedSimd ? 'relaxed_madd' : 'f32x4 mul+add'})`);
  const gemms = await measureGemms('auto', ceiling.gflops);
  for (const g of gemms) log(`gemm_${g.layout} ${g.m}x${g.n}x${g.k}: ${g.gflops.toFixed(1)} GFLOP/s, ${g.percentOfCeiling.toFixed(0)}% of the ceiling (${g.what})`);
  const mnist = await loadData(v.data, (s) => { if (!json) process.stderr.write(s); });
  const epochs = num(v.epochs, 'epochs', 1, { integer: true, min: 1 });
  const vae = await VAE.create({ inputDim: 784, hidden: [400], latentDim: 20, seed: 1 });
  const h = await vae.fit(mnist.train.bytes, { epochs, batchSize: 128, workers: workersFlag(v.workers) });
  const rt = vae.runtime;
  await vae.dispose();
  const sps = h.epochs.map((e) => e.samplesPerSecond);
  log(`training 784-400-20-400-784, batch 128: ${sps.map((s) => Math.round(s)).join(', ')} samples/s per epoch `
    + `(${rt.threads ? `${rt.workers} workers` : '1 thread'}${rt.relaxedSimd ? ', relaxed SIMD' : ''})`);
  if (json) console.log(JSON.stringify({ ceiling, gemms, training: { samplesPerSecond: sps, runtime: rt } }));
}
