// wasm-vae eval | sample | reconstruct | bench.
import { measureCeiling, measureGemms } from '../bench.js';
import { VAE } from '../vae.js';
import { binarize } from '../data/binarize.js';
import { loadData, loadModel, logger, num, oneOf, parse, required, UsageError, workersFlag } from './common.js';
import { CLEAR_TO_END, formatDuration } from './progress.js';
import { labelsFor, writeReconstructions, writeSamples } from './pictures.js';
import { dataForModel, MODEL_DATA_FLAGS, MODEL_DATA_HELP } from './datasets.js';

const TAIL_OPTIONS = `  --json              machine-readable output on stdout
  --verbose           stack traces on errors
  -h, --help          this text`;

export const EVAL_HELP = `Usage: wasm-vae eval --model FILE [options]

Loss (negative ELBO, one z sample per example, fixed noise), reconstruction and KL in nats per
example on the test split of the data; with --nll-samples K also the negative log-likelihood,
-log p(x) estimated by importance sampling with K samples per image (the papers' test NLL:
K = 5000 on the test set binarised once, --binarize static).

Options:
  --model FILE        a .safetensors file written by wasm-vae (required)
${MODEL_DATA_HELP}
  --nll-samples K     also estimate the NLL with K importance samples per image (default: no NLL)
  --binarize HOW      static | none (default none): evaluate on the test set binarised once,
                      each pixel 1 with probability its grey level
  --binarize-seed N   the binarisation's seed (default: the model's, as train --binarize uses)
  --limit N           the first N test images only
  --workers auto|N    worker threads (default auto: one per core)
${TAIL_OPTIONS}

Example: wasm-vae eval --model runs/mnist/model.safetensors --nll-samples 5000 --binarize static`;

export const SAMPLE_HELP = `Usage: wasm-vae sample --model FILE --out FILE.png [options]

Draws n images from the prior (z ~ N(0, I), seeded), decodes them to their means (pixel
probabilities for a Bernoulli model) and writes them as a square grid, 2× enlarged.

Options:
  --model FILE        a .safetensors file written by wasm-vae (required)
  --out FILE.png      where to write the grid (required)
  --n N               number of images (default 64)
  --seed N            noise seed (default 1); the same seed draws the same images
  --label K           a conditional model: draw every image of class K (default: one row per class)
${TAIL_OPTIONS}

Example: wasm-vae sample --model runs/mnist/model.safetensors --n 100 --seed 7 --out samples.png`;

export const RECONSTRUCT_HELP = `Usage: wasm-vae reconstruct --model FILE --out FILE.png [options]

Writes the first n test images (top row) above their reconstructions (bottom row): each image
encoded to its posterior mean and decoded to pixel probabilities.

Options:
  --model FILE        a .safetensors file written by wasm-vae (required)
  --out FILE.png      where to write the picture (required)
${MODEL_DATA_HELP}
  --n N               number of test images (default 16)
${TAIL_OPTIONS}

Example: wasm-vae reconstruct --model runs/mnist/model.safetensors --n 10 --out recon.png`;

export const BENCH_HELP = `Usage: wasm-vae bench [--data DIR] [--epochs 1] [--workers auto|N] [--json]

Prints this CPU's WebAssembly SIMD ceiling (one thread), GEMM GFLOP/s for each layout at the
reference model's shapes, and training samples/s of the reference model (784-400-20-400-784).`;

export async function evaluate(argv: string[]): Promise<void> {
  const v = parse(argv, { model: { type: 'string' }, ...MODEL_DATA_FLAGS, workers: { type: 'string' }, 'nll-samples': { type: 'string' },
    binarize: { type: 'string' }, 'binarize-seed': { type: 'string' }, limit: { type: 'string' } });
  if (v.help) { console.log(EVAL_HELP); return; }
  const json = v.json === true;
  const samples = v['nll-samples'] === undefined ? undefined : num(v['nll-samples'], 'nll-samples', 0, { integer: true, min: 1 });
  const how = oneOf(v.binarize, 'binarize', ['static', 'none'] as const, 'none');
  const vae = await VAE.load(required(v.model, 'model'), { workers: workersFlag(v.workers) });
  try {
    const { test } = await dataForModel(v, vae.config, logger(json));
    const rows = Math.min(test.count, num(v.limit, 'limit', test.count, { integer: true, min: 1 }));
    const seed = num(v['binarize-seed'], 'binarize-seed', vae.config.seed, { integer: true, min: 0, max: 0xffffffff });
    const grey = test.values.subarray(0, rows * test.dim);
    const x = how === 'static' ? await binarize(grey, { dim: test.dim, seed }) : grey;
    const progress = samples === undefined || json || !process.stderr.isTTY ? undefined : nllProgress(samples);
    const r = await vae.evaluate(x, { labels: labelsFor(vae, test, rows), ...(samples ? { samples, onProgress: progress } : {}) });
    if (progress) process.stderr.write('\n');
    if (json) console.log(JSON.stringify({ ...r, examples: rows, binarize: how, ...(samples ? { nllSamples: samples } : {}) }));
    else {
      console.log(`test loss ${r.loss.toFixed(2)} nats per example (reconstruction ${r.reconstruction.toFixed(2)}, KL ${r.kl.toFixed(2)}), ${rows} examples`
        + (how === 'static' ? `, binarised (seed ${seed})` : ''));
      if (r.nll !== undefined) console.log(`test NLL ${r.nll.toFixed(2)} nats per example (importance sampling, ${samples} samples per example)`);
    }
  } finally {
    await vae.dispose();
  }
}

/** A progress line for the NLL's rows on stderr: count, rate, elapsed, ETA. */
function nllProgress(samples: number): (done: number, total: number) => void {
  const start = performance.now();
  let last = 0;
  return (done, total) => {
    const now = performance.now(), seconds = (now - start) / 1000;
    if (now - last < 200 && done < total) return;
    last = now;
    const rate = done / seconds;
    process.stderr.write(`\rNLL: ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} images × ${samples.toLocaleString('en-US')} samples, `
      + `${rate.toFixed(1)} images/s, ${formatDuration(seconds)} elapsed, ETA ${formatDuration((total - done) / rate)}${CLEAR_TO_END}`);
  };
}

function squareSide(dim: number): number {
  const side = Math.round(Math.sqrt(dim));
  return side * side === dim ? side : 0;
}

export async function sample(argv: string[]): Promise<void> {
  const v = parse(argv, { model: { type: 'string' }, out: { type: 'string' }, n: { type: 'string' }, seed: { type: 'string' }, label: { type: 'string' } });
  if (v.help) { console.log(SAMPLE_HELP); return; }
  required(v.model, 'model');
  const out = required(v.out, 'out');
  const n = num(v.n, 'n', 64, { integer: true, min: 1 }), seed = num(v.seed, 'seed', 1, { integer: true, min: 0, max: 0xffffffff });
  const vae = await loadModel(v.model);
  try {
    const [, rows, cols] = vae.config.inputShape ?? [1, squareSide(vae.config.inputDim), squareSide(vae.config.inputDim)];
    if (!rows) throw new Error(`inputDim ${vae.config.inputDim} is not a square image and the model has no inputShape; cannot draw a grid`);
    const classes = vae.config.conditional?.classes;
    if (v.label !== undefined && !classes) throw new UsageError(`--label: ${v.model} is not a conditional model`);
    const label = v.label === undefined ? undefined : num(v.label, 'label', 0, { integer: true, min: 0, max: classes! - 1 });
    await writeSamples(vae, out, rows, cols, n, seed, label);
    if (v.json) console.log(JSON.stringify({ out, n, seed })); else console.log(`wrote ${n} samples to ${out}`);
  } finally {
    await vae.dispose();
  }
}

export async function reconstruct(argv: string[]): Promise<void> {
  const v = parse(argv, { model: { type: 'string' }, out: { type: 'string' }, ...MODEL_DATA_FLAGS, n: { type: 'string' } });
  if (v.help) { console.log(RECONSTRUCT_HELP); return; }
  required(v.model, 'model');
  const out = required(v.out, 'out');
  const n = num(v.n, 'n', 16, { integer: true, min: 1 });
  const vae = await loadModel(v.model);
  try {
    const { test } = await dataForModel(v, vae.config, logger(v.json === true));
    if (!test.isImage) throw new UsageError('a table\'s rows are not images: reconstruct needs --data or --images');
    await writeReconstructions(vae, test, out, Math.min(n, test.count));
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
