// The reshape op: PyTorch's nn.Unflatten(1, (C, H, W)) after a dense layer: flat rows in PyTorch's
// channel-major order become images held pixel-major (HWC), for the transposed convolutions of a
// decoder. Backward transposes the gradient back.
import { checkKeys } from '../check-keys.js';
import { ConfigError } from '../errors.js';
import type { Op } from './types.js';

export interface ReshapeSpec { kind: 'reshape'; input: number; output: number; channels: number; pixels: number }

/** `{ type: 'reshape', shape: [64, 7, 7] }`: channels × height × width must be the width of the rows before it. */
export interface ReshapeLayer { type: 'reshape'; shape: [number, number, number] }

export const reshape: Op<ReshapeSpec, ReshapeLayer> = {
  parameters: () => [],
  forward(c, s, rows) {
    c.k.transpose_rows(c.buffer[s.output], c.buffer[s.input], rows, s.channels, s.pixels);
  },
  backwardInput(c, s, rows) {
    if (c.gradient[s.input] !== 0) c.k.transpose_rows(c.gradient[s.input], c.gradient[s.output], rows, s.pixels, s.channels);
  },
  units: () => 0,
  backwardParams() {},
  parameterRanges: () => [],
  summary: () => null,
  layer: {
    type: 'reshape',
    build(l, c) {
      checkKeys(l, ['type', 'shape'], c.where);
      const shape = l.shape;
      if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((v) => Number.isInteger(v) && v >= 1)) {
        throw new ConfigError(`${c.where}.shape must be [channels, height, width] of positive integers, got ${JSON.stringify(shape)}`);
      }
      const [C, H, W] = shape;
      if (c.shape) throw new ConfigError(`${c.where}: reshape takes flat rows (after a dense layer), not images`);
      if (C * H * W !== c.width) throw new ConfigError(`${c.where}: shape ${JSON.stringify(shape)} holds ${C * H * W} values, the rows before it ${c.width}`);
      const output = c.buffer(c.width, true);
      return { spec: { kind: 'reshape', input: c.input, output, channels: C, pixels: H * W }, output, width: c.width, modules: 1, shape: [C, H, W] };
    },
  },
};
