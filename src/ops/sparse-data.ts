// Which GEMMs a layer runs: the zero-skipping ones (assembly/gemm.ts) on a matrix that is mostly
// zeros, else the dense ones. Zeros come from the data (MNIST: 81 % of the pixels) and from ReLU
// layers (their outputs, and the gradients flowing back through them). Both kinds of GEMM give
// the same bits, so the choice, made per call from a count of the nonzeros, changes only the time.
import { ACTIVATIONS } from '../model/config.js';
import type { OpContext } from './types.js';

/** Where a layer's input gets its zeros from (set by the layout: src/model/layout.ts). */
export type Zeros = 'data' | 'relu';

/**
 * Matrices with fewer nonzeros than this share go through the zero-skipping GEMMs. Measured
 * (bench/sparse.mjs, 128 MNIST rows, 784 → 400): at MNIST's 19 % nonzero the forward 2.0× and the
 * weight gradient 2.7× faster; at 30 % (zeros spread at random, so that fewer k are zero in four
 * rows at once) 1.25× and 1.30×; at 50 % 0.98× and 0.97× (most panels keep 94 % of their k and
 * are swept densely). A ReLU's zeros are grouped (a unit off for many rows, a channel off in a
 * region: in "dcgan28" 18 % nonzero leave 32 % of 4-row steps, 40 % leave 58 %, 48 % leave 78 %,
 * where random zeros would leave 55 %, 87 % and 93 %), so its limit is higher: at 0.6 rather than
 * 0.5 a "dcgan28" step took 55.6 ms instead of 59–60 (its second conv's input is 48 % nonzero),
 * and the reference MLP is as fast as without skipping ReLUs (its decoder layer is 57 % nonzero
 * with 95 % of steps kept: its panels are swept densely). (An object, so a test can set it.)
 */
export const SPARSE_BELOW: Record<Zeros, number> = { data: 0.3, relu: 0.6 };

/**
 * A matrix with fewer nonzeros than this share goes through the list GEMMs (assembly/gemm-lists.ts:
 * each row's own nonzeros, not those of 4 rows at once): a dense layer's input (forward and weight
 * gradient), an input gradient over a ReLU's zeros (dense, conv2d, and a transposed conv's over
 * its output gradient's patches), a conv's patches, a transposed conv's input.
 * Measured (bench/sparse.mjs, 128 rows; the reference MLP's decoder output layer 400 → 784, zeros
 * at random): against the dense GEMM the forward and the weight gradient 2.3× faster at 30 %
 * nonzero, 1.3× at 57 % (that layer's ReLU input), 1.13× at 65 %, 0.97× / 0.95× at 75 %,
 * 0.85× / 0.7× at 90 %; on MNIST rows (19 % nonzero) 1.5× / 1.25× faster than the 4-row skipping
 * forms; `gemm_nn_lists` on dcgan28's 6272 × 512 × 64 against the 4-row form 1.18× at 70 %,
 * 1.03× at 80 %; since entries are one 8-byte load and narrow last sweeps take two rows at once,
 * the 64-wide conv GEMMs too (second conv's forward, patches 47 % nonzero: 5.7 ms against 6.8 for
 * the 4-row form; first transposed conv's input gradient 5.6 against 6.5). (An object, so a test can set it.)
 */
export const LISTS_BELOW: Record<Zeros, number> = { data: 0.7, relu: 0.7 };

/**
 * A conv layer's output gradient with fewer nonzeros than this share makes its weight gradient
 * go through lists of the gradient's zeros (`gemm_tn_lists_a`), whose time follows that share
 * alone, rather than through the patches' zeros. Measured on dcgan28's second conv (6272 × 64 ×
 * 512; its gradient 21 % nonzero after an epoch, its patches 53 %): on synthetic operands so
 * shaped (`node bench/sparse-conv.mjs`) 3.6 ms against 8.8 for the grouped 4-row form over the
 * patches and 4.9 for 4-channel skipping on the gradient; in training
 * (bench/profile.mjs --arch dcgan28, one thread) 4.0 ms a step, where the grouped form had taken
 * about 6 (its two calls, this and the transposed conv's, 11.8 ms before; the one left 5.8). The
 * lists' time grows with the share, so a denser gradient leaves the choice to the patches' zeros.
 */
export const GRADIENT_LISTS_BELOW: Record<Zeros, number> = { data: 0.3, relu: 0.3 };

/**
 * Whether the n floats at x (their first SAMPLE) have fewer nonzeros than the limit for `zeros`
 * in `limits` (SPARSE_BELOW unless given; never when zeros is undefined); the count stops at the limit.
 */
export function sparseEnough(c: OpContext, zeros: Zeros | undefined, x: number, n: number, limits: Record<Zeros, number> = SPARSE_BELOW): boolean {
  if (zeros === undefined || n === 0) return false;
  const counted = Math.min(n, SAMPLE), limit = Math.ceil(limits[zeros] * counted);
  return c.k.count_nonzero(x, counted, limit) < limit;
}

/**
 * Floats counted from the start of a matrix (its first rows: the batch is shuffled, so they are
 * a fair sample): whole conv activations took 1.2 ms of a 59 ms "dcgan28" step to count.
 */
const SAMPLE = 1 << 16;

/** The ReLU's code in ACTIVATIONS: its outputs and the gradients back through it have exact zeros. */
export const RELU: number = ACTIVATIONS.indexOf('relu');

/** Where a layer's output gradient (after act_backward) gets zeros: a ReLU's is zero wherever its output is. */
export const gradientZeros = (act: number): Zeros | undefined => (act === RELU ? 'relu' : undefined);
