// The flatten op: PyTorch's nn.Flatten after image layers. Images are held pixel-major (HWC);
// flatten gives the channel-major (CHW) order PyTorch flattens in, so the dense layer after it
// has PyTorch's weight layout. Backward transposes the gradient back.
import { checkKeys } from '../check-keys.js';
import { ConfigError } from '../errors.js';
import type { Op } from './types.js';

export interface FlattenSpec { kind: 'flatten'; input: number; output: number; pixels: number; channels: number }

/** `{ type: 'flatten' }` after image layers (conv2d), before dense ones. */
export interface FlattenLayer { type: 'flatten' }

export const flatten: Op<FlattenSpec, FlattenLayer> = {
  parameters: () => [],
  forward(c, s, rows) {
    c.k.transpose_rows(c.buffer[s.output], c.buffer[s.input], rows, s.pixels, s.channels);
  },
  backwardInput(c, s, rows) {
    if (c.gradient[s.input] !== 0) c.k.transpose_rows(c.gradient[s.input], c.gradient[s.output], rows, s.channels, s.pixels);
  },
  units: () => 0,
  backwardParams() {},
  parameterRanges: () => [],
  summary: () => null,
  layer: {
    type: 'flatten',
    build(l, c) {
      checkKeys(l, ['type'], c.where);
      if (!c.shape) throw new ConfigError(`${c.where}: flatten needs image rows before it (a conv2d layer or the model's inputShape)`);
      const [C, H, W] = c.shape, output = c.buffer(c.width, true);
      return { spec: { kind: 'flatten', input: c.input, output, pixels: H * W, channels: C }, output, width: c.width, modules: 1 };
    },
  },
};
