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

// Adds one kernel row of `count` one-channel 4-wide patches, 2 columns apart, onto the image row
// at p (the first patch's left column): the patch rows' vectors at q, 64 bytes apart. Columns
// p + 2i + 2, p + 2i + 3 take patch i's last two values, then patch i + 1's first two, as adding
// the patches in order onto the row would: the same sums, two output vectors' worth at a time.
// @ts-ignore: decorator
@inline function addStride2Row(p: usize, q: usize, count: i32): void {
  store<f32>(p, load<f32>(p) + load<f32>(q));
  store<f32>(p, load<f32>(p, 4) + load<f32>(q, 4), 4);
  let i = 0;
  for (; i + 2 < count; i += 2) {
    const c0 = v128.load(q + (<usize>i << 6)), c1 = v128.load(q + (<usize>i << 6), 64), c2 = v128.load(q + (<usize>i << 6), 128);
    const d = p + (<usize>(2 * i + 2) << 2);
    const first = i32x4.shuffle(c0, c1, 2, 3, 6, 7), second = i32x4.shuffle(c1, c2, 0, 1, 4, 5);
    v128.store(d, f32x4.add(f32x4.add(v128.load(d), first), second));
  }
  for (; i < count; i++) {
    const d = p + (<usize>(2 * i + 2) << 2), c = q + (<usize>i << 6);
    const last = i + 1 == count;
    store<f32>(d, last ? load<f32>(d) + load<f32>(c, 8) : load<f32>(d) + load<f32>(c, 8) + load<f32>(c, 64));
    store<f32>(d, last ? load<f32>(d, 4) + load<f32>(c, 12) : load<f32>(d, 4) + load<f32>(c, 12) + load<f32>(c, 68), 4);
  }
}

// Adds `count` one-channel 4×4 patches whose left column is inside the image back onto it: the
// first at column pointer p of the output row whose top kernel row is image row y0, `step`
// bytes apart, from the patch rows at `at`. Returns the patch rows' pointer after them.
// @ts-ignore: decorator
@inline function scatterFourWide(p: usize, at: usize, y0: i32, H: i32, rowBytes: usize, count: i32, step: usize): usize {
  for (let ky = 0; ky < 4; ky++) {
    const iy = y0 + ky;
    if (iy < 0 || iy >= H) continue;
    const row = p + <usize>iy * rowBytes, q = at + (<usize>ky << 4);
    // Stride 2: the row's sums are formed in registers, instead of adding each patch's vector
    // onto the one before it, which overlaps it by half: a store the next load cannot take from
    // the store buffer (col2im 1.5 → 0.9 ns a vector).
    if (step == 8) { addStride2Row(row, q, count); continue; }
    for (let i = 0; i < count; i++) {
      const d = row + <usize>i * step, v = q + (<usize>i << 6);
      v128.store(d, f32x4.add(v128.load(d), v128.load(v)));
    }
  }
  return at + (<usize>count << 6);
}

// The adjoint of gatherOneChannelRow: adds the patch rows at `at` back onto the image, patches in
// order (each pixel's sum in the one order of walkPatches). A patch over the edge adds its values
// inside the image one at a time (a shifted vector measured no faster).
// @ts-ignore: decorator
@inline function scatterOneChannelRow(x: usize, at: usize, y0: i32, H: i32, W: i32, rowBytes: usize, Wo: i32,
                                      stride: i32, pad: i32, inFrom: i32, inTo: i32): usize {
  for (let ox = 0; ox < Wo; ox++) {
    const x0 = ox * stride - pad;
    if (ox == inFrom && inTo > inFrom) {
      at = scatterFourWide(x + (<usize>x0 << 2), at, y0, H, rowBytes, inTo - inFrom, <usize>stride << 2);
      ox = inTo - 1;
      continue;
    }
    const kx0 = max(0, -x0), kx1 = min(4, W - x0);
    for (let ky = 0; ky < 4; ky++) {
      const iy = y0 + ky;
      if (iy < 0 || iy >= H) continue;
      const d = x + <usize>iy * rowBytes + (<usize>x0 << 2), q = at + (<usize>ky << 4);
      for (let kx = kx0; kx < kx1; kx++) store<f32>(d + (<usize>kx << 2), load<f32>(d + (<usize>kx << 2)) + load<f32>(q + (<usize>kx << 2)));
    }
    at += 64;
  }
  return at;
}

// The patch rows of one output row of a one-channel image, 4×4 kernel (W ≥ 4): its top kernel
// row is image row y0, its patches' left columns ox·stride − pad. Those inside the columns,
// ox in [inFrom, inTo), are one vector per kernel row; those over the edge are the vector at the
// nearest column inside, its lanes shifted (swizzle: an index past 15 gives 0). Kernel rows
// outside the image read its first row (a valid address) and are masked to zero: no branch
// per vector. Measured on dcgan28's first conv: 1.6 → 0.5 ns a vector (80 → 24 µs for 64 rows).
// @ts-ignore: decorator
@inline function gatherOneChannelRow(x: usize, at: usize, y0: i32, H: i32, W: i32, rowBytes: usize, Wo: i32,
                                     stride: i32, pad: i32, inFrom: i32, inTo: i32): usize {
  const in0 = y0 >= 0 && y0 < H, in1 = y0 + 1 >= 0 && y0 + 1 < H, in2 = y0 + 2 >= 0 && y0 + 2 < H, in3 = y0 + 3 >= 0 && y0 + 3 < H;
  const r0 = in0 ? x + <usize>y0 * rowBytes : x, r1 = in1 ? x + <usize>(y0 + 1) * rowBytes : x;
  const r2 = in2 ? x + <usize>(y0 + 2) * rowBytes : x, r3 = in3 ? x + <usize>(y0 + 3) * rowBytes : x;
  const m0 = i32x4.splat(in0 ? -1 : 0), m1 = i32x4.splat(in1 ? -1 : 0), m2 = i32x4.splat(in2 ? -1 : 0), m3 = i32x4.splat(in3 ? -1 : 0);
  const iota = i8x16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  for (let ox = 0; ox < Wo; ox++) {
    const x0 = ox * stride - pad;
    if (ox == inFrom && inTo > inFrom) {
      let c: usize = <usize>x0 << 2;
      const step = <usize>stride << 2;
      for (; ox < inTo; ox++) {
        v128.store(at, v128.and(v128.load(r0 + c), m0));
        v128.store(at, v128.and(v128.load(r1 + c), m1), 16);
        v128.store(at, v128.and(v128.load(r2 + c), m2), 32);
        v128.store(at, v128.and(v128.load(r3 + c), m3), 48);
        c += step;
        at += 64;
      }
      ox--;
      continue;
    }
    const xc = min(max(x0, 0), W - 4), shift = min(max(x0 - xc, -4), 4);
    const idx = i8x16.add(iota, i8x16.splat(<i8>(shift << 2))), c: usize = <usize>xc << 2;
    v128.store(at, v128.and(i8x16.swizzle(v128.load(r0 + c), idx), m0));
    v128.store(at, v128.and(i8x16.swizzle(v128.load(r1 + c), idx), m1), 16);
    v128.store(at, v128.and(i8x16.swizzle(v128.load(r2 + c), idx), m2), 32);
    v128.store(at, v128.and(i8x16.swizzle(v128.load(r3 + c), idx), m3), 48);
    at += 64;
  }
  return at;
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
      // A one-channel image's 4×4 patches: those inside its columns are ox in [inFrom, inTo).
      const oneChannel = C == 1 && kw == 4 && kh == 4 && W >= 4;
      if (oneChannel) {
        const inFrom = min(Wo, (pad + stride - 1) / stride);
        const inTo = max(inFrom, min(Wo, (W - 4 + pad) / stride + 1));
        if (scatter) at = scatterOneChannelRow(x, at, y0, H, W, rowBytes, Wo, stride, pad, inFrom, inTo);
        else at = gatherOneChannelRow(x, at, y0, H, W, rowBytes, Wo, stride, pad, inFrom, inTo);
        continue;
      }
      for (let ox = 0; ox < Wo; ox++) {
        const x0 = ox * stride - pad;
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
