/** Scale for the summed gradient: 1/batch, times the clipping factor when the mean gradient's norm exceeds clipNorm. */
export function gradientScale(batch: number, sumSquares: number, clipNorm: number): number {
  const mean = 1 / batch;
  if (!(clipNorm > 0)) return mean;
  const norm = Math.sqrt(sumSquares) * mean;
  return norm > clipNorm ? mean * (clipNorm / norm) : mean;
}
