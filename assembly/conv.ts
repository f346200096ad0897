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
import { transpose4 } from './gemm';

// The transpose of the 4×4 block of rows at src (ss bytes apart) added onto the rows at dst (ds
// bytes apart): col2im's scatter of four channels × four kernel columns at once.
// @ts-ignore: decorator
@inline function transposeAdd4(src: usize, ss: usize, dst: usize, ds: usize): void {
  const r0 = v128.load(src), r1 = v128.load(src + ss), r2 = v128.load(src + 2 * ss), r3 = v128.load(src + 3 * ss);
  const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5), t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7), t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(dst, f32x4.add(v128.load(dst), i32x4.shuffle(t0, t1, 0, 1, 4, 5)));
  v128.store(dst + ds, f32x4.add(v128.load(dst + ds), i32x4.shuffle(t0, t1, 2, 3, 6, 7)));
  v128.store(dst + 2 * ds, f32x4.add(v128.load(dst + 2 * ds), i32x4.shuffle(t2, t3, 0, 1, 4, 5)));
  v128.store(dst + 3 * ds, f32x4.add(v128.load(dst + 3 * ds), i32x4.shuffle(t2, t3, 2, 3, 6, 7)));
}

/**
 * A patch of a 4-wide kernel lying wholly inside the image's columns, with C a multiple of 4 or
 * 1, moved by vectors: with C ≥ 4, each kernel row's 4 columns × 4 channels are one 4×4 transpose
 * between the image's [kx][c] and the patch's [c][kx] (PyTorch's order); with C = 1 a kernel row
 * is 4 adjacent values in both. Each value moves or adds exactly as the scalar walk does (the
 * same patch order per pixel, so col2im's sums are the same bits). Returns false when the patch
 * does not qualify (the caller walks it value by value).
 */
// @ts-ignore: decorator
@inline function vectorPatch(x: usize, at: usize, H: i32, C: i32, kh: i32, kw: i32, y0: i32, x0: i32, W: i32,
                             rowBytes: usize, cBytes: usize, scatter: bool): bool {
  if (kw != 4 || x0 < 0 || x0 + 4 > W || (C != 1 && (C & 3) != 0)) return false;
  const patchBytes = (<usize>kh * 4) << 2; // from one channel's kernel to the next in the patch vector
  for (let c = 0; c < C; c += 4) {
    for (let ky = 0; ky < kh; ky++) {
      const iy = y0 + ky;
      const q = at + <usize>c * patchBytes + ((<usize>ky * 4) << 2);
      const p = x + <usize>iy * rowBytes + ((<usize>x0 * <usize>C + <usize>c) << 2);
      const inside = iy >= 0 && iy < H;
      if (C == 1) {
        if (scatter) { if (inside) v128.store(p, f32x4.add(v128.load(p), v128.load(q))); }
        else v128.store(q, inside ? v128.load(p) : f32x4.splat(0));
        continue;
      }
      if (scatter) {
        if (inside) transposeAdd4(q, patchBytes, p, cBytes);
      } else if (inside) {
        transpose4(p, cBytes, q, patchBytes);
      } else {
        for (let j: usize = 0; j < 4; j++) v128.store(q + j * patchBytes, f32x4.splat(0));
      }
    }
  }
  return true;
}

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
        if (vectorPatch(x, at, H, C, kh, kw, y0, x0, W, rowBytes, cBytes, scatter)) {
          at += (<usize>C * <usize>kh * <usize>kw) << 2;
          continue;
        }
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
