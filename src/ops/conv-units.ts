// How the conv ops' parameters split among workers in the weight-gradient phase: by the columns
// of the weight seen as a [rows, K] matrix (K = channels·k², the patch entries), not by its rows.
// Each worker's weight gradient is then one GEMM over every pixel of the pass for all rows of the
// weight but only its columns of the patches, so no worker packs the others' patch columns
// (measured, dcgan28's 64×512 weights over 6,272 pixels: two 32-row halves 4.58 ms each, two
// 256-column halves 4.11 ms). The bias's channels go with the columns in proportion (the owner
// of columns [u0, u1) sums channels [u0·O/K, u1·O/K)): each channel is one column sum over the
// rows in order, whoever computes it. (With the whole bias owned with the last columns, the
// other worker waited 0.34–0.54 ms at the gradient barrier of a 30 ms dcgan28 step; split, the
// 2-worker rate was 1.006× in 5 alternating pairs, within this machine's noise. Bias entries as
// units of their own unbalanced a 64→32 transposed conv 3:1.)

/** The bias channels [o0, o1) that go with weight columns [u0, u1) of K, for `channels` channels. */
export function biasShare(channels: number, K: number, u0: number, u1: number): [number, number] {
  return [Math.floor((u0 * channels) / K), Math.floor((u1 * channels) / K)];
}

/** The parameter ranges (float offset, count) of weight columns [u0, u1) of a [rows, K] weight, and of their bias channels. */
export function columnRanges(weight: number, rows: number, K: number, bias: number, biasCount: number, u0: number, u1: number): [number, number][] {
  if (u1 <= u0) return [];
  const ranges: [number, number][] = u0 === 0 && u1 === K ? [[weight, rows * K]]
    : Array.from({ length: rows }, (_, r) => [weight + r * K + u0, u1 - u0] as [number, number]);
  const [o0, o1] = biasShare(biasCount, K, u0, u1);
  if (o1 > o0) ranges.push([bias + o0, o1 - o0]);
  return ranges;
}
