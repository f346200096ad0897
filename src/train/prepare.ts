// The data of a fit as its options ask: binarised (dynamic or static), with the importance
// samples of the IWAE objective attached, and the output bias set from it on a first fit.
import { binarizeLoaded } from '../data/binarize.js';
import type { DataRef } from '../engine.js';
import { ConfigError } from '../errors.js';
import type { KernelExports } from '../kernels.js';
import type { Arena } from '../arena.js';
import type { ResolvedConfig } from '../model/config.js';
import type { ParameterLayout } from '../model/layout.js';
import { initialiseOutputBias } from './output-bias.js';
import type { ResolvedFit } from './options.js';

export interface FitData {
  k: KernelExports;
  arena: Arena;
  config: ResolvedConfig;
  layout: ParameterLayout;
  params: number;
  /** Optimiser steps the model has taken (the output bias is set only before the first). */
  trainedSteps: number;
  /** Rows a workspace holds: the most importance samples a row can have. */
  capacity: number;
}

/** The training and validation rows, prepared; typed errors for an objective the model cannot train with. */
export function prepareFitData(m: FitData, fit: ResolvedFit, train: DataRef, validation: DataRef | undefined): { train: DataRef; validation?: DataRef } {
  const samples = fit.objective.kind === 'iwae' ? fit.objective.samples : 1;
  if (samples > 1) {
    // The weights reweigh the Bernoulli gradient σ(l) − x per sample; the Gaussian's log-variance
    // gradient is summed over rows in another phase without them, and β ≠ 1 is not a bound.
    if (m.config.likelihood !== 'bernoulli') throw new ConfigError("objective 'iwae' needs a Bernoulli likelihood (this model's is Gaussian)");
    if (m.config.beta !== 1) throw new ConfigError(`objective 'iwae' is a bound on log p(x) only with beta 1 (this model's is ${m.config.beta})`);
    if (fit.betaSchedule) throw new ConfigError("objective 'iwae' cannot be combined with a betaSchedule");
    if (samples > m.capacity) throw new ConfigError(`objective.samples must be at most ${m.capacity} (CreateOptions.chunkRows), got ${samples}`);
  }
  const seed = m.config.seed;
  const ready = { ...binarizeLoaded(m.k, m.arena, train, fit.binarize, seed, 'training data'), ...(samples > 1 ? { samples } : {}) };
  initialiseOutputBias(m.k, m.config, m.layout, m.params, ready, m.trainedSteps);
  const checked = validation && binarizeLoaded(m.k, m.arena, validation, fit.binarize === 'none' ? 'none' : 'static', seed, 'validation data');
  return { train: ready, validation: checked };
}
