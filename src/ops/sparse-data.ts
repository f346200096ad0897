// Which GEMMs a layer on the data rows runs: the zero-skipping ones (assembly/gemm.ts) when the
// values are mostly zeros (MNIST: 81 % of the pixels), else the dense ones. Both give the same bits,
// so the choice, made per call from a count of the nonzeros, changes only the time.
import type { OpContext } from './types.js';

/**
 * Values with fewer nonzeros than this share go through the zero-skipping GEMMs. Measured
 * (bench/sparse.mjs, 128 MNIST rows, 784 → 400): at MNIST's 19 % nonzero the forward 2.0× and the
 * weight gradient 2.7× faster; at 30 % (zeros spread at random, so that fewer k are zero in four
 * rows at once) 1.25× and 1.30×; at 50 % 0.87× and 0.93×. (An object, so a test can set it.)
 */
export const SPARSE_BELOW = { share: 0.3 };

/** Whether the n floats at x are sparse enough to skip their zeros (the scan stops at the limit). */
export function sparseEnough(c: OpContext, x: number, n: number): boolean {
  const limit = Math.ceil(SPARSE_BELOW.share * n);
  return c.k.count_nonzero(x, n, limit) < limit;
}
