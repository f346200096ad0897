// Images people bring: a folder of PNG and JPEG files, in sub-folders per class (the ImageFolder
// convention of torchvision) or all in one, decoded (pngjs, jpeg-js), resampled to a fixed size,
// grey or RGB, as rows of bytes (channel-major) with labels and a seeded train/test split.
import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { DataError } from '../errors.js';
import { type ImageFolder, type ImageFolderOptions, imageDataset } from './image-rows.js';

export type { ImageFolder, ImageFolderOptions, ImageSplit } from './image-rows.js';

const EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);
const isImage = (name: string) => EXTENSIONS.has(extname(name).toLowerCase());

/** The images of `dir` and their classes, sorted by name (so a seed names the same split everywhere). */
async function listImages(dir: string): Promise<{ files: string[]; labels: number[]; classes: string[] }> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw new DataError(`cannot read the image folder ${dir}: ${(err as Error).message}`);
  }
  const classes = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const files: string[] = [], labels: number[] = [];
  if (classes.length === 0) {
    for (const name of entries.filter((e) => e.isFile() && isImage(e.name)).map((e) => e.name).sort()) { files.push(name); labels.push(0); }
  } else {
    for (const [label, cls] of classes.entries()) {
      for (const name of (await readdir(join(dir, cls))).filter(isImage).sort()) { files.push(join(cls, name)); labels.push(label); }
    }
  }
  if (files.length === 0) throw new DataError(`no PNG or JPEG images in ${dir}${classes.length ? ` or its sub-folders (${classes.join(', ')})` : ''}`);
  return { files, labels, classes };
}

/** RGBA8 pixels of a PNG or JPEG file; DataError naming the file when it cannot be decoded. */
function decode(bytes: Uint8Array, file: string): { width: number; height: number; data: Uint8Array } {
  try {
    if (extname(file).toLowerCase() === '.png') {
      const png = pngjs.PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, data: png.data };
    }
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 512 });
    return { width: img.width, height: img.height, data: img.data };
  } catch (err) {
    throw new DataError(`${file}: not a readable ${extname(file).slice(1).toUpperCase()} image (${(err as Error).message})`);
  }
}

/**
 * Loads a folder of PNG/JPEG images as rows for a VAE (Node). Sub-folders are classes, as in
 * torchvision's ImageFolder; every image is resampled to `size` (area averaging), composited on
 * white, made grey or RGB, and the rows split into train and test with `seed`. Typed errors name
 * the file: unreadable or truncated images, mixed sizes without `size`, an empty folder, or a
 * dataset larger than `maxBytes` (said before decoding anything).
 */
export async function loadImageFolder(dir: string, options: ImageFolderOptions = {}): Promise<ImageFolder> {
  const { files, labels, classes } = await listImages(dir);
  return imageDataset({ files, labels, classes, decode: async (i) => decode(await readFile(join(dir, files[i])), files[i]) }, options);
}
