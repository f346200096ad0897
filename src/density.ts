// The test log-likelihood as density-estimation papers report it (Burda et al. 2015; Tomczak &
// Welling 2018): log p(x) ≈ log (1/k) Σ_s p(x|z_s) p(z_s) / q(z_s|x) with k = 5000 samples
// z_s ~ q(z|x) per row. Options are checked here; the estimate runs in Engine.logLikelihoodRows.
import { checkKeys } from './check-keys.js';
import { ConfigError, DataError } from './errors.js';
import type { LogLikelihoodJob } from './executor.js';
import type { DataInput, LabelInput } from './input.js';
import type { ResolvedConfig } from './model/config.js';
import type { WorkerCount } from './train/options.js';

/** Options of vae.logLikelihood() (and the `samples` of evaluate()). */
export interface LogLikelihoodOptions {
  /** Importance samples per row (default 5000, the papers' k). Memory does not grow with it: samples run in chunks. */
  samples?: number;
  /** Seeds the samples' noise (default: the model's seed). The same seed gives the same estimates for any worker count. */
  seed?: number;
  /** Called as rows are done, with (rows done, rows in all): 10,000 rows × 5,000 samples is 50 M decoder passes. */
  onProgress?: (done: number, total: number) => void | Promise<void>;
  /** Worker threads that share the rows: a count or 'auto' (default: CreateOptions.workers). */
  workers?: WorkerCount;
  /** A conditional model's class of every row. */
  labels?: LabelInput;
}

/** The noise stream of log-likelihood samples: apart from training epochs, evaluation and sampling. */
export const LOG_LIKELIHOOD_STREAM = 0x7ffffff3;

/** Checks the options against the model and the data; the job without its data. */
export function logLikelihoodJob(options: LogLikelihoodOptions, config: ResolvedConfig, x: DataInput, rows: number): Omit<LogLikelihoodJob, 'data'> {
  checkKeys(options, ['samples', 'seed', 'onProgress', 'workers', 'labels'], 'logLikelihood options');
  const samples = options.samples ?? 5000, seed = options.seed ?? config.seed;
  if (typeof samples !== 'number' || !Number.isInteger(samples) || samples < 1) {
    throw new ConfigError(`samples must be a positive integer (importance samples per row), got ${String(samples)}`);
  }
  // ε of sample s, dimension j is keyed by s·latentDim + j, a 32-bit number.
  const most = Math.floor(0xffffffff / config.latentDim);
  if (samples > most) throw new ConfigError(`samples must be at most ${most.toLocaleString('en-US')} for latentDim ${config.latentDim}, got ${samples}`);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new ConfigError(`seed must be an integer in [0, 2^32), got ${String(seed)}`);
  if (config.likelihood === 'gaussian' && x instanceof Uint8Array) {
    throw new DataError('a Gaussian model\'s log-likelihood is a density over real values, but these rows are bytes (discrete values): '
      + 'pass Float32Array rows (dequantised, e.g. (byte + uniform noise) / 256, for a density of image data)');
  }
  const onProgress = options.onProgress;
  return { samples, seed, stream: LOG_LIKELIHOOD_STREAM, onRows: onProgress && ((done) => onProgress(done, rows)) };
}

/** The keys evaluate() takes: its labels and the log-likelihood's. */
export const EVALUATE_KEYS = ['labels', 'samples', 'seed', 'onProgress', 'workers'];
