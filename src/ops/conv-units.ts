// How the conv ops' parameters split among workers in the weight-gradient phase: by the columns
// of the weight seen as a [rows, K] matrix (K = channels·k², the patch entries), not by its rows.
// Each worker's weight gradient is then one GEMM over every pixel of the pass for all rows of the
// weight but only its columns of the patches, so no worker packs the others' patch columns
// (measured, dcgan28's 64×512 weights over 6,272 pixels: two 32-row halves 4.58 ms each, two
// 256-column halves 4.11 ms). The worker whose columns end at K also owns the bias, which costs
// a column sum (owning it as extra units unbalanced the work 3:1 on a 64→32 transposed conv).

/** The parameter ranges (float offset, count) of weight columns [u0, u1) of a [rows, K] weight, and the bias if u1 = K. */
export function columnRanges(weight: number, rows: number, K: number, bias: number, biasCount: number, u0: number, u1: number): [number, number][] {
  if (u1 <= u0) return [];
  const ranges: [number, number][] = u0 === 0 && u1 === K ? [[weight, rows * K]]
    : Array.from({ length: rows }, (_, r) => [weight + r * K + u0, u1 - u0] as [number, number]);
  if (u1 === K) ranges.push([bias, biasCount]);
  return ranges;
}
