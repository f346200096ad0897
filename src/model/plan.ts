// Lays out the shared memory for a model: parameters, optimiser state, and per-worker
// gradients and scratch. Everything here is bytes and offsets; nothing is computed.
import type { Arena } from '../arena.js';
import { type Ownership, type Plan, splitRange, type Workspace } from '../engine.js';
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

/** Splits every layer's output units (and the log-variance columns) evenly among the workers. */
export function ownership(config: ResolvedConfig, layout: ParameterLayout, workers: number): Ownership[] {
  const unitBounds = layout.layers.map((l) => splitRange(l.outDim, workers));
  const logVarBounds = splitRange(layout.outputLogVar >= 0 ? config.inputDim : 0, workers);
  return Array.from({ length: workers }, (_, w) => ({
    units: unitBounds.map((b) => [b[w], b[w + 1]] as [number, number]),
    logVar: [logVarBounds[w], logVarBounds[w + 1]] as [number, number],
  }));
}

/**
 * Allocates scratch for `workers` workspaces of `rows` rows each and returns the plan. Each
 * buffer is one block for all workspaces, workspace w's rows following workspace w − 1's: a
 * training pass puts its shards one after the other in these blocks (stepPasses), so the weight
 * gradients of a pass are one GEMM over all its rows (Engine.weightGradients).
 */
export function buildPlan(k: KernelExports, arena: Arena, config: ResolvedConfig, layout: ParameterLayout,
                          model: ModelRegions, workers: number, rows: number): Plan {
  const stacked = (cols: number): number[] => {
    const base = arena.allocFloats(workers * rows * cols);
    return Array.from({ length: workers }, (_, w) => base + 4 * w * rows * cols);
  };
  const x = stacked(config.inputDim), eps = stacked(config.latentDim), z = stacked(config.latentDim), dz = stacked(config.latentDim);
  const acts = layout.layers.map((l) => stacked(l.outDim)), dY = layout.layers.map((l) => stacked(l.outDim));
  const workspaces: Workspace[] = Array.from({ length: workers }, (_, w) => ({
    rows,
    x: x[w],
    acts: acts.map((a) => a[w]),
    dY: dY.map((d) => d[w]),
    eps: eps[w],
    z: z[w],
    dz: dz[w],
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
    layers: layout.layers,
    encoderLayers: layout.encoderLayers,
    outputLogVar: layout.outputLogVar,
    params: model.params,
    grads: model.grads,
    adamM: model.adamM,
    adamV: model.adamV,
    workspaces,
    ownership: ownership(config, layout, workers),
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
