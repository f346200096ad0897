// The conditional VAE's join (Sohn et al. 2015): each row followed by the one-hot code of its
// class, as input to the encoder and to the decoder. No parameters; backward passes the gradient
// of the row's own columns on (the label columns are data).
import type { Op } from './types.js';

/** Each row followed by the one-hot code of its label: output cols + classes wide. */
export interface ConditionSpec { kind: 'condition'; input: number; output: number; cols: number; classes: number }

export const condition: Op<ConditionSpec> = {
  parameters: () => [],
  forward(c, s, rows, keys) {
    c.k.concat_onehot(c.buffer[s.output], c.buffer[s.input], rows, s.cols, keys.labels, keys.idx, keys.start, s.classes);
  },
  backwardInput(c, s, rows) {
    if (c.gradient[s.input] === 0) return; // the data: nothing to propagate into
    c.k.take_cols(c.gradient[s.input], c.gradient[s.output], rows, s.cols, s.cols + s.classes);
  },
  units: () => 0,
  backwardParams() {},
  parameterRanges: () => [],
  summary: () => null,
};
