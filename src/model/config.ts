import { checkKeys } from '../check-keys.js';
import { ConfigError } from '../errors.js';

export const ACTIVATIONS = ['identity', 'relu', 'leaky_relu', 'elu', 'tanh', 'sigmoid', 'softplus'] as const;
export type Activation = (typeof ACTIVATIONS)[number];
export type Likelihood = 'bernoulli' | 'gaussian';

/** What defines a VAE's architecture and its randomness. */
export interface VAEConfig {
  /** Length of one input row (784 for MNIST). */
  inputDim: number;
  /** Encoder hidden widths, e.g. [400]. */
  hidden: number[];
  /** Decoder hidden widths; defaults to the encoder's in reverse. */
  decoderHidden?: number[];
  /** Dimensions of z. */
  latentDim: number;
  /** Hidden layers' activation (default 'relu'). */
  activation?: Activation;
  /** Slope for leaky_relu (default 0.01) or α for elu (default 1). */
  activationAlpha?: number;
  /** 'bernoulli' (default): inputs in [0,1], decoder gives logits. 'gaussian': real inputs, decoder gives means and a learned per-dimension log-variance. */
  likelihood?: Likelihood;
  /** Weight of the KL term (β-VAE, default 1: the ELBO). */
  beta?: number;
  /** Seeds initialisation, shuffling and noise (default 1). */
  seed?: number;
  /**
   * A conditional VAE (Sohn et al. 2015): every row's class, one-hot over `classes`, joins the
   * encoder's input and the decoder's; fit, evaluate, encode, decode, sample and reconstruct then
   * take `labels` (default: unconditional).
   */
  conditional?: { classes: number };
}

export type ResolvedConfig = Required<Omit<VAEConfig, 'conditional'>> & { conditional?: { classes: number } };

function positiveInt(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ConfigError(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

function widths(value: unknown, name: string): number[] {
  if (!Array.isArray(value)) throw new ConfigError(`${name} must be an array of positive integers, got ${String(value)}`);
  return value.map((v, i) => positiveInt(v, `${name}[${i}]`));
}

const CONFIG_KEYS: readonly (keyof VAEConfig)[] = ['inputDim', 'hidden', 'decoderHidden', 'latentDim', 'activation', 'activationAlpha',
  'likelihood', 'beta', 'seed', 'conditional'];

/** Fills defaults and checks every value; throws ConfigError naming the bad field. */
export function resolveConfig(config: VAEConfig): ResolvedConfig {
  if (!config || typeof config !== 'object') throw new ConfigError('VAE config must be an object');
  checkKeys(config, CONFIG_KEYS, 'VAE config');
  const inputDim = positiveInt(config.inputDim, 'inputDim');
  const latentDim = positiveInt(config.latentDim, 'latentDim');
  const hidden = widths(config.hidden ?? [], 'hidden');
  const decoderHidden = config.decoderHidden === undefined ? [...hidden].reverse() : widths(config.decoderHidden, 'decoderHidden');
  const activation = config.activation ?? 'relu';
  if (!ACTIVATIONS.includes(activation)) {
    throw new ConfigError(`activation must be one of ${ACTIVATIONS.join(', ')}, got ${String(activation)}`);
  }
  const activationAlpha = config.activationAlpha ?? (activation === 'elu' ? 1 : 0.01);
  if (typeof activationAlpha !== 'number' || !Number.isFinite(activationAlpha) || activationAlpha <= 0) {
    throw new ConfigError(`activationAlpha must be a positive number, got ${String(activationAlpha)}`);
  }
  const likelihood = config.likelihood ?? 'bernoulli';
  if (likelihood !== 'bernoulli' && likelihood !== 'gaussian') {
    throw new ConfigError(`likelihood must be 'bernoulli' or 'gaussian', got ${String(likelihood)}`);
  }
  const beta = config.beta ?? 1;
  if (typeof beta !== 'number' || !Number.isFinite(beta) || beta < 0) {
    throw new ConfigError(`beta must be a finite number >= 0, got ${String(beta)}`);
  }
  const seed = config.seed ?? 1;
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new ConfigError(`seed must be an integer in [0, 2^32), got ${String(seed)}`);
  }
  let conditional: { classes: number } | undefined;
  if (config.conditional !== undefined) {
    checkKeys(config.conditional, ['classes'], 'conditional');
    const classes = (config.conditional as { classes?: unknown }).classes;
    if (typeof classes !== 'number' || !Number.isInteger(classes) || classes < 2 || classes > 65_536) {
      throw new ConfigError(`conditional.classes must be an integer from 2 to 65,536, got ${String(classes)}`);
    }
    conditional = { classes };
  }
  // No `conditional` key for an unconditional model: its config (and files) stay as they were.
  return { inputDim, hidden, decoderHidden, latentDim, activation, activationAlpha, likelihood, beta, seed, ...(conditional ? { conditional } : {}) };
}
