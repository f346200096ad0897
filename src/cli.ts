#!/usr/bin/env node
// The wasm-vae command: train a VAE on MNIST-format data and write pictures of what it learned.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { WasmVaeError } from './errors.js';
import { encodeGrayPng, gridImage, upscale } from './images.js';
import { loadMnist } from './data/mnist.js';
import { writeFileAtomic } from './platform.node.js';
import type { Activation, Likelihood } from './model/config.js';
import type { EpochLog } from './train/options.js';
import { VAE } from './vae.js';

class UsageError extends Error {}

const TRAIN_HELP = `Usage: wasm-vae train [options]

Trains a VAE on MNIST-format IDX data and writes the model's pictures into --out.

Options:
  --data DIR          directory with the four MNIST-format IDX files (.gz or raw); default:
                      $WASM_VAE_DATA if set, else the
                      download cache ($WASM_VAE_CACHE or ~/.cache/wasm-vae/mnist), filled from public mirrors
  --hidden LIST       encoder hidden widths, comma-separated (default 400)
  --latent N          latent dimensions (default 20)
  --activation NAME   relu | leaky_relu | elu | tanh | sigmoid | softplus (default relu)
  --likelihood NAME   bernoulli | gaussian (default bernoulli)
  --beta X            weight of the KL term (default 1)
  --epochs N          (default 10)
  --batch-size N      (default 128)
  --lr X              learning rate (default 1e-3)
  --optimizer NAME    adam | adamw | sgd (default adam)
  --seed N            (default 1)
  --workers auto|N    worker threads that split each batch (default auto: one per core)
  --out DIR           output directory (default runs/mnist)
  --json              one JSON object per epoch on stdout, then a final one
  --verbose           stack traces on errors
  -h, --help          this text

Writes: history.json, samples.png (8×8 generated digits), reconstructions.png (originals above
their reconstructions).`;

const HELP = `Usage: wasm-vae <command> [options]

Commands:
  train     train a VAE on MNIST-format data and write sample images

Run 'wasm-vae <command> --help' for a command's options.`;

function num(value: string | undefined, name: string, fallback: number, integer = false): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'}, got '${value}'`);
  }
  return n;
}

function bar(done: number, total: number, width = 24): string {
  const filled = Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

async function train(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv, strict: true, allowPositionals: false,
    options: {
      data: { type: 'string' }, hidden: { type: 'string' }, latent: { type: 'string' }, activation: { type: 'string' },
      likelihood: { type: 'string' }, beta: { type: 'string' }, epochs: { type: 'string' }, 'batch-size': { type: 'string' },
      lr: { type: 'string' }, optimizer: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, workers: { type: 'string' },
      json: { type: 'boolean' }, verbose: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) { console.log(TRAIN_HELP); return; }
  const hidden = (values.hidden ?? '400').split(',').filter((s) => s !== '').map((s) => num(s, 'hidden', 0, true));
  const out = values.out ?? join('runs', 'mnist');
  const json = values.json === true;
  const log = (s: string) => { if (!json) process.stderr.write(s); };
  const mnist = await loadMnist({ dir: values.data ?? process.env.WASM_VAE_DATA, onProgress: (m) => log(`${m}\n`) });
  const vae = await VAE.create({
    inputDim: mnist.train.dim, hidden, latentDim: num(values.latent, 'latent', 20, true),
    activation: (values.activation ?? 'relu') as Activation, likelihood: (values.likelihood ?? 'bernoulli') as Likelihood,
    beta: num(values.beta, 'beta', 1), seed: num(values.seed, 'seed', 1, true),
  });
  try {
    log(`wasm-vae: ${mnist.train.count} training and ${mnist.test.count} test images of ${mnist.train.rows}×${mnist.train.cols}\n`);
    const epochs = num(values.epochs, 'epochs', 10, true);
    const workers = values.workers === undefined || values.workers === 'auto' ? 'auto' as const : num(values.workers, 'workers', 1, true);
    const tty = process.stderr.isTTY === true;
    const history = await vae.fit(mnist.train.bytes, {
      epochs, batchSize: num(values['batch-size'], 'batch-size', 128, true), learningRate: num(values.lr, 'lr', 1e-3),
      optimizer: (values.optimizer ?? 'adam') as 'adam', validation: mnist.test.bytes, workers,
      onBatchEnd: (b) => {
        if (tty && (b.batch % 10 === 0 || b.batch === b.batches)) {
          log(`\repoch ${b.epoch}/${epochs} ${bar(b.batch, b.batches)} ${b.batch}/${b.batches} loss ${b.loss.toFixed(2)} `
            + `rec ${b.reconstruction.toFixed(2)} kl ${b.kl.toFixed(2)} ${Math.round(b.samplesPerSecond)} samples/s `);
        }
      },
      onEpochEnd: (e: EpochLog) => {
        if (e.epoch === 1 && !json) {
          const rt = vae.runtime;
          log(`${tty ? '\r' : ''}runtime: ${rt.threads ? `${rt.workers} worker threads` : 'this thread'}, SIMD${rt.relaxedSimd ? ' + relaxed SIMD' : ''}\n`);
        }
        if (json) console.log(JSON.stringify({ type: 'epoch', ...e }));
        else log(`${tty ? '\r' : ''}epoch ${e.epoch}/${epochs}: loss ${e.loss.toFixed(2)} (rec ${e.reconstruction.toFixed(2)}, kl ${e.kl.toFixed(2)}), `
          + `test ${e.valLoss!.toFixed(2)} nats, ${e.seconds.toFixed(1)} s, ${Math.round(e.samplesPerSecond)} samples/s\n`);
      },
    });
    await mkdir(out, { recursive: true });
    const { rows, cols } = mnist.test;
    const samples = await vae.sample(64, { seed: 1 });
    await writeFileAtomic(join(out, 'samples.png'), encodeGrayPng(upscale(gridImage(samples, 64, rows, cols, 8), 2)));
    const originals = mnist.test.images.subarray(0, 16 * mnist.test.dim);
    const recon = await vae.reconstruct(originals);
    const both = new Float32Array(32 * mnist.test.dim);
    both.set(originals); both.set(recon, originals.length);
    await writeFileAtomic(join(out, 'reconstructions.png'), encodeGrayPng(upscale(gridImage(both, 32, rows, cols, 16), 2)));
    await writeFileAtomic(join(out, 'history.json'), JSON.stringify(history, null, 2));
    const final = await vae.evaluate(mnist.test.bytes);
    if (json) console.log(JSON.stringify({ type: 'final', test: final, out, runtime: vae.runtime }));
    else log(`test loss ${final.loss.toFixed(2)} nats (reconstruction ${final.reconstruction.toFixed(2)}, KL ${final.kl.toFixed(2)}); wrote ${out}/samples.png, reconstructions.png, history.json\n`);
  } finally {
    await vae.dispose();
  }
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const verbose = rest.includes('--verbose');
  try {
    if (command === undefined || command === '-h' || command === '--help') { console.log(HELP); return command ? 0 : 2; }
    if (command === 'train') { await train(rest); return 0; }
    throw new UsageError(`unknown command '${command}'`);
  } catch (err) {
    const e = err as Error & { code?: string };
    if (err instanceof UsageError || e.code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`wasm-vae: ${e.message}\n\n${command === 'train' ? TRAIN_HELP : HELP}`);
      return 2;
    }
    if (err instanceof WasmVaeError && !verbose) {
      console.error(`wasm-vae: ${e.message}`);
      return 1;
    }
    console.error(verbose ? e.stack : `wasm-vae: ${e.message} (run with --verbose for details)`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
