// The model as ops, and where each parameter tensor lives in the flat parameter vector. The ops
// are those of the equivalent PyTorch module — encoder = Sequential(Linear, act, …, Linear(·,
// 2·latent)) giving [μ | log σ²], decoder = Sequential(Linear(latent, ·), act, …, Linear(·,
// inputDim)) — over numbered buffers; each op declares its own tensors (names, shapes,
// initialisation), which are laid out in op order on 16-float boundaries.
import { opFor } from '../ops/registry.js';
import type { Init, OpSpec } from '../ops/types.js';
import { ACTIVATIONS, type ResolvedConfig } from './config.js';

export interface TensorInfo {
  name: string;
  shape: number[];
  /** Offset in floats from the start of the parameter vector. */
  offset: number;
  size: number;
  init: Init;
}

/** The ops over numbered buffers: which buffer is the data, the head [μ | log σ²], z and the decoder's output. */
export interface ModelGraph {
  ops: OpSpec[];
  latentOp: number;
  /** Floats per row of each buffer, and whether it has a gradient buffer. */
  widths: number[];
  hasGradient: boolean[];
  x: number;
  head: number;
  z: number;
  output: number;
}

export interface ParameterLayout {
  tensors: TensorInfo[];
  /** The ops, their parameter offsets assigned. */
  graph: ModelGraph;
  /** Total floats (tensors start on 16-float boundaries; the gaps stay zero). */
  floats: number;
}

const ALIGN = 16;

export function activationCode(name: string): number {
  return ACTIVATIONS.indexOf(name as (typeof ACTIVATIONS)[number]);
}

/** The reference VAE as a list of ops (parameter offsets still unassigned). */
function modelGraph(config: ResolvedConfig): ModelGraph {
  const widths: number[] = [], hasGradient: boolean[] = [];
  const buffer = (width: number, gradient: boolean) => { widths.push(width); hasGradient.push(gradient); return widths.length - 1; };
  const ops: OpSpec[] = [];
  let layer = 0;
  const stack = (prefix: string, dims: number[], input: number): number => {
    for (let i = 0; i + 1 < dims.length; i++) {
      const output = buffer(dims[i + 1], true), last = i + 2 === dims.length;
      ops.push({ kind: 'dense', name: `${prefix}.${2 * i}`, layer: layer++, input, output, inDim: dims[i], outDim: dims[i + 1],
        weight: -1, bias: -1, act: last ? 0 : activationCode(config.activation) });
      input = output;
    }
    return input;
  };
  // A conditional model joins each row's one-hot class to the encoder's input and the decoder's.
  const classes = config.conditional?.classes ?? 0;
  const conditioned = (input: number, cols: number, gradient: boolean): number => {
    if (!classes) return input;
    const output = buffer(cols + classes, gradient);
    ops.push({ kind: 'condition', input, output, cols, classes });
    return output;
  };
  const x = buffer(config.inputDim, false);
  const head = stack('encoder', [config.inputDim + classes, ...config.hidden, 2 * config.latentDim], conditioned(x, config.inputDim, false));
  const eps = buffer(config.latentDim, false), z = buffer(config.latentDim, true);
  const latentOp = ops.length;
  ops.push({ kind: 'latent', input: head, output: z, eps, latent: config.latentDim });
  const output = stack('decoder', [config.latentDim + classes, ...config.decoderHidden, config.inputDim], conditioned(z, config.latentDim, true));
  ops.push(config.likelihood === 'bernoulli'
    ? { kind: 'bernoulli', input: output, target: x, dim: config.inputDim }
    : { kind: 'gaussian', input: output, target: x, dim: config.inputDim, logVar: -1 });
  return { ops, latentOp, widths, hasGradient, x, head, z, output };
}

/** The model's ops with every tensor they declare placed in the parameter vector, in op order. */
export function parameterLayout(config: ResolvedConfig): ParameterLayout {
  const graph = modelGraph(config);
  const tensors: TensorInfo[] = [];
  let floats = 0;
  for (const spec of graph.ops) {
    for (const t of opFor(spec).parameters(spec)) {
      const size = t.shape.reduce((a, b) => a * b, 1);
      tensors.push({ name: t.name, shape: t.shape, offset: floats, size, init: t.init });
      (spec as unknown as Record<string, number>)[t.field] = floats;
      floats += Math.ceil(size / ALIGN) * ALIGN;
    }
  }
  return { tensors, graph, floats };
}
