// MNIST: read the four IDX files from a directory (raw or .gz), or — in Node, with no directory —
// from a cache that is filled from public mirrors and checked against the published MD5 sums.
import { cacheDirectory, downloadTo, gunzip, md5Hex, readOptional } from '#platform';
import { DataError, DownloadError, FileFormatError } from '../errors.js';
import { type IdxArray, isGzip, parseIdx, readIdxHeader } from './idx.js';

/** The four files with the MD5 of their uncompressed contents (the widely published sums). */
export const MNIST_FILES = {
  trainImages: { name: 'train-images-idx3-ubyte', md5: '6bbc9ace898e44ae57da46a324031adb' },
  trainLabels: { name: 'train-labels-idx1-ubyte', md5: 'a25bea736e30d166cdddb491f175f624' },
  testImages: { name: 't10k-images-idx3-ubyte', md5: '2646ac647ad5339dbf082846283269ea' },
  testLabels: { name: 't10k-labels-idx1-ubyte', md5: '27ae3e4e09519cfbb04c329615203637' },
} as const;

export const DEFAULT_MIRRORS = [
  'https://ossci-datasets.s3.amazonaws.com/mnist/',
  'https://storage.googleapis.com/cvdf-datasets/mnist/',
];

export interface MnistSplit {
  /** count × dim pixel values x/255 in [0, 1] (not binarised); made on first access. */
  readonly images: Float32Array;
  /** The same pixels as bytes (4× smaller; the VAE API accepts them as byte/255). */
  bytes: Uint8Array;
  labels: Uint8Array;
  count: number;
  dim: number;
  rows: number;
  cols: number;
}

export interface MnistData {
  train: MnistSplit;
  test: MnistSplit;
}

export interface LoadMnistOptions {
  /** Directory (Node path, or URL in a browser) holding the four IDX files, raw or .gz. Read only. */
  dir?: string;
  /** Where downloads are cached when no dir is given (Node). Default: $WASM_VAE_CACHE or ~/.cache/wasm-vae/mnist. */
  cacheDir?: string;
  /** Download missing files into the cache (default true). */
  download?: boolean;
  /** Base URLs tried in order (default: $WASM_VAE_MIRRORS, comma-separated, else DEFAULT_MIRRORS). */
  mirrors?: string[];
  /** Called with one line per file fetched. */
  onProgress?: (message: string) => void;
  /** Number of classes: every label must be below it (default 10). */
  classes?: number;
}

export type FileKey = keyof typeof MNIST_FILES;

/** What a file must be: its IDX dimension count, and for labels at most as many entries as images. */
export interface Expect { dims: number; maxCount: number }

/**
 * Decompresses gzip data, reading no further than the IDX header inside says the file is (a
 * 1 MB bomb of a labels file inflated to 3.1 GB before this), and refusing a bad header as soon
 * as it has been decompressed.
 */
export async function decode(bytes: Uint8Array, file: string, expect: Expect): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  try {
    return await gunzip(bytes, (prefix) => readIdxHeader(prefix, file, expect.dims, expect.maxCount)?.totalBytes);
  } catch (err) {
    if (err instanceof FileFormatError) throw err;
    throw new FileFormatError(`corrupt gzip data (${(err as Error).message})`, file);
  }
}

async function fromMirrors(key: FileKey, cache: string, mirrors: string[], expect: Expect, progress?: (m: string) => void): Promise<Uint8Array> {
  const { name, md5 } = MNIST_FILES[key];
  const reasons: string[] = [];
  for (const mirror of mirrors) {
    const url = `${mirror}${name}.gz`;
    try {
      progress?.(`downloading ${url}`);
      const raw = await downloadTo(url, cache, `${name}.gz`, async (gz) => {
        const content = await decode(gz, url, expect);
        const sum = await md5Hex(content);
        if (sum !== md5) throw new DownloadError(`checksum mismatch: md5 ${sum}, expected ${md5}`);
        return content;
      });
      return raw;
    } catch (err) {
      reasons.push(`${url}: ${(err as Error).message}`);
    }
  }
  throw new DownloadError(`could not download ${name}: ${reasons.join('; ')}. `
    + 'Download the four MNIST files yourself and pass their directory (loadMnist({ dir }) or wasm-vae train --data DIR).');
}

async function readFile(key: FileKey, options: LoadMnistOptions, cache: string | undefined, expect: Expect): Promise<Uint8Array> {
  const { name, md5 } = MNIST_FILES[key];
  const dir = options.dir ?? cache!;
  for (const candidate of [`${name}.gz`, name]) {
    const found = await readOptional(dir, candidate);
    if (!found) continue;
    const content = await decode(found.bytes, found.path, expect);
    if (options.dir === undefined && (await md5Hex(content)) !== md5) {
      progress(options, `cached ${found.path} fails its checksum; fetching it again`);
      break;
    }
    return content;
  }
  if (options.dir !== undefined) {
    throw new DataError(`${name}(.gz) not found in ${options.dir}: the directory must hold the four MNIST-format IDX files `
      + `(${Object.values(MNIST_FILES).map((f) => f.name).join(', ')}), raw or gzipped`);
  }
  if (options.download === false) throw new DataError(`${name} is not in the cache ${cache} and download is off`);
  const fromEnv = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env.WASM_VAE_MIRRORS;
  const mirrors = options.mirrors ?? (fromEnv ? fromEnv.split(',').filter((m) => m !== '') : DEFAULT_MIRRORS);
  return fromMirrors(key, cache!, mirrors, expect, options.onProgress);
}

function progress(options: LoadMnistOptions, message: string): void {
  options.onProgress?.(message);
}

function split(images: IdxArray, labelsBytes: Uint8Array, imagesFile: string, labelsFile: string, classes: number): MnistSplit {
  const labels = parseIdx(labelsBytes, labelsFile, 1);
  const [count, rows, cols] = images.dims;
  if (labels.dims[0] !== count) {
    throw new DataError(`${labelsFile} has ${labels.dims[0]} labels but ${imagesFile} has ${count} images`);
  }
  const bad = labels.data.findIndex((l) => l >= classes);
  if (bad >= 0) {
    throw new DataError(`${labelsFile}: label ${labels.data[bad]} at index ${bad} is not a class in 0–${classes - 1} `
      + '(pass loadMnist({ classes }) for a dataset with more classes)', bad);
  }
  const dim = rows * cols;
  const bytes = images.data.slice();
  let pixels: Float32Array | undefined;
  return {
    // Made on first use: training from `bytes` never pays for the 4× larger float copy.
    get images() {
      if (!pixels) {
        pixels = new Float32Array(bytes.length);
        for (let i = 0; i < pixels.length; i++) pixels[i] = bytes[i] / 255;
      }
      return pixels;
    },
    bytes, labels: labels.data.slice(), count, dim, rows, cols,
  };
}

/**
 * Loads MNIST (or any dataset in the same four-file format, such as Fashion-MNIST, via `dir`).
 * With `dir`: reads only that directory. Without: uses the cache, downloading what is missing.
 */
export async function loadMnist(options: LoadMnistOptions = {}): Promise<MnistData> {
  const cache = options.dir === undefined ? (options.cacheDir ?? cacheDirectory()) : undefined;
  const where = options.dir ?? cache!;
  return mnistFromFiles((key, expect) => readFile(key, options, cache, expect), where, options.classes);
}

/**
 * The two splits from the four files as `read` returns them (raw or gzipped bytes), checked
 * against each other: images before labels, since their count bounds how much of a labels file
 * is read; the same image size in both splits; every label below `classes`.
 */
export async function mnistFromFiles(read: (key: FileKey, expect: Expect) => Promise<Uint8Array>, where: string, classes = 10): Promise<MnistData> {
  if (!Number.isInteger(classes) || classes < 1 || classes > 256) throw new DataError(`classes must be an integer from 1 to 256, got ${String(classes)}`);
  const path = (key: FileKey) => `${where}/${MNIST_FILES[key].name}`;
  const load = async (imagesKey: FileKey, labelsKey: FileKey) => {
    const images = parseIdx(await read(imagesKey, { dims: 3, maxCount: Infinity }), path(imagesKey), 3);
    const labels = await read(labelsKey, { dims: 1, maxCount: images.dims[0] });
    return split(images, labels, path(imagesKey), path(labelsKey), classes);
  };
  const train = await load('trainImages', 'trainLabels');
  const test = await load('testImages', 'testLabels');
  if (test.rows !== train.rows || test.cols !== train.cols) {
    throw new DataError(`the training images are ${train.rows}×${train.cols} but the test images ${test.rows}×${test.cols} (in ${where}): `
      + 'both splits must have the same size');
  }
  return { train, test };
}
