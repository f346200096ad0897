// outputBias: 'data-mean': the decoder's output layer starts at the training data's marginals
// (Burda et al. 2015 initialise the output bias to the logit of the training mean), so early
// steps do not spend themselves learning the average image.
import type { DataRef } from '../engine.js';
import { ConfigError } from '../errors.js';
import type { KernelExports } from '../kernels.js';
import type { ResolvedConfig } from '../model/config.js';
import type { ParameterLayout } from '../model/layout.js';

/** Sets the output layer's bias from `train` when the config asks for it and the model has not been trained yet. */
export function initialiseOutputBias(k: KernelExports, config: ResolvedConfig, layout: ParameterLayout, params: number,
                                     train: DataRef, trainedSteps: number): void {
  if (config.outputBias !== 'data-mean' || trainedSteps > 0) return;
  const { graph } = layout;
  const out = graph.ops.find((s) => s.kind === 'dense' && s.output === graph.output);
  if (!out || out.kind !== 'dense') throw new ConfigError("outputBias 'data-mean' needs a dense layer at the end of the decoder");
  // Bernoulli: the logit of the mean, clipped to [0.001, 0.999] as Burda et al.'s code does; Gaussian: the mean.
  k.column_means(params + 4 * out.bias, train.ptr, train.u8 ? 1 : 0, train.rows, train.cols, config.likelihood === 'bernoulli' ? 0.001 : 0);
}
