// Convolutions as GEMMs (the groundwork of the convolutional VAEs, issue 15). Activations are
// pixel-major with the channels fastest (HWC per row), so that a batch's pixels are the rows of
// one GEMM: conv2d forward = im2col, then Z = P·Wᵀ with the bias and activation fused into the
// tile stores; its input gradient = dZ·W, then col2im; its weight gradient = dZᵀ·P. A patch
// vector is ordered (c, ky, kx), PyTorch's [out, in, kh, kw] weight layout, so parameters and
// files need no permutation. The transposed convolution is the adjoint pair the other way round.

/**
 * The one walk over every patch value of `rows` HWC images, in patch order: gathers each value
 * into the patch rows (im2col), or adds each patch value back onto its pixel (col2im, scatter).
 * The kernel columns inside the image, [kx0, kx1), are found once per output pixel and the rows
 * outside it skipped whole, so the inner loop has no bounds test (measured: the per-value test
 * made im2col and col2im 30 % of a dcgan28 step).
 */
// @ts-ignore: decorator
@inline function walkPatches(img: usize, cols: usize, rows: i32, H: i32, W: i32, C: i32, kh: i32, kw: i32,
                             stride: i32, pad: i32, Ho: i32, Wo: i32, scatter: bool): void {
  const image = <usize>H * <usize>W * <usize>C, rowBytes = (<usize>W * <usize>C) << 2, cBytes = <usize>C << 2;
  let at = cols;
  for (let r = 0; r < rows; r++) {
    const x = img + ((<usize>r * image) << 2);
    for (let oy = 0; oy < Ho; oy++) {
      const y0 = oy * stride - pad;
      for (let ox = 0; ox < Wo; ox++) {
        const x0 = ox * stride - pad;
        const kx0 = max(0, -x0), kx1 = min(kw, W - x0);
        for (let c = 0; c < C; c++) {
          for (let ky = 0; ky < kh; ky++) {
            const iy = y0 + ky;
            if (iy < 0 || iy >= H || kx1 <= kx0) {
              if (!scatter) memory.fill(at, 0, <usize>kw << 2);
              at += <usize>kw << 2;
              continue;
            }
            if (!scatter) for (let kx = 0; kx < kx0; kx++) store<f32>(at + (<usize>kx << 2), 0);
            let p = x + <usize>iy * rowBytes + ((<usize>(x0 + kx0) * <usize>C + <usize>c) << 2);
            for (let kx = kx0; kx < kx1; kx++) {
              const q = at + (<usize>kx << 2);
              if (scatter) store<f32>(p, load<f32>(p) + load<f32>(q));
              else store<f32>(q, load<f32>(p));
              p += cBytes;
            }
            if (!scatter) for (let kx = kx1; kx < kw; kx++) store<f32>(at + (<usize>kx << 2), 0);
            at += <usize>kw << 2;
          }
        }
      }
    }
  }
}

/**
 * Patches of `rows` images (H × W × C each, HWC) as rows: dst[(r·Ho + oy)·Wo + ox][c·kh·kw + ky·kw + kx]
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
 */
export function transpose_rows(dst: usize, src: usize, rows: i32, a: i32, b: i32): void {
  const size = <usize>a * <usize>b;
  for (let r = 0; r < rows; r++) {
    const s = src + ((<usize>r * size) << 2), d = dst + ((<usize>r * size) << 2);
    for (let i = 0; i < a; i++) {
      for (let j = 0; j < b; j++) store<f32>(d + ((<usize>j * <usize>a + <usize>i) << 2), load<f32>(s + ((<usize>i * <usize>b + <usize>j) << 2)));
    }
  }
}
