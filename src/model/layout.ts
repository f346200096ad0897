// Where each parameter tensor lives in the flat parameter vector, named as in the equivalent
// PyTorch module: encoder = Sequential(Linear, act, …, Linear(·, 2·latent)) giving [μ | log σ²],
// decoder = Sequential(Linear(latent, ·), act, …, Linear(·, inputDim)); weights [out, in].
import { ACTIVATIONS, type ResolvedConfig } from './config.js';

export interface TensorInfo {
  name: string;
  shape: number[];
  /** Offset in floats from the start of the parameter vector. */
  offset: number;
  size: number;
}

export interface DenseLayer {
  inDim: number;
  outDim: number;
  /** Float offsets of the weight [out, in] and bias [out] in the parameter vector. */
  weight: number;
  bias: number;
  /** Activation code applied to this layer's output (see assembly/elementwise.ts). */
  act: number;
}

export interface ParameterLayout {
  tensors: TensorInfo[];
  layers: DenseLayer[];
  /** Number of layers that belong to the encoder (the last of them is the [μ | log σ²] head). */
  encoderLayers: number;
  /** Float offset of the Gaussian decoder's per-dimension log-variance, or −1. */
  outputLogVar: number;
  /** Total floats (tensors start on 16-float boundaries; the gaps stay zero). */
  floats: number;
}

const ALIGN = 16;

export function activationCode(name: string): number {
  return ACTIVATIONS.indexOf(name as (typeof ACTIVATIONS)[number]);
}

export function parameterLayout(config: ResolvedConfig): ParameterLayout {
  const tensors: TensorInfo[] = [];
  const layers: DenseLayer[] = [];
  let floats = 0;
  const add = (name: string, shape: number[]): number => {
    const offset = floats;
    const size = shape.reduce((a, b) => a * b, 1);
    tensors.push({ name, shape, offset, size });
    floats += Math.ceil(size / ALIGN) * ALIGN;
    return offset;
  };
  const hiddenAct = activationCode(config.activation);
  const stack = (prefix: string, dims: number[]) => {
    for (let i = 0; i + 1 < dims.length; i++) {
      const last = i + 2 === dims.length;
      const weight = add(`${prefix}.${2 * i}.weight`, [dims[i + 1], dims[i]]);
      const bias = add(`${prefix}.${2 * i}.bias`, [dims[i + 1]]);
      layers.push({ inDim: dims[i], outDim: dims[i + 1], weight, bias, act: last ? 0 : hiddenAct });
    }
  };
  stack('encoder', [config.inputDim, ...config.hidden, 2 * config.latentDim]);
  const encoderLayers = layers.length;
  stack('decoder', [config.latentDim, ...config.decoderHidden, config.inputDim]);
  const outputLogVar = config.likelihood === 'gaussian' ? add('output_log_var', [config.inputDim]) : -1;
  return { tensors, layers, encoderLayers, outputLogVar, floats };
}
