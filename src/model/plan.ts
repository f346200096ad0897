// Lays out the shared memory for a model: parameters, optimiser state, and per-worker
// gradients and scratch. Everything here is bytes and offsets; nothing is computed.
import type { Arena } from '../arena.js';
import { splitRange } from '../engine.js';
import type { Ownership, Plan, Workspace } from './plan-types.js';
import { opFor } from '../ops/registry.js';
import type { OpSpec } from '../ops/types.js';
import type { KernelExports } from '../kernels.js';
import type { ResolvedConfig } from './config.js';
import type { ParameterLayout } from './layout.js';

export interface ModelRegions {
  params: number;
  grads: number;
  adamM: number;
  adamV: number;
}

export function allocModel(arena: Arena, layout: ParameterLayout): ModelRegions {
  return {
    params: arena.allocFloats(layout.floats),
    grads: arena.allocFloats(layout.floats),
    adamM: arena.allocFloats(layout.floats),
    adamV: arena.allocFloats(layout.floats),
  };
}

/** The model as a list of ops over numbered buffers, from its parameter layout. */
export function modelOps(config: ResolvedConfig, layout: ParameterLayout): Pick<Plan, 'ops' | 'latentOp' | 'widths' | 'x' | 'head' | 'z' | 'output'> & { hasGradient: boolean[] } {
  const widths: number[] = [], hasGradient: boolean[] = [];
  const buffer = (width: number, gradient: boolean) => { widths.push(width); hasGradient.push(gradient); return widths.length - 1; };
  const x = buffer(config.inputDim, false);
  const outputs = layout.layers.map((l) => buffer(l.outDim, true));
  const eps = buffer(config.latentDim, false), z = buffer(config.latentDim, true);
  const ops: OpSpec[] = [];
  const dense = (i: number, input: number) => {
    const l = layout.layers[i];
    ops.push({ kind: 'dense', input, output: outputs[i], inDim: l.inDim, outDim: l.outDim, weight: l.weight, bias: l.bias, act: l.act });
  };
  for (let i = 0; i < layout.encoderLayers; i++) dense(i, i === 0 ? x : outputs[i - 1]);
  const head = outputs[layout.encoderLayers - 1];
  const latentOp = ops.length;
  ops.push({ kind: 'latent', input: head, output: z, eps, latent: config.latentDim });
  for (let i = layout.encoderLayers; i < layout.layers.length; i++) dense(i, i === layout.encoderLayers ? z : outputs[i - 1]);
  const output = outputs[layout.layers.length - 1];
  ops.push(config.likelihood === 'bernoulli'
    ? { kind: 'bernoulli', input: output, target: x, dim: config.inputDim }
    : { kind: 'gaussian', input: output, target: x, dim: config.inputDim, logVar: layout.outputLogVar });
  return { ops, latentOp, widths, hasGradient, x, head, z, output };
}

/** Splits every op's units (dense: output units; Gaussian: log-variance columns) evenly among the workers. */
export function ownership(ops: OpSpec[], workers: number): Ownership[] {
  const bounds = ops.map((spec) => splitRange(opFor(spec).units(spec), workers));
  return Array.from({ length: workers }, (_, w) => ({ units: bounds.map((b) => [b[w], b[w + 1]] as [number, number]) }));
}

/**
 * Allocates scratch for `workers` workspaces of `rows` rows each and returns the plan. Each
 * buffer is one block for all workspaces, workspace w's rows following workspace w − 1's: a
 * training pass puts its shards one after the other in these blocks (stepPasses), so the
 * parameter gradients of a pass are one GEMM over all its rows (Engine.weightGradients).
 */
export function buildPlan(k: KernelExports, arena: Arena, config: ResolvedConfig, layout: ParameterLayout,
                          model: ModelRegions, workers: number, rows: number): Plan {
  const graph = modelOps(config, layout);
  const stacked = (cols: number): number[] => {
    const base = arena.allocFloats(workers * rows * cols);
    return Array.from({ length: workers }, (_, w) => base + 4 * w * rows * cols);
  };
  const buffers = graph.widths.map((w) => stacked(w));
  const gradients = graph.widths.map((w, i) => (graph.hasGradient[i] ? stacked(w) : undefined));
  const workspaces: Workspace[] = Array.from({ length: workers }, (_, w) => ({
    rows,
    buffers: buffers.map((b) => b[w]),
    gradients: gradients.map((g) => (g ? g[w] : 0)),
    pack: arena.alloc(k.gemm_scratch_bytes()),
  }));
  const alpha = config.activation === 'leaky_relu' || config.activation === 'elu' ? config.activationAlpha : 0;
  return {
    inputDim: config.inputDim,
    latentDim: config.latentDim,
    bernoulli: config.likelihood === 'bernoulli',
    beta: config.beta,
    alpha,
    seed: config.seed,
    ops: graph.ops, latentOp: graph.latentOp, widths: graph.widths, x: graph.x, head: graph.head, z: graph.z, output: graph.output,
    params: model.params,
    grads: model.grads,
    adamM: model.adamM,
    adamV: model.adamV,
    workspaces,
    ownership: ownership(graph.ops, workers),
  };
}

/** torch.nn.Linear's default initialisation: weights and biases uniform in ±1/√in. */
export function initialiseParameters(k: KernelExports, layout: ParameterLayout, params: number, seed: number): void {
  k.fill(params, layout.floats, 0);
  layout.layers.forEach((layer, i) => {
    const bound = 1 / Math.sqrt(layer.inDim);
    k.uniform_fill(params + 4 * layer.weight, layer.outDim * layer.inDim, -bound, bound, seed, 2 * i + 1, 0);
    k.uniform_fill(params + 4 * layer.bias, layer.outDim, -bound, bound, seed, 2 * i + 2, 0);
  });
}
