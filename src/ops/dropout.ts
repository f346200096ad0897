// The dropout op (Srivastava et al. 2014), inverted: in training each value is kept with
// probability 1 − rate and scaled by 1/(1 − rate); in evaluation, encode and decode it passes
// values through. The mask is keyed by the rows' dataset indices (assembly/dropout.ts), so any
// worker count draws the same masks; it is kept per row for the backward pass.
import { checkKeys } from '../check-keys.js';
import { ConfigError } from '../errors.js';
import type { Op, OpContext } from './types.js';

/** Dropout over `cols` values per row; `mask` is its scratch buffer, `salt` its noise stream. */
export interface DropoutSpec { kind: 'dropout'; name: string; input: number; output: number; mask: number; cols: number; rate: number; salt: number }

/** `{ type: 'dropout', rate: 0.2 }` in an encoder or decoder list: the share of values zeroed in training, in [0, 1). */
export interface DropoutLayer { type: 'dropout'; rate: number }

/** The kernels of assembly/dropout.ts (byte offsets). */
export interface DropoutKernels {
  dropout_forward(x: number, y: number, mask: number, rows: number, cols: number, idx: number, rowOffset: number,
    seed: number, stream: number, salt: number, rate: number, train: number): void;
  dropout_backward(dy: number, mask: number, dx: number, n: number): void;
}
const kernels = (c: OpContext) => c.k as unknown as DropoutKernels;

export const dropout: Op<DropoutSpec, DropoutLayer> = {
  parameters: () => [],
  forward(c, s, rows, keys, train) {
    kernels(c).dropout_forward(c.buffer[s.input], c.buffer[s.output], c.buffer[s.mask], rows, s.cols, keys.idx, keys.start,
      keys.seed, keys.stream, s.salt, s.rate, train ? 1 : 0);
  },
  backwardInput(c, s, rows) {
    if (c.gradient[s.input] === 0) return; // the data: nothing to propagate into
    kernels(c).dropout_backward(c.gradient[s.output], c.buffer[s.mask], c.gradient[s.input], rows * s.cols);
  },
  units: () => 0,
  backwardParams() {},
  parameterRanges: () => [],
  summary: (s) => ({ name: s.name, kind: 'dropout', input: s.cols, output: s.cols, activation: `p = ${s.rate}`, parameters: 0 }),
  layer: {
    type: 'dropout',
    build(l, c) {
      checkKeys(l, ['type', 'rate'], c.where);
      if (typeof l.rate !== 'number' || !(l.rate >= 0 && l.rate < 1)) {
        throw new ConfigError(`${c.where}.rate must be a number in [0, 1), got ${String(l.rate)}`);
      }
      const output = c.buffer(c.width, true), mask = c.buffer(c.width, false);
      return { spec: { kind: 'dropout', name: c.name, input: c.input, output, mask, cols: c.width, rate: l.rate, salt: c.index }, output, width: c.width, modules: 1, shape: c.shape };
    },
  },
};
