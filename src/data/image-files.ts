// Images people pick in a browser: the File objects of an <input type="file" webkitdirectory>
// (or of a drop), decoded by the browser (createImageBitmap), then resampled, split and labelled
// exactly as loadImageFolder does in Node (the same wasm resampling, the same seeded split).
import { DataError } from '../errors.js';
import { type ImageFolder, type ImageFolderOptions, imageDataset, type Rgba } from './image-rows.js';

/** What loadImageFiles needs of a File: its name, its path in the chosen folder, and its bytes. */
export interface ImageFileLike extends Blob {
  readonly name: string;
  /** "folder/class/file.png" for files from a folder input; "" or absent for single files. */
  readonly webkitRelativePath?: string;
}

const IMAGE = /\.(png|jpe?g)$/i;

/** The file's path below the chosen folder: "class/file.png" or "file.png". */
function relativePath(file: ImageFileLike): string {
  const parts = (file.webkitRelativePath || file.name).split('/');
  return parts.length > 1 ? parts.slice(1).join('/') : parts[0];
}

async function decodeInBrowser(file: ImageFileLike, where: string): Promise<Rgba> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
  } catch (err) {
    throw new DataError(`${where}: not a readable image (${(err as Error).message})`);
  }
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height), ctx = canvas.getContext('2d')!;
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
  return { width: canvas.width, height: canvas.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/**
 * Loads images chosen in a browser (a folder input's files: sub-folders are classes, as
 * loadImageFolder reads them in Node) as rows for a VAE: resampled to `size`, composited on
 * white, grey or RGB, split by `seed`. Browser only (createImageBitmap, OffscreenCanvas); in
 * Node use loadImageFolder from 'wasm-vae/node'.
 */
export async function loadImageFiles(files: ArrayLike<ImageFileLike>, options: ImageFolderOptions = {}): Promise<ImageFolder> {
  if (typeof createImageBitmap !== 'function' || typeof OffscreenCanvas !== 'function') {
    throw new DataError('loadImageFiles decodes with the browser (createImageBitmap, OffscreenCanvas); in Node use loadImageFolder from wasm-vae/node');
  }
  const all = Array.from(files).filter((f) => IMAGE.test(f.name)).map((file) => ({ file, path: relativePath(file) }));
  const nested = all.filter((f) => f.path.includes('/'));
  const chosen = (nested.length ? nested : all).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  if (chosen.length === 0) throw new DataError(`none of the ${files.length} chosen files is a PNG or JPEG image`);
  const classOf = (path: string) => path.split('/')[0];
  const classes = nested.length ? [...new Set(chosen.map((f) => classOf(f.path)))].sort() : [];
  return imageDataset({
    files: chosen.map((f) => f.path),
    labels: chosen.map((f) => (classes.length ? classes.indexOf(classOf(f.path)) : 0)),
    classes,
    decode: (i) => decodeInBrowser(chosen[i].file, chosen[i].path),
  }, options);
}
