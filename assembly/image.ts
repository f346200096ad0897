// Images people bring, as rows: RGBA8 pixels (what the PNG and JPEG decoders give) resampled to a
// fixed size by area averaging (each output pixel the mean of the source area it covers, with
// fractional coverage at its edges: no aliasing when shrinking, a box filter when enlarging),
// composited on white, as grey (ITU-R BT.601 luma) or RGB, channel-major (CHW, as PyTorch).

/**
 * dst (bytes, channels × dstH × dstW) from src (srcH × srcW RGBA8). A transparent pixel counts as
 * white (alpha-weighted: v = a·c + (1 − a)·255); grey = 0.299 R + 0.587 G + 0.114 B.
 */
export function image_to_rows(dst: usize, src: usize, srcW: i32, srcH: i32, dstW: i32, dstH: i32, channels: i32): void {
  const sx = <f64>srcW / <f64>dstW, sy = <f64>srcH / <f64>dstH, plane = <usize>dstW * <usize>dstH;
  for (let y = 0; y < dstH; y++) {
    const y0 = <f64>y * sy, y1 = y0 + sy;
    for (let x = 0; x < dstW; x++) {
      const x0 = <f64>x * sx, x1 = x0 + sx;
      let r: f64 = 0, g: f64 = 0, b: f64 = 0;
      for (let i = <i32>Math.floor(y0); <f64>i < y1 && i < srcH; i++) {
        const wy = Math.min(y1, <f64>(i + 1)) - Math.max(y0, <f64>i);
        for (let j = <i32>Math.floor(x0); <f64>j < x1 && j < srcW; j++) {
          const w = wy * (Math.min(x1, <f64>(j + 1)) - Math.max(x0, <f64>j));
          const p = src + ((<usize>i * <usize>srcW + <usize>j) << 2);
          const a = <f64>load<u8>(p + 3) / 255.0, white = (1 - a) * 255.0;
          r += w * (a * <f64>load<u8>(p) + white);
          g += w * (a * <f64>load<u8>(p + 1) + white);
          b += w * (a * <f64>load<u8>(p + 2) + white);
        }
      }
      const area = sx * sy, o = <usize>y * <usize>dstW + <usize>x;
      if (channels == 1) {
        store<u8>(dst + o, <u8>Math.round((0.299 * r + 0.587 * g + 0.114 * b) / area));
      } else {
        store<u8>(dst + o, <u8>Math.round(r / area));
        store<u8>(dst + plane + o, <u8>Math.round(g / area));
        store<u8>(dst + 2 * plane + o, <u8>Math.round(b / area));
      }
    }
  }
}
