import { transpose4 } from './gemm';

// Convolutions as GEMMs (the groundwork of the convolutional VAEs, issue 15). Activations are
// pixel-major with the channels fastest (HWC per row), so that a batch's pixels are the rows of
// one GEMM: conv2d forward = im2col, then Z = P·Wᵀ with the bias and activation fused into the
// tile stores; its input gradient = dZ·W, then col2im; its weight gradient = dZᵀ·P. A patch
// vector is ordered (ky, kx, c): one kernel row of a patch, kw pixels × C channels, is one
// contiguous run of the HWC image, so gathering and scattering patches is copying and adding
// runs. Measured on dcgan28's second conv (128 rows, 32 channels) against PyTorch's (c, ky, kx)
// order, which needed 4×4 register transposes: im2col 1,140 → 310 µs, col2im 1,000 → 350 µs; its
// first (one channel) 250 → 163 µs each.
// The weights are kept in the same order, [out, kh, kw, in] (src/model/tensors.ts permutes them
// to and from PyTorch's [out, in, kh, kw] at the API and in files). The transposed convolution
// is the adjoint pair the other way round.

// Zeroes n floats at dst, a vector at a time (memory.fill's call costs more than a patch row of
// a one-channel image).
// @ts-ignore: decorator
@inline function zeroRun(dst: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), f32x4.splat(0));
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), 0);
}

// Copies (or with `add`, adds) n floats from src to dst, a vector at a time.
// @ts-ignore: decorator
@inline function moveRun(dst: usize, src: usize, n: i32, add: bool): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const d = dst + (<usize>i << 2), v = v128.load(src + (<usize>i << 2));
    v128.store(d, add ? f32x4.add(v128.load(d), v) : v);
  }
  for (; i < n; i++) {
    const d = dst + (<usize>i << 2), v = load<f32>(src + (<usize>i << 2));
    store<f32>(d, add ? load<f32>(d) + v : v);
  }
}

/**
 * The one walk over every patch of `rows` HWC images, in order: gathers each kernel row of a
 * patch into the patch rows (im2col), or adds it back onto its pixels (col2im, scatter). The
 * kernel columns inside the image, [kx0, kx1), are found once per output pixel, so each kernel
 * row is at most a run of zeros, one contiguous run of (kx1 − kx0)·C values and zeros again.
 */
// @ts-ignore: decorator
@inline function walkPatches(img: usize, cols: usize, rows: i32, H: i32, W: i32, C: i32, kh: i32, kw: i32,
                             stride: i32, pad: i32, Ho: i32, Wo: i32, scatter: bool): void {
  const image = <usize>H * <usize>W * <usize>C, rowBytes = (<usize>W * <usize>C) << 2, kernelRow = (<usize>kw * <usize>C) << 2;
  let at = cols;
  for (let r = 0; r < rows; r++) {
    const x = img + ((<usize>r * image) << 2);
    for (let oy = 0; oy < Ho; oy++) {
      const y0 = oy * stride - pad;
      for (let ox = 0; ox < Wo; ox++) {
        const x0 = ox * stride - pad;
        if (C == 1 && kw == 4 && x0 >= 0 && x0 + 4 <= W) {
          // A one-channel image's 4-wide patch inside its columns: a kernel row is one vector.
          for (let ky = 0; ky < kh; ky++) {
            const iy = y0 + ky, p = x + <usize>iy * rowBytes + (<usize>x0 << 2);
            if (iy < 0 || iy >= H) { if (!scatter) v128.store(at, f32x4.splat(0)); }
            else if (scatter) v128.store(p, f32x4.add(v128.load(p), v128.load(at)));
            else v128.store(at, v128.load(p));
            at += 16;
          }
          continue;
        }
        const kx0 = max(0, -x0), kx1 = max(kx0, min(kw, W - x0));
        const before = kx0 * C, inside = (kx1 - kx0) * C, after = (kw - kx1) * C, row = kw * C;
        for (let ky = 0; ky < kh; ky++) {
          const iy = y0 + ky;
          if (iy < 0 || iy >= H) {
            if (!scatter) zeroRun(at, row);
          } else {
            const p = x + <usize>iy * rowBytes + ((<usize>(x0 + kx0) * <usize>C) << 2), q = at + (<usize>before << 2);
            if (!scatter) zeroRun(at, before);
            if (scatter) moveRun(p, q, inside, true);
            else moveRun(q, p, inside, false);
            if (!scatter) zeroRun(q + (<usize>inside << 2), after);
          }
          at += kernelRow;
        }
      }
    }
  }
}

/**
 * Patches of `rows` images (H × W × C each, HWC) as rows: dst[(r·Ho + oy)·Wo + ox][(ky·kw + kx)·C + c]
 * = x_r(oy·stride − pad + ky, ox·stride − pad + kx, c), 0 outside the image.
 */
export function im2col(dst: usize, src: usize, rows: i32, H: i32, W: i32, C: i32, kh: i32, kw: i32,
                       stride: i32, pad: i32, Ho: i32, Wo: i32): void {
  walkPatches(src, dst, rows, H, W, C, kh, kw, stride, pad, Ho, Wo, false);
}

/**
 * The adjoint of im2col: each patch value added back to the pixel it came from,
 * dst_r(iy, ix, c) (+)= Σ over the patches that read it; dst is zeroed first unless `accumulate`.
 * Patches are visited in order, so every pixel's sum has one fixed order.
 */
export function col2im(dst: usize, src: usize, rows: i32, H: i32, W: i32, C: i32, kh: i32, kw: i32,
                       stride: i32, pad: i32, Ho: i32, Wo: i32, accumulate: i32): void {
  if (!accumulate) memory.fill(dst, 0, (<usize>rows * <usize>H * <usize>W * <usize>C) << 2);
  walkPatches(dst, src, rows, H, W, C, kh, kw, stride, pad, Ho, Wo, true);
}

/**
 * Per row, an a × b matrix transposed: dst_r[j][i] = src_r[i][j]. HWC (a = pixels, b = channels)
 * to CHW, which is the order PyTorch's flatten gives a dense layer; with a and b swapped, back.
 * 4×4 blocks go through registers (dcgan28's 49 × 64 per row: 0.66 ms a 128-row batch one float
 * at a time), the edges one float at a time.
 */
export function transpose_rows(dst: usize, src: usize, rows: i32, a: i32, b: i32): void {
  const size = <usize>a * <usize>b, a4 = a & ~3, b4 = b & ~3;
  const srcRow = <usize>b << 2, dstRow = <usize>a << 2;
  for (let r = 0; r < rows; r++) {
    const s = src + ((<usize>r * size) << 2), d = dst + ((<usize>r * size) << 2);
    for (let i = 0; i < a4; i += 4) {
      for (let j = 0; j < b4; j += 4) transpose4(s + <usize>i * srcRow + (<usize>j << 2), srcRow, d + <usize>j * dstRow + (<usize>i << 2), dstRow);
    }
    for (let i = 0; i < a; i++) {
      for (let j = i < a4 ? b4 : 0; j < b; j++) store<f32>(d + <usize>j * dstRow + (<usize>i << 2), load<f32>(s + <usize>i * srcRow + (<usize>j << 2)));
    }
  }
}
