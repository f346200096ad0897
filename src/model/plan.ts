// Lays out the shared memory for a model: parameters, optimiser state, and per-worker
// gradients and scratch. Everything here is bytes and offsets; nothing is computed.
import type { Arena } from '../arena.js';
import { splitRange } from '../engine.js';
import type { Ownership, Plan, Workspace } from './plan-types.js';
import { opFor } from '../ops/registry.js';
import type { OpSpec } from '../ops/registry.js';
import type { KernelExports } from '../kernels.js';
import type { ResolvedConfig } from './config.js';
import type { ParameterLayout } from './layout.js';
import { writeTensor } from './tensors.js';

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
  const graph = layout.graph;
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
    rowTerms: arena.allocFloats(2 * rows),
    rowIndex: arena.alloc(4 * rows),
  }));
  return {
    inputDim: config.inputDim,
    latentDim: config.latentDim,
    bernoulli: config.likelihood === 'bernoulli',
    beta: config.beta,
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

/**
 * Every tensor as its op declared it: zeros, or uniform in ±bound from its seeded stream (torch.nn.Linear's scheme for dense ops).
 * The stream fills each tensor in PyTorch's order (a channels-last one is drawn into the gradient
 * region, still unused, and moved into place), so a seed gives the same model whatever the layout.
 */
export function initialiseParameters(k: KernelExports, arena: Arena, layout: ParameterLayout, model: ModelRegions, seed: number): void {
  k.fill(model.params, layout.floats, 0);
  for (const t of layout.tensors) {
    if (t.init.kind !== 'uniform') continue;
    const drawn = t.channelsLast ? model.grads : model.params;
    k.uniform_fill(drawn + 4 * t.offset, t.size, -t.init.bound, t.init.bound, seed, t.init.stream, 0);
    if (t.channelsLast) writeTensor(arena, model.params, t, arena.f32(drawn + 4 * t.offset, t.size));
  }
  k.fill(model.grads, layout.floats, 0);
}
