// Images as training rows, the same in Node and the browser: every decoded image (RGBA8)
// resampled by area in wasm to one size, composited on white, grey or RGB, channel-major bytes,
// with its class, and a seeded train/test split. The platforms list and decode the files.
import { Arena } from '../arena.js';
import { ConfigError, DataError } from '../errors.js';
import { createMemory, instantiate, kernelModule } from '../kernels.js';
import { formatBytes } from '../model/memory.js';
import { permutation } from '../train/shuffle.js';

/** Options of loadImageFolder() and loadImageFiles(). */
export interface ImageFolderOptions {
  /** Output size in pixels: a side, or [height, width] (default: the images' own, which must then all be the same). */
  size?: number | [number, number];
  /** 1: grey (BT.601 luma), 3: RGB (default 1). Transparent pixels are composited on white. */
  channels?: 1 | 3;
  /** The share of the images held out as the test split, drawn with `seed` (default 0.1). */
  testFraction?: number;
  /** Seeds the split (default 1). */
  seed?: number;
  /** The most bytes the decoded rows may take (default 1 GiB): checked before decoding. */
  maxBytes?: number;
  /** Called after each image with (images read, images in all, bytes the rows take): a folder of thousands takes seconds. */
  onProgress?: (done: number, total: number, bytes: number) => void;
}

export interface ImageSplit {
  /** Rows of channels × height × width bytes, read by the models as byte/255. */
  bytes: Uint8Array;
  /** The class index of every row (the sub-folder's position in `classes`); all 0 without sub-folders. */
  labels: Int32Array;
  count: number;
  /** The file of every row, relative to the folder. */
  files: string[];
}

export interface ImageFolder {
  train: ImageSplit;
  test: ImageSplit;
  /** The sub-folder names in order (the labels' meaning); [] when the images lie in the folder itself. */
  classes: string[];
  /** [channels, height, width]. */
  shape: [number, number, number];
  /** Values per row: channels × height × width (a model's inputDim). */
  dim: number;
}

/** Decoded RGBA8 pixels of one image. */
export interface Rgba { width: number; height: number; data: Uint8Array }

/** The images to read: names (relative to the folder), classes and a decoder. */
export interface ImageList {
  files: string[];
  labels: number[];
  classes: string[];
  decode: (index: number) => Promise<Rgba>;
}

export function checkSize(size: ImageFolderOptions['size']): [number, number] | undefined {
  if (size === undefined) return undefined;
  const [h, w] = typeof size === 'number' ? [size, size] : Array.isArray(size) && size.length === 2 ? size : [NaN, NaN];
  if (![h, w].every((v) => Number.isInteger(v) && v >= 1 && v <= 4096)) {
    throw new ConfigError(`size must be a side or [height, width] of integers from 1 to 4096, got ${JSON.stringify(size)}`);
  }
  return [h, w];
}

/** Decodes, resamples and splits a list of images (see loadImageFolder for the rules). */
export async function imageDataset(list: ImageList, options: ImageFolderOptions = {}): Promise<ImageFolder> {
  const channels = options.channels ?? 1, testFraction = options.testFraction ?? 0.1, seed = options.seed ?? 1;
  const maxBytes = options.maxBytes ?? 2 ** 30;
  if (channels !== 1 && channels !== 3) throw new ConfigError(`channels must be 1 (grey) or 3 (RGB), got ${String(channels)}`);
  if (!(testFraction >= 0 && testFraction < 1)) throw new ConfigError(`testFraction must be in [0, 1), got ${String(testFraction)}`);
  const { files, labels, classes } = list;
  let size = checkSize(options.size);
  const first = await list.decode(0);
  size ??= [first.height, first.width];
  const dim = channels * size[0] * size[1], total = files.length * dim;
  if (total > maxBytes) {
    throw new DataError(`${files.length.toLocaleString('en-US')} images of ${channels}×${size[0]}×${size[1]} take ${formatBytes(total)}, `
      + `more than maxBytes (${formatBytes(maxBytes)}): pass a smaller size, fewer images, or a larger maxBytes`);
  }
  const { module } = await kernelModule('simd');
  const memory = createMemory(2);
  const k = await instantiate(module, memory);
  const arena = new Arena(memory, k.heap_base()), mark = arena.mark();
  const rows = new Uint8Array(total);
  for (const [i, file] of files.entries()) {
    const img = i === 0 ? first : await list.decode(i);
    if (!options.size && (img.width !== first.width || img.height !== first.height)) {
      throw new DataError(`${file} is ${img.width}×${img.height} but ${files[0]} is ${first.width}×${first.height}: pass size to resample them all to one size`);
    }
    arena.release(mark);
    const src = arena.alloc(img.data.length), dst = arena.alloc(dim);
    arena.u8(src, img.data.length).set(img.data);
    k.image_to_rows(dst, src, img.width, img.height, size[1], size[0], channels);
    rows.set(arena.u8(dst, dim), i * dim);
    options.onProgress?.(i + 1, files.length, total);
  }
  // The split: a seeded permutation of the sorted files; the first share is the test set.
  const order = permutation(files.length, seed, 0), nTest = Math.round(testFraction * files.length);
  const pick = (ids: Int32Array): ImageSplit => {
    const bytes = new Uint8Array(ids.length * dim);
    ids.forEach((id, r) => bytes.set(rows.subarray(id * dim, (id + 1) * dim), r * dim));
    return { bytes, labels: Int32Array.from(ids, (id) => labels[id]), count: ids.length, files: Array.from(ids, (id) => files[id]) };
  };
  return { train: pick(order.subarray(nTest)), test: pick(order.subarray(0, nTest)), classes, shape: [channels, size[0], size[1]], dim };
}
