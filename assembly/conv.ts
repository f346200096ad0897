// Convolutions as GEMMs (the groundwork of the convolutional VAEs, issue 15). Activations are
// pixel-major with the channels fastest (HWC per row), so that a batch's pixels are the rows of
// one GEMM: conv2d forward = im2col, then Z = P·Wᵀ with the bias and activation fused into the
// tile stores; its input gradient = dZ·W, then col2im; its weight gradient = dZᵀ·P. A patch
// vector is ordered (c, ky, kx), PyTorch's [out, in, kh, kw] weight layout, so parameters and
// files need no permutation. The transposed convolution is the adjoint pair the other way round.

/**
 * The one walk over every patch value of `rows` HWC images, in patch order: gathers each value
 * into the patch rows (im2col), or adds each patch value back onto its pixel (col2im, scatter).
 */
// @ts-ignore: decorator
@inline function walkPatches(img: usize, cols: usize, rows: i32, H: i32, W: i32, C: i32, kh: i32, kw: i32,
                             stride: i32, pad: i32, Ho: i32, Wo: i32, scatter: bool): void {
  const image = <usize>H * <usize>W * <usize>C;
  let at = cols;
  for (let r = 0; r < rows; r++) {
    const x = img + ((<usize>r * image) << 2);
    for (let oy = 0; oy < Ho; oy++) {
      for (let ox = 0; ox < Wo; ox++) {
        for (let c = 0; c < C; c++) {
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * stride - pad + ky;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * stride - pad + kx;
              const inside = iy >= 0 && iy < H && ix >= 0 && ix < W;
              const p = x + ((((<usize>iy * <usize>W + <usize>ix) * <usize>C) + <usize>c) << 2);
              if (scatter) {
                if (inside) store<f32>(p, load<f32>(p) + load<f32>(at));
              } else if (inside) { // a branch, not a select: p is no address outside the image
                store<f32>(at, load<f32>(p));
              } else {
                store<f32>(at, 0);
              }
              at += 4;
            }
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
