// The model as ops, and where each parameter tensor lives in the flat parameter vector. The ops
// are those of the equivalent PyTorch module — encoder = Sequential(layers…, Linear(·, 2·latent))
// giving [μ | log σ²], decoder = Sequential(layers…) ending in inputDim values — over numbered
// buffers. Widths (`hidden: [400]`) are the layer list [Linear(·, 400), ReLU]; each layer's
// builder (in its op's file) checks its config and makes its op; each op declares its own tensors
// (names, shapes, initialisation), which are laid out in op order on 16-float boundaries.
import { ConfigError } from '../errors.js';
import { LAYERS, type LayerConfig, opFor, type OpSpec } from '../ops/registry.js';
import type { Init } from '../ops/types.js';
import { RELU, type Zeros } from '../ops/sparse-data.js';
import { ACTIVATIONS, type ResolvedConfig } from './config.js';

export interface TensorInfo {
  name: string;
  shape: number[];
  /** Offset in floats from the start of the parameter vector. */
  offset: number;
  size: number;
  init: Init;
  /** Held channels-last (see TensorDecl): read and write it through src/model/tensors.ts. */
  channelsLast?: boolean;
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

/** The encoder's layers (before its head) and the decoder's (to the output), from widths or from the config's lists. */
function layerLists(config: ResolvedConfig): { encoder: LayerConfig[]; decoder: LayerConfig[] } {
  const dense = (units: number): LayerConfig => ({ type: 'dense', units });
  return {
    encoder: config.encoder ?? config.hidden!.map(dense),
    decoder: config.decoder ?? [...config.decoderHidden!.map(dense), { type: 'dense', units: config.inputDim }],
  };
}

/** The VAE as a list of ops over numbered buffers (parameter offsets still unassigned); ConfigError for a bad layer. */
function modelGraph(config: ResolvedConfig): ModelGraph {
  const widths: number[] = [], hasGradient: boolean[] = [];
  const buffer = (width: number, gradient: boolean) => { widths.push(width); hasGradient.push(gradient); return widths.length - 1; };
  const ops: OpSpec[] = [];
  let layer = 0; // layers with parameters so far: the dense layers' initialisation streams
  const model = activationCode(config.activation);
  const alpha = (act: number) => (act === model ? config.activationAlpha : ACTIVATIONS[act] === 'elu' ? 1 : 0.01);
  // Layers in a Sequential named `prefix`; the last layer's activation defaults to `lastAct`.
  const stack = (prefix: string, layers: LayerConfig[], input: number, width: number, lastAct: number,
                 shape?: [number, number, number]): [number, number, [number, number, number] | undefined] => {
    let module = 0;
    layers.forEach((l, i) => {
      const builder = LAYERS.get(l.type);
      const where = `${prefix}[${i}]`;
      if (!builder) throw new ConfigError(`${where}.type must be one of ${[...LAYERS.keys()].join(', ')}, got ${JSON.stringify(l.type)}`);
      const built = builder.build(l, { input, width, shape, buffer, name: `${prefix}.${module}`, layer, index: ops.length, where,
        activation: i === layers.length - 1 ? lastAct : model, alpha });
      shape = built.shape;
      if (opFor(built.spec).parameters(built.spec).length) layer++;
      ops.push(built.spec);
      module += built.modules;
      input = built.output;
      width = built.width;
    });
    return [input, width, shape];
  };
  // A conditional model joins each row's one-hot class to the encoder's input and the decoder's.
  const classes = config.conditional?.classes ?? 0;
  const conditioned = (input: number, cols: number, gradient: boolean): number => {
    if (!classes) return input;
    const output = buffer(cols + classes, gradient);
    ops.push({ kind: 'condition', input, output, cols, classes });
    return output;
  };
  const lists = layerLists(config);
  const x = buffer(config.inputDim, false);
  const identity = activationCode('identity');
  // The encoder's head, a dense layer to [μ | log σ²], is always there: the layer list is what comes before it.
  // Image rows (inputShape) keep their shape into the encoder's image layers; a conditional model's rows are flat.
  const [C, H, W] = config.inputShape ?? [1, 1, config.inputDim];
  // The rows are images to the encoder when it starts with image layers; before dense layers the
  // shape is only what pictures of the model need.
  const firstLayer = lists.encoder.find((l) => l.type !== 'dropout');
  const imageRows = !classes && config.inputShape !== undefined && firstLayer?.type === 'conv2d';
  // Data rows are channel-major (CHW, as PyTorch and loadImageFolder hold them); image layers hold
  // pixels channel-last (HWC: a patch's channels are adjacent). With one channel the two orders are
  // the same; with more, a transpose op leads into the encoder and one ends the decoder.
  let encoderInput = conditioned(x, config.inputDim, false);
  if (imageRows && C > 1) {
    const hwc = buffer(config.inputDim, false);
    ops.push({ kind: 'reshape', input: x, output: hwc, channels: C, pixels: H * W });
    encoderInput = hwc;
  }
  const head = stack('encoder', [...lists.encoder, { type: 'dense', units: 2 * config.latentDim }],
    encoderInput, config.inputDim + classes, identity, imageRows ? config.inputShape : undefined)[0];
  const eps = buffer(config.latentDim, false), z = buffer(config.latentDim, true);
  const latentOp = ops.length;
  ops.push({ kind: 'latent', input: head, output: z, eps, latent: config.latentDim });
  const [decoded, width, shape] = stack('decoder', lists.decoder, conditioned(z, config.latentDim, true), config.latentDim + classes, identity);
  let output = decoded;
  const last = lists.decoder.length ? `decoder[${lists.decoder.length - 1}]` : 'the decoder list is empty';
  if (width !== config.inputDim) {
    throw new ConfigError(`the decoder's last layer must give inputDim = ${config.inputDim} values per row, got ${width} (${last})`);
  }
  if (shape) {
    if (config.inputShape && shape.join() !== config.inputShape.join()) {
      throw new ConfigError(`the decoder's last layer gives images of ${shape.join('×')}, but inputShape is ${config.inputShape.join('×')} (${last})`);
    }
    if (shape[0] > 1) {
      const chw = buffer(width, true);
      ops.push({ kind: 'flatten', input: output, output: chw, pixels: shape[1] * shape[2], channels: shape[0] });
      output = chw;
    }
  }
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
      tensors.push({ name: t.name, shape: t.shape, offset: floats, size, init: t.init, ...(t.channelsLast ? { channelsLast: true } : {}) });
      (spec as unknown as Record<string, number>)[t.field] = floats;
      floats += Math.ceil(size / ALIGN) * ALIGN;
    }
  }
  // A layer on the data rows or on a ReLU's output (themselves, reshaped or flattened, with one-hot
  // labels appended or after dropout: as sparse or sparser) may skip their zeros (src/ops/sparse-data.ts).
  const zeros = new Map<number, Zeros>([[graph.x, 'data']]);
  for (const s of graph.ops) {
    const from = 'input' in s ? zeros.get(s.input) : undefined;
    if (s.kind === 'reshape' || s.kind === 'flatten' || s.kind === 'condition' || s.kind === 'dropout') {
      if (from) zeros.set(s.output, from);
    } else if (s.kind === 'dense' || s.kind === 'conv2d' || s.kind === 'conv-transpose2d') {
      if (from) s.inputZeros = from;
      if (s.act === RELU) zeros.set(s.output, 'relu');
    }
  }
  return { tensors, graph, floats };
}
