// Image grids from rows of pixel values in [0, 1] (arranging pixels only; no arithmetic on
// model values), and 8-bit grey or RGB PNG encoding with pngjs. Node only (exported via 'wasm-vae/node').
import pngjs from 'pngjs';
import { ShapeError } from './errors.js';

/** A picture: width × height pixels of `channels` values each (interleaved, as PNG stores them), in [0, 1]. */
export interface Picture {
  width: number;
  height: number;
  /** 1: grey, 3: RGB (default 1). */
  channels?: 1 | 3;
  /** width × height × channels values in [0, 1], row by row, a pixel's channels adjacent. */
  pixels: Float32Array;
}

/** A one-channel picture (the name of earlier versions). */
export type Gray = Picture;

/**
 * Tiles `count` images of rows×cols from `images` into a grid `columns` wide with `gap` pixels of
 * `background` between tiles. Each image is a model row: with `channels` 3, its red plane, then
 * green, then blue (channel-major, as models and PyTorch hold them); the picture interleaves them.
 */
export function gridImage(images: Float32Array, count: number, rows: number, cols: number, columns: number, gap = 2, background = 1,
                          channels: 1 | 3 = 1): Picture {
  const plane = rows * cols, size = channels * plane;
  if (images.length < count * size) throw new ShapeError(`grid needs ${count} images of ${channels}×${rows}×${cols}, got ${images.length} values`);
  const gridRows = Math.ceil(count / columns);
  const width = columns * cols + (columns + 1) * gap, height = gridRows * rows + (gridRows + 1) * gap;
  const pixels = new Float32Array(width * height * channels).fill(background);
  for (let i = 0; i < count; i++) {
    const top = gap + Math.floor(i / columns) * (rows + gap), left = gap + (i % columns) * (cols + gap);
    for (let c = 0; c < channels; c++) {
      for (let y = 0; y < rows; y++) for (let x = 0; x < cols; x++) {
        pixels[((top + y) * width + left + x) * channels + c] = images[i * size + c * plane + y * cols + x];
      }
    }
  }
  return { width, height, channels, pixels };
}

/** Enlarges a picture by an integer factor (nearest neighbour), for legible small images. */
export function upscale(image: Picture, factor: number): Picture {
  const channels = image.channels ?? 1, width = image.width * factor, height = image.height * factor;
  const pixels = new Float32Array(width * height * channels);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    const from = (Math.floor(y / factor) * image.width + Math.floor(x / factor)) * channels;
    for (let c = 0; c < channels; c++) pixels[(y * width + x) * channels + c] = image.pixels[from + c];
  }
  return { width, height, channels, pixels };
}

/** 8-bit PNG bytes, grey or RGB by the picture's channels; values are clamped to [0, 1]. */
export function encodePng(image: Picture): Uint8Array {
  const colorType = (image.channels ?? 1) === 3 ? 2 : 0;
  const options = { width: image.width, height: image.height, colorType, inputColorType: colorType, bitDepth: 8, inputHasAlpha: false } as const;
  const png = new pngjs.PNG(options);
  for (let i = 0; i < image.pixels.length; i++) png.data[i] = Math.round(255 * Math.min(1, Math.max(0, image.pixels[i])));
  return new Uint8Array(pngjs.PNG.sync.write(png, options));
}

/** encodePng under the name of earlier versions. */
export const encodeGrayPng = encodePng;
