// wasm-vae train: train on MNIST-format data, checkpoint every epoch, write the model and pictures.
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, DivergenceError } from '../errors.js';
import { ACTIVATIONS, resolveConfig, type ResolvedConfig, type VAEConfig } from '../model/config.js';
import { checkWritableDirectory, writeFileAtomic } from '../files.node.js';
import { binarize as binarizeData } from '../data/binarize.js';
import type { LayerConfig } from '../ops/registry.js';
import type { EpochLog, Objective } from '../train/options.js';
import type { RuntimeInfo } from '../runtime.js';
import { type LossReport, VAE } from '../vae.js';
import { packageVersion } from '../version.js';
import { CLEAR_TO_END, formatDuration, formatRate, lossTerms, progressLine } from './progress.js';
import { logger, num, oneOf, parse, UsageError, workersFlag } from './common.js';
import { loadTrainingData } from './datasets.js';
import { architecture, ARCHITECTURES, architectureSide } from '../model/archs.js';
import { type BatchPoint, labelsFor, writeAll } from './pictures.js';
import { SCHEDULE_FLAGS, SCHEDULE_HELP, scheduleOptions } from './schedule-flags.js';

export const TRAIN_HELP = `Usage: wasm-vae train [options]

Trains a VAE on MNIST-format IDX data or a folder of images; writes the model, a checkpoint after
every epoch, the history and pictures into --out.

Options:
  --data DIR          directory with the four MNIST-format IDX files (.gz or raw; Fashion-MNIST
                      works too); default: $WASM_VAE_DATA if set, else the download cache
                      ($WASM_VAE_CACHE or ~/.cache/wasm-vae/mnist), filled from public mirrors
  --images DIR        a folder of PNG/JPEG images instead (sub-folders are classes, as in
                      torchvision's ImageFolder; 10 % held out as the test set by --seed)
  --size N            with --images: resample every image to N×N (default: the --arch's side,
                      else the images' own size, which must then be the same for all)
  --channels 1|3      with --images: grey or RGB (default: 3 for dcgan32/dcgan64, else 1)
  --table FILE        or a table of numbers: .npy (rows × values: float32, float64 or uint8) or
                      .csv (numeric columns, a header detected); 10 % held out by --seed; real
                      values want --likelihood gaussian (standardise the columns first)
  --label-column C    with a CSV --table: the column (name or index) of class labels
  --arch NAME         a convolutional model: ${ARCHITECTURES.join(' | ')} (default: a dense MLP
                      of --hidden widths). dcgan28 and keras take 28×28 images, dcgan32 32×32,
                      dcgan64 64×64
  --hidden LIST       encoder hidden widths, comma-separated (default 400; decoder mirrors it)
  --dropout RATE      dropout after every hidden layer, encoder and decoder (default: none)
  --latent N          latent dimensions (default 20)
  --activation NAME   ${ACTIVATIONS.filter((a) => a !== 'identity').join(' | ')} (default relu)
  --likelihood NAME   bernoulli | gaussian (default bernoulli)
  --beta X            weight of the KL term (default 1)
  --epochs N          total epochs (default 10; with --resume, the total to reach)
  --batch-size N      (default 128)
  --lr X              learning rate (default 1e-3)
  --adam-eps X        Adam's ε (default 1e-8; the density papers use 1e-4)
  --binarize HOW      dynamic | static | none (default none): train on binarised pixels, each
                      drawn 1 with probability its grey level, afresh every epoch (dynamic) or
                      once (static); the test set is then binarised once
  --output-bias HOW   default | data-mean: start the output bias at the logit of the training
                      mean (default: default)
  --objective WHAT    elbo | iwae:K (default elbo): train the importance-weighted bound with K
                      samples per image (Burda et al. 2015); loss is then the negative K-sample bound
${SCHEDULE_HELP}
  --optimizer NAME    adam | adamw | sgd (default adam)
  --seed N            (default 1)
  --workers auto|N    worker threads that split each batch (default auto: one per core)
  --limit N           train on the first N training images only
  --out DIR           output directory (default runs/mnist)
  --resume            continue from DIR/checkpoint.safetensors (same flags); reaches exactly the
                      parameters of an uninterrupted run, also after Ctrl-C part-way through an epoch
  --conditional       a conditional VAE: the digit's one-hot code joins the encoder's and the
                      decoder's input (samples.png then shows one row per digit)
  --allow-changes     with --resume: continue although --lr, --batch-size, --optimizer,
                      --adam-eps, --binarize or --objective differ from the checkpoint's
                      (refused otherwise)
  --force             replace an earlier run's files in --out (without it a used --out is refused)
  --json              one JSON object per epoch on stdout, then a final one
  --verbose           stack traces on errors
  -h, --help          this text

Writes: model.safetensors, checkpoint.safetensors (with optimiser state), history.json,
samples.png (8×8 generated images), reconstructions.png (originals above reconstructions),
loss.svg (train and test curves: loss, reconstruction, KL), latent.svg (test set encoded,
coloured by label: latent = 2 as is, else its first two principal components), manifold.png
(latent = 2: decoded grid over the latent plane).`;

/** Files a training run writes into --out (a rerun without --resume or --force is refused if any exists). */
export const RUN_FILES = ['model.safetensors', 'checkpoint.safetensors', 'history.json', 'samples.png', 'reconstructions.png',
  'loss.svg', 'latent.svg', 'manifold.png'];

/** Refuses to mix a new run with an old one in the same directory; with --force removes the old run's files. */
async function claimOutDir(out: string, force: boolean): Promise<void> {
  const old = RUN_FILES.filter((f) => existsSync(join(out, f)));
  if (old.length === 0) return;
  if (!force) {
    throw new UsageError(`${out} already holds a run (${old.join(', ')}): pass --resume to continue it, --force to replace it, or another --out`);
  }
  await Promise.all(old.map((f) => rm(join(out, f), { force: true })));
}

/** --objective elbo | iwae:K */
function objectiveFlag(value: unknown): Objective {
  if (value === undefined || value === 'elbo') return { kind: 'elbo' };
  const m = /^iwae:(\d+)$/.exec(String(value));
  if (!m || Number(m[1]) < 1) throw new UsageError(`--objective must be elbo or iwae:K with K a positive integer, got '${String(value)}'`);
  return { kind: 'iwae', samples: Number(m[1]) };
}

/** The widths as layer lists with a dropout layer after every hidden layer. */
function withDropout(config: VAEConfig, rate: number): void {
  const hidden = (widths: number[]): LayerConfig[] => widths.flatMap((units) => [{ type: 'dense', units }, { type: 'dropout', rate }] as LayerConfig[]);
  config.encoder = hidden(config.hidden!);
  config.decoder = [...hidden([...config.hidden!].reverse()), { type: 'dense', units: config.inputDim }];
  delete config.hidden;
}

/** Exit code 130 after Ctrl-C (as a shell reports a SIGINT), else 0. */
export async function train(argv: string[]): Promise<number> {
  const v = parse(argv, {
    data: { type: 'string' }, hidden: { type: 'string' }, latent: { type: 'string' }, activation: { type: 'string' },
    likelihood: { type: 'string' }, beta: { type: 'string' }, epochs: { type: 'string' }, 'batch-size': { type: 'string' },
    lr: { type: 'string' }, optimizer: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' },
    workers: { type: 'string' }, limit: { type: 'string' }, resume: { type: 'boolean' }, force: { type: 'boolean' },
    'allow-changes': { type: 'boolean' }, conditional: { type: 'boolean' }, dropout: { type: 'string' }, ...SCHEDULE_FLAGS,
    'adam-eps': { type: 'string' }, binarize: { type: 'string' }, 'output-bias': { type: 'string' }, objective: { type: 'string' },
    images: { type: 'string' }, size: { type: 'string' }, channels: { type: 'string' }, arch: { type: 'string' },
    table: { type: 'string' }, 'label-column': { type: 'string' },
  });
  if (v.help) { console.log(TRAIN_HELP); return 0; }
  const hidden = String(v.hidden ?? '400').split(',').filter((s) => s !== '').map((s) => num(s, 'hidden', 0, { integer: true, min: 1 }));
  const config: VAEConfig = {
    inputDim: 0, hidden, latentDim: num(v.latent, 'latent', 20, { integer: true, min: 1 }),
    activation: oneOf(v.activation, 'activation', ACTIVATIONS, 'relu'),
    likelihood: oneOf(v.likelihood, 'likelihood', ['bernoulli', 'gaussian'] as const, 'bernoulli'),
    beta: num(v.beta, 'beta', 1, { min: 0 }), seed: num(v.seed, 'seed', 1, { integer: true, min: 0, max: 0xffffffff }),
  };
  if (v['output-bias'] !== undefined) config.outputBias = oneOf(v['output-bias'], 'output-bias', ['default', 'data-mean'] as const, 'default');
  const epsilon = num(v['adam-eps'], 'adam-eps', 1e-8, { positive: true, max: 1 });
  const binarize = oneOf(v.binarize, 'binarize', ['dynamic', 'static', 'none'] as const, 'none');
  const objective = objectiveFlag(v.objective), iwaeSamples = objective.kind === 'iwae' ? objective.samples : 1;
  const dropout = v.dropout === undefined ? undefined : num(v.dropout, 'dropout', 0, { min: 0, max: 0.99 });
  const epochs = num(v.epochs, 'epochs', 10, { integer: true, min: 1 });
  const batchSize = num(v['batch-size'], 'batch-size', 128, { integer: true, min: 1 });
  const learningRate = num(v.lr, 'lr', 1e-3, { positive: true });
  const optimizer = oneOf(v.optimizer, 'optimizer', ['adam', 'adamw', 'sgd'] as const, 'adam');
  const workers = workersFlag(v.workers);
  const schedules = scheduleOptions(v, epochs);
  const limit = v.limit === undefined ? Infinity : num(v.limit, 'limit', 0, { integer: true, min: 1 });
  const out = (v.out as string | undefined) ?? join('runs', 'mnist');
  const json = v.json === true, log = logger(json);
  if (v.resume && v.force) throw new UsageError('--resume and --force exclude each other');
  await checkWritableDirectory(out); // a read-only, full or impossible --out fails now, naming it, not after an epoch

  const arch = v.arch === undefined ? undefined : oneOf(v.arch, 'arch', ARCHITECTURES, 'dcgan28');
  if (arch && v.hidden !== undefined) throw new UsageError('--arch and --hidden exclude each other (the architecture fixes its layers)');
  if (arch && dropout !== undefined) throw new UsageError('--dropout goes with --hidden widths, not with --arch');
  const channelsFlag = v.channels === undefined ? undefined : oneOf(v.channels, 'channels', ['1', '3'] as const, '1') === '3' ? 3 : 1;
  const channels = channelsFlag ?? (arch === 'dcgan32' || arch === 'dcgan64' ? 3 : 1);
  const size = v.size === undefined ? (arch && v.images !== undefined ? architectureSide(arch) : undefined) : num(v.size, 'size', 0, { integer: true, min: 1, max: 4096 });
  const data = await loadTrainingData({ data: v.data as string | undefined, images: v.images as string | undefined, size,
    table: v.table as string | undefined, labelColumn: v['label-column'] as string | undefined,
    channels: v.images !== undefined ? channels : channelsFlag, seed: config.seed! }, log);
  config.inputDim = data.train.dim;
  const shape: [number, number, number] = [data.train.channels, data.train.rows, data.train.cols];
  if (arch) {
    const side = architectureSide(arch);
    if (shape[1] !== side || shape[2] !== side) throw new UsageError(`--arch ${arch} takes ${side}×${side} images, the data's are ${shape[1]}×${shape[2]}${v.images !== undefined ? ' (pass --size)' : ''}`);
    delete config.hidden;
    Object.assign(config, architecture(arch, { latentDim: config.latentDim, channels: shape[0] as 1 | 3 }));
  } else if (v.images !== undefined) {
    config.inputShape = shape; // for pictures of the model's rows (a dense model reads them flat)
  }
  if (arch && !data.train.isImage) throw new UsageError('--arch takes images; a table trains the dense model of --hidden');
  if (v.conditional) {
    if (data.classNames.length < 2) throw new UsageError('--conditional needs labels: an image folder with sub-folders per class');
    config.conditional = { classes: data.classNames.length }; // MNIST-format labels are digits 0–9 (loadMnist checks them)
  }
  if (dropout !== undefined) withDropout(config, dropout);
  const checkpoint = join(out, 'checkpoint.safetensors');
  let vae: VAE;
  let earlier: EpochLog[] = [];
  if (v.resume) {
    if (!existsSync(checkpoint)) throw new UsageError(`--resume: no checkpoint at ${checkpoint}`);
    vae = await VAE.load(checkpoint, { workers });
    const want = JSON.stringify(resolveConfig(config));
    if (JSON.stringify(vae.config) !== want) {
      await vae.dispose();
      throw new ConfigError(`--resume: ${checkpoint} was trained with ${JSON.stringify(vae.config)}, but the flags give ${want}`);
    }
    const was = vae.trainingSettings;
    const now = { optimizer, learningRate, batchSize, epsilon, binarize, objective: objective.kind === 'iwae' ? `iwae:${objective.samples}` : 'elbo' };
    const changed = was ? (Object.keys(now) as (keyof typeof now)[]).filter((k) => was[k] !== now[k]) : [];
    if (changed.length > 0 && !v['allow-changes']) {
      await vae.dispose();
      const flag = { optimizer: '--optimizer', learningRate: '--lr', batchSize: '--batch-size', epsilon: '--adam-eps', binarize: '--binarize', objective: '--objective' };
      throw new UsageError(`--resume: ${checkpoint} was trained with ${changed.map((k) => `${flag[k]} ${was![k]}`).join(', ')}, `
        + `but the flags give ${changed.map((k) => `${flag[k]} ${now[k]}`).join(', ')}; pass --allow-changes to continue with the new settings`);
    }
    if (existsSync(join(out, 'history.json'))) {
      earlier = (JSON.parse(await readFile(join(out, 'history.json'), 'utf8')) as { epochs: EpochLog[] }).epochs.slice(0, vae.progress.epoch);
    }
    log(`resuming from ${checkpoint} after epoch ${vae.progress.epoch}, step ${vae.progress.step}\n`);
  } else {
    await claimOutDir(out, v.force === true);
    vae = await VAE.create(config, { workers });
  }
  // Ctrl-C: finish the current batch, write a checkpoint, say how to resume, exit 130. A second
  // Ctrl-C ends the process at once.
  const interrupt = new AbortController();
  const onSigint = () => {
    if (interrupt.signal.aborted) process.exit(130);
    interrupt.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    const rows = Math.min(limit, data.train.count);
    const remaining = epochs - vae.progress.epoch;
    log(`wasm-vae: ${data.describe(rows)}; ${Math.max(0, remaining)} epoch(s) to go\n`);
    const tty = process.stderr.isTTY === true;
    const batchPoints: BatchPoint[] = [];
    const fitSettings = { epochs, batchSize, learningRate, optimizer, workers, limit: rows };
    const history: RunHistory = {
      wasmVae: packageVersion(), command: ['wasm-vae', 'train', ...argv].join(' '), config: vae.config, fit: fitSettings,
      runtime: vae.runtime, epochs: [...earlier], aborted: false, warnings: [],
    };
    const saveHistory = () => writeFileAtomic(join(out, 'history.json'), JSON.stringify(history, null, 2));
    let lastDraw = 0;
    if (remaining > 0) {
      const h = await vae.fit(data.train.values.subarray(0, rows * data.train.dim), {
        epochs: remaining, batchSize, learningRate, optimizer, epsilon, binarize, objective, workers, validation: data.test.values, signal: interrupt.signal, ...schedules,
        labels: labelsFor(vae, data.train, rows), validationLabels: labelsFor(vae, data.test),
        onBatchEnd: (b) => {
          batchPoints.push({ x: b.epoch - 1 + b.batch / b.batches, values: [b.loss, b.reconstruction, b.kl] });
          const now = performance.now();
          if (tty && !json && (now - lastDraw > 100 || b.batch === b.batches)) {
            lastDraw = now;
            log(`\r${progressLine(b, epochs, iwaeSamples)}${CLEAR_TO_END}`);
          }
        },
        onEpochEnd: async (e) => {
          // History first: a kill between the two writes leaves a history one epoch ahead of the
          // checkpoint, which --resume cuts back to the checkpoint's epoch and then re-runs;
          // the other order would lose that epoch's record for good.
          history.epochs.push(e);
          history.runtime = vae.runtime;
          await saveHistory();
          await writeFileAtomic(checkpoint, vae.toBytes({ optimizer: true }));
          if (json) console.log(JSON.stringify({ type: 'epoch', ...e }));
          else {
            const rt = vae.runtime;
            log(`${tty ? '\r' : ''}epoch ${e.epoch}/${epochs}: ${lossTerms(e, iwaeSamples)}, `
              + `test ${e.valLoss!.toFixed(2)} nats, ${schedules.betaSchedule ? `β ${e.beta.toFixed(3)}, ` : ''}`
              + `${schedules.learningRateSchedule ? `lr ${e.learningRate.toPrecision(3)}, ` : ''}${formatDuration(e.seconds)}, ${formatRate(e.samplesPerSecond)} samples/s `
              + `(${rt.threads ? `${rt.workers} workers` : '1 thread'}${rt.relaxedSimd ? ', relaxed SIMD' : ''})${tty ? CLEAR_TO_END : ''}\n`);
          }
        },
      }).catch((err: unknown) => {
        if (!(err instanceof DivergenceError)) throw err;
        // Said in the CLI's terms; nothing is written after this: the files hold the last finite epoch.
        const kept = vae.progress.epoch > 0 && existsSync(checkpoint) ? `${checkpoint} still holds epoch ${vae.progress.epoch}` : 'no model file was written';
        throw new DivergenceError(`training diverged at epoch ${err.epoch}, batch ${err.batch} (the ${err.what} is not finite); ${kept}; `
          + `try a smaller --lr (this run: ${learningRate})`, err.epoch, err.batch, err.what);
      });
      history.warnings = h.warnings;
      for (const w of h.warnings) log(`warning: ${w}\n`);
      if (h.bestEpoch !== undefined) {
        log(`${h.stoppedEarly ? 'stopped early: the' : 'early stopping: the'} best test loss was epoch ${h.bestEpoch}'s; the model holds its parameters\n`);
      }
      if (h.aborted) {
        await writeFileAtomic(checkpoint, vae.toBytes({ optimizer: true }));
        history.aborted = true;
        await saveHistory();
        const resume = ['wasm-vae', 'train', ...argv.filter((a) => a !== '--resume'), '--resume'].join(' ');
        process.stderr.write(`${tty ? '\r' : ''}interrupted at epoch ${vae.progress.epoch + 1}, step ${vae.progress.step}; checkpoint written to ${checkpoint}${tty ? CLEAR_TO_END : ''}\n`
          + `continue with: ${resume}\n`);
        if (json) console.log(JSON.stringify({ type: 'interrupted', checkpoint, progress: vae.progress }));
        return 130;
      }
    }
    process.off('SIGINT', onSigint);
    await vae.save(join(out, 'model.safetensors'));
    const pictures = await writeAll(vae, data.test, out, history.epochs, batchPoints, data);
    // With --binarize, the test loss is on the test set binarised once, as fit's validation was.
    const test = binarize === 'none' ? data.test.values : await binarizeData(data.test.values, { dim: data.test.dim, seed: vae.config.seed });
    const final = await vae.evaluate(test, { labels: labelsFor(vae, data.test) });
    history.test = final;
    await saveHistory();
    if (json) console.log(JSON.stringify({ type: 'final', test: final, out, files: ['model.safetensors', 'history.json', ...pictures], runtime: vae.runtime }));
    else log(`test loss ${final.loss.toFixed(2)} nats (reconstruction ${final.reconstruction.toFixed(2)}, KL ${final.kl.toFixed(2)}); `
      + `wrote ${out}/: model.safetensors, history.json, ${pictures.join(', ')}\n`);
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
    await vae.dispose();
  }
}

/** history.json: enough to know later what ran, where, and what came out. */
export interface RunHistory {
  wasmVae: string;
  command: string;
  config: ResolvedConfig;
  fit: Record<string, unknown>;
  runtime: RuntimeInfo;
  epochs: EpochLog[];
  /** Test-set loss of the final model (nats per example). */
  test?: LossReport;
  aborted: boolean;
  warnings: string[];
}
