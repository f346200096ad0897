import { checkKeys } from '../check-keys.js';
import { ConfigError } from '../errors.js';
import type { LayerConfig } from '../ops/registry.js';

export const ACTIVATIONS = ['identity', 'relu', 'leaky_relu', 'elu', 'tanh', 'sigmoid', 'softplus'] as const;
export type Activation = (typeof ACTIVATIONS)[number];
export type Likelihood = 'bernoulli' | 'gaussian';

/** What defines a VAE's architecture and its randomness. */
export interface VAEConfig {
  /** Length of one input row (784 for MNIST). */
  inputDim: number;
  /** Encoder hidden widths, e.g. [400]: dense layers with the model's activation (default []; or give `encoder`). */
  hidden?: number[];
  /** Decoder hidden widths; defaults to the encoder's in reverse. */
  decoderHidden?: number[];
  /**
   * The encoder's layers before its head, a dense layer to [μ | log σ²] that is always added, in
   * place of `hidden`: e.g. `[{ type: 'dense', units: 400 }, { type: 'dropout', rate: 0.2 }]`.
   * A dense layer's `activation` defaults to the model's.
   */
  encoder?: LayerConfig[];
  /**
   * The decoder's layers from z to the output, in place of `decoderHidden`: the last must give
   * `inputDim` values per row (logits or means; its `activation` defaults to identity).
   * Required with `encoder` unless `decoderHidden` is given.
   */
  decoder?: LayerConfig[];
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
  /**
   * The decoder output layer's bias at the start: 'default' (torch.nn.Linear's initialisation) or
   * 'data-mean', set by the first fit to the training data's per-column mean (Bernoulli: its
   * logit, the mean clipped to [0.001, 0.999], as Burda et al. 2015's code does), so the decoder
   * starts at the data's marginals. Default 'default'.
   */
  outputBias?: 'default' | 'data-mean';
  /**
   * The rows as images, [channels, height, width] with channels × height × width = inputDim, for
   * image layers (conv2d) at the start of the encoder list: rows channel-major as PyTorch's NCHW
   * tensors (an RGB row is all its red values, then green, then blue). Default: flat rows.
   */
  inputShape?: [number, number, number];
}

// Each half of the model is either widths (hidden, decoderHidden) or a layer list (encoder, decoder):
// the resolved config has one of the two keys per half, so it resolves again to itself.
type Optional = 'conditional' | 'encoder' | 'decoder' | 'hidden' | 'decoderHidden' | 'outputBias' | 'inputShape';
export type ResolvedConfig = Required<Omit<VAEConfig, Optional>> & Pick<VAEConfig, Optional>;

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

const CONFIG_KEYS: readonly (keyof VAEConfig)[] = ['inputDim', 'hidden', 'decoderHidden', 'encoder', 'decoder', 'latentDim', 'activation',
  'activationAlpha', 'likelihood', 'beta', 'seed', 'conditional', 'outputBias', 'inputShape'];

/** A list of layers: objects with a `type` (each layer's builder checks the rest when the model is built). */
function layerList(value: unknown, name: string): LayerConfig[] {
  if (!Array.isArray(value)) throw new ConfigError(`${name} must be an array of layers like { type: 'dense', units: 400 }, got ${String(value)}`);
  value.forEach((l, i) => {
    if (!l || typeof l !== 'object' || typeof (l as { type?: unknown }).type !== 'string') {
      throw new ConfigError(`${name}[${i}] must be a layer like { type: 'dense', units: 400 }, got ${JSON.stringify(l) ?? String(l)}`);
    }
  });
  return value as LayerConfig[];
}

/** Which of the two ways to give each half of the model the config uses: widths, or layer lists. */
function layerLists(config: VAEConfig): Pick<VAEConfig, 'encoder' | 'decoder'> {
  if (config.encoder !== undefined && config.hidden !== undefined) throw new ConfigError('give the encoder as hidden widths or as an encoder layer list, not both');
  if (config.decoder !== undefined && config.decoderHidden !== undefined) throw new ConfigError('give the decoder as decoderHidden widths or as a decoder layer list, not both');
  if (config.encoder !== undefined && config.decoder === undefined && config.decoderHidden === undefined) {
    throw new ConfigError('a model with an encoder layer list needs a decoder layer list (or decoderHidden widths)');
  }
  // No `encoder`/`decoder` key unless given: a model of widths keeps its config (and its files).
  return {
    ...(config.encoder !== undefined ? { encoder: layerList(config.encoder, 'encoder') } : {}),
    ...(config.decoder !== undefined ? { decoder: layerList(config.decoder, 'decoder') } : {}),
  };
}

/** Fills defaults and checks every value; throws ConfigError naming the bad field. */
export function resolveConfig(config: VAEConfig): ResolvedConfig {
  if (!config || typeof config !== 'object') throw new ConfigError('VAE config must be an object');
  checkKeys(config, CONFIG_KEYS, 'VAE config');
  const inputDim = positiveInt(config.inputDim, 'inputDim');
  const latentDim = positiveInt(config.latentDim, 'latentDim');
  const lists = layerLists(config);
  const hidden = lists.encoder ? undefined : widths(config.hidden ?? [], 'hidden');
  const decoderHidden = lists.decoder ? undefined
    : config.decoderHidden === undefined ? [...hidden!].reverse() : widths(config.decoderHidden, 'decoderHidden');
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
  const inputShape = config.inputShape;
  if (inputShape !== undefined) {
    if (!Array.isArray(inputShape) || inputShape.length !== 3 || !inputShape.every((v) => Number.isInteger(v) && v >= 1)) {
      throw new ConfigError(`inputShape must be [channels, height, width] of positive integers, got ${JSON.stringify(inputShape)}`);
    }
    if (inputShape[0] * inputShape[1] * inputShape[2] !== inputDim) throw new ConfigError(`inputShape ${JSON.stringify(inputShape)} holds ${inputShape[0] * inputShape[1] * inputShape[2]} values, but inputDim is ${inputDim}`);
  }
  const outputBias = config.outputBias;
  if (outputBias !== undefined && outputBias !== 'default' && outputBias !== 'data-mean') {
    throw new ConfigError(`outputBias must be 'default' or 'data-mean', got ${String(outputBias)}`);
  }
  // No `conditional` (or `outputBias`) key unless given: other models' configs (and files) stay as they were.
  return { inputDim, ...(hidden ? { hidden } : {}), ...(decoderHidden ? { decoderHidden } : {}), ...lists, latentDim, activation, activationAlpha, likelihood, beta, seed, ...(conditional ? { conditional } : {}),
    ...(outputBias ? { outputBias } : {}), ...(inputShape ? { inputShape: [...inputShape] as [number, number, number] } : {}) };
}
