// Principal components of a small point cloud (rows × d with d the latent size, ≤ a few hundred),
// for drawing a latent space of more than two dimensions on a page. This is analysis of the
// posterior means for a picture, done once on a d × d matrix; no model arithmetic happens here.

export interface Projection {
  /** rows × 2: the coordinates on the first two principal axes. */
  xy: Float32Array;
  /** Share of the total variance along each of the two axes. */
  explained: [number, number];
}

/** Eigenvectors of a symmetric matrix by cyclic Jacobi rotations (Golub & Van Loan §8.5); returns values and column vectors. */
function symmetricEigen(a: Float64Array, d: number): { values: Float64Array; vectors: Float64Array } {
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += a[p * d + q] ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * d + q] - a[p * d + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < d; k++) { // A ← A·J
          const akp = a[k * d + p], akq = a[k * d + q];
          a[k * d + p] = c * akp - s * akq; a[k * d + q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) { // A ← Jᵀ·A
          const apk = a[p * d + k], aqk = a[q * d + k];
          a[p * d + k] = c * apk - s * aqk; a[q * d + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < d; k++) { // V ← V·J
          const vkp = v[k * d + p], vkq = v[k * d + q];
          v[k * d + p] = c * vkp - s * vkq; v[k * d + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(d);
  for (let i = 0; i < d; i++) values[i] = a[i * d + i];
  return { values, vectors: v };
}

/** Projects rows × d points onto their first two principal axes (each axis's sign fixed for repeatability). */
export function pca2(points: Float32Array, rows: number, d: number): Projection {
  const mean = new Float64Array(d);
  for (let r = 0; r < rows; r++) for (let j = 0; j < d; j++) mean[j] += points[r * d + j];
  for (let j = 0; j < d; j++) mean[j] /= rows;
  const cov = new Float64Array(d * d);
  const centred = new Float64Array(d);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < d; j++) centred[j] = points[r * d + j] - mean[j];
    for (let i = 0; i < d; i++) for (let j = i; j < d; j++) cov[i * d + j] += centred[i] * centred[j];
  }
  for (let i = 0; i < d; i++) for (let j = i; j < d; j++) { cov[i * d + j] /= Math.max(1, rows - 1); cov[j * d + i] = cov[i * d + j]; }
  const { values, vectors } = symmetricEigen(cov, d);
  const order = Array.from({ length: d }, (_, i) => i).sort((a, b) => values[b] - values[a]);
  const total = values.reduce((s, x) => s + Math.max(0, x), 0) || 1;
  const axes = order.slice(0, 2).map((c) => {
    const axis = Array.from({ length: d }, (_, k) => vectors[k * d + c]);
    const big = axis.reduce((m, x) => (Math.abs(x) > Math.abs(m) ? x : m), 0);
    return big < 0 ? axis.map((x) => -x) : axis; // largest loading positive
  });
  const xy = new Float32Array(2 * rows);
  for (let r = 0; r < rows; r++) {
    for (let a = 0; a < 2 && a < axes.length; a++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (points[r * d + j] - mean[j]) * axes[a][j];
      xy[2 * r + a] = s;
    }
  }
  return { xy, explained: [Math.max(0, values[order[0]]) / total, d > 1 ? Math.max(0, values[order[1]]) / total : 0] };
}
