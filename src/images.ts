// Image grids from rows of pixel values in [0, 1] (arranging pixels only; no arithmetic on
// model values), and 8-bit grayscale PNG encoding with pngjs. Node only (exported via 'wasm-vae/node').
import pngjs from 'pngjs';
import { ShapeError } from './errors.js';

export interface Gray {
  width: number;
  height: number;
  /** width × height values in [0, 1]. */
  pixels: Float32Array;
}

/**
 * Tiles `count` images of rows×cols from `images` into a grid `columns` wide with `gap` pixels of
 * background between tiles.
 */
export function gridImage(images: Float32Array, count: number, rows: number, cols: number, columns: number, gap = 2, background = 1): Gray {
  if (images.length < count * rows * cols) throw new ShapeError(`grid needs ${count} images of ${rows}×${cols}, got ${images.length} values`);
  const gridRows = Math.ceil(count / columns);
  const width = columns * cols + (columns + 1) * gap, height = gridRows * rows + (gridRows + 1) * gap;
  const pixels = new Float32Array(width * height).fill(background);
  for (let i = 0; i < count; i++) {
    const top = gap + Math.floor(i / columns) * (rows + gap), left = gap + (i % columns) * (cols + gap);
    for (let y = 0; y < rows; y++) {
      pixels.set(images.subarray(i * rows * cols + y * cols, i * rows * cols + (y + 1) * cols), (top + y) * width + left);
    }
  }
  return { width, height, pixels };
}

/** Enlarges an image by an integer factor (nearest neighbour), for legible small digits. */
export function upscale(image: Gray, factor: number): Gray {
  const width = image.width * factor, height = image.height * factor;
  const pixels = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    pixels[y * width + x] = image.pixels[Math.floor(y / factor) * image.width + Math.floor(x / factor)];
  }
  return { width, height, pixels };
}

/** 8-bit grayscale PNG bytes; values are clamped to [0, 1]. */
export function encodeGrayPng(image: Gray): Uint8Array {
  const png = new pngjs.PNG({ width: image.width, height: image.height, colorType: 0, inputColorType: 0, bitDepth: 8, inputHasAlpha: false });
  for (let i = 0; i < image.pixels.length; i++) png.data[i] = Math.round(255 * Math.min(1, Math.max(0, image.pixels[i])));
  return new Uint8Array(pngjs.PNG.sync.write(png, { colorType: 0, inputColorType: 0, bitDepth: 8, inputHasAlpha: false }));
}
