// Image grids on canvases: rows of a model's images (values in [0, 1], channel-major: grey, or
// the red, green and blue planes) as tiles with 1-pixel gaps, drawn in one putImageData and
// scaled once, so that redrawing during training costs a few milliseconds.

/** shape = { channels, height, width }; scale: integer enlargement. */
export function drawGrid(canvas, images, count, columns, shape, scale = 1) {
  const { channels, height: H, width: W } = shape, plane = H * W, size = channels * plane;
  const rows = Math.ceil(count / columns), w = columns * (W + 1) + 1, h = rows * (H + 1) + 1;
  const image = new ImageData(w, h);
  // Dark grey gaps, every pixel opaque (alpha 255: filling all four bytes once made images 20 % bright).
  for (let o = 0; o < image.data.length; o += 4) { image.data[o] = image.data[o + 1] = image.data[o + 2] = 51; image.data[o + 3] = 255; }
  for (let i = 0; i < count; i++) {
    const left = 1 + (i % columns) * (W + 1), top = 1 + Math.floor(i / columns) * (H + 1);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const o = 4 * ((top + y) * w + left + x);
        for (let c = 0; c < 3; c++) {
          const v = images[i * size + (channels === 3 ? c * plane : 0) + y * W + x];
          image.data[o + c] = Math.round(255 * Math.min(1, Math.max(0, v)));
        }
      }
    }
  }
  const off = new OffscreenCanvas(w, h);
  off.getContext('2d').putImageData(image, 0, 0);
  canvas.width = w * scale; canvas.height = h * scale;
  const ctx = canvas.getContext('2d');
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(off, 0, 0, w * scale, h * scale);
}

/** The enlargement that shows a tile at about 56 pixels. */
export const zoomFor = (shape) => Math.max(1, Math.round(56 / Math.max(shape.height, shape.width)));
