// Binarised MNIST as the density-estimation papers use it (Burda et al. 2015; Tomczak & Welling
// 2018): each pixel value p in [0, 1] becomes 1 with probability p. The draw for value (i, j) is
// a pure function of (seed, stream, row index i, column j), as the noise's is (random.ts): dynamic
// binarisation (a fresh draw each epoch: stream = epoch) gives the same bits for any worker count,
// static binarisation (one fixed stream) the same set every time.
import { hash4 } from './random';

/**
 * dst row r = a binarised copy of source row i, where i = idx[r] (i32 array) when idx ≠ 0, else
 * rowOffset + r. Source values are bytes read as byte/255 (srcU8 ≠ 0) or f32 in [0, 1]; dst holds
 * f32 0/1 (dstU8 = 0) or bytes 0/255 (dstU8 ≠ 0). A value is 1 when the draw's top 24 bits, a
 * uniform integer u in [0, 2^24), satisfy u < p·2^24: probability p exactly, up to the 2^-24 grid.
 */
export function binarize_rows(dst: usize, src: usize, srcU8: i32, idx: usize, rowOffset: i32, rows: i32, cols: i32,
                              seed: u32, stream: u32, dstU8: i32): void {
  for (let r = 0; r < rows; r++) {
    const i: u32 = idx ? load<u32>(idx + (<usize>r << 2)) : <u32>(rowOffset + r);
    const from = <usize>i * <usize>cols, to = <usize>r * <usize>cols;
    for (let j = 0; j < cols; j++) {
      const p: f64 = srcU8 ? <f64>load<u8>(src + from + <usize>j) / 255.0 : <f64>load<f32>(src + ((from + <usize>j) << 2));
      const one = <f64>(hash4(seed, stream, i, <u32>j) >> 40) < p * 16777216.0;
      if (dstU8) store<u8>(dst + to + <usize>j, one ? 255 : 0);
      else store<f32>(dst + ((to + <usize>j) << 2), one ? 1 : 0);
    }
  }
}

/**
 * dst[j] = the mean of column j over `rows` rows (bytes read as byte/255, or f32), summed in f64;
 * with clip > 0, the logit of the mean clipped to [clip, 1 − clip] instead: the output bias that
 * starts a Bernoulli decoder at the data's marginals (Burda et al. 2015's code clips at 0.001).
 */
export function column_means(dst: usize, src: usize, srcU8: i32, rows: i32, cols: i32, clip: f64): void {
  for (let j = 0; j < cols; j++) {
    let sum: f64 = 0;
    for (let r = 0; r < rows; r++) {
      const e = <usize>r * <usize>cols + <usize>j;
      sum += srcU8 ? <f64>load<u8>(src + e) / 255.0 : <f64>load<f32>(src + (e << 2));
    }
    let mean = sum / <f64>rows;
    if (clip > 0) {
      mean = Math.min(Math.max(mean, clip), 1 - clip);
      mean = Math.log(mean / (1 - mean));
    }
    store<f32>(dst + (<usize>j << 2), <f32>mean);
  }
}
