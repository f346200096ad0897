// MNIST: read the four IDX files from a directory (raw or .gz), or — in Node, with no directory —
// from a cache that is filled from public mirrors and checked against the published MD5 sums.
import { cacheDirectory, downloadTo, gunzip, md5Hex, readOptional } from '#platform';
import { DataError, DownloadError, FileFormatError } from '../errors.js';
import { isGzip, parseIdx } from './idx.js';

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
}

type FileKey = keyof typeof MNIST_FILES;

async function decode(bytes: Uint8Array, file: string): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  try {
    return await gunzip(bytes);
  } catch (err) {
    throw new FileFormatError(`corrupt gzip data (${(err as Error).message})`, file);
  }
}

async function fromMirrors(key: FileKey, cache: string, mirrors: string[], progress?: (m: string) => void): Promise<Uint8Array> {
  const { name, md5 } = MNIST_FILES[key];
  const reasons: string[] = [];
  for (const mirror of mirrors) {
    const url = `${mirror}${name}.gz`;
    try {
      progress?.(`downloading ${url}`);
      const raw = await downloadTo(url, cache, `${name}.gz`, async (gz) => {
        const content = await decode(gz, url);
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

async function readFile(key: FileKey, options: LoadMnistOptions, cache: string | undefined): Promise<Uint8Array> {
  const { name, md5 } = MNIST_FILES[key];
  const dir = options.dir ?? cache!;
  for (const candidate of [`${name}.gz`, name]) {
    const found = await readOptional(dir, candidate);
    if (!found) continue;
    const content = await decode(found.bytes, found.path);
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
  return fromMirrors(key, cache!, mirrors, options.onProgress);
}

function progress(options: LoadMnistOptions, message: string): void {
  options.onProgress?.(message);
}

function split(imagesBytes: Uint8Array, labelsBytes: Uint8Array, imagesFile: string, labelsFile: string): MnistSplit {
  const images = parseIdx(imagesBytes, imagesFile, 3);
  const labels = parseIdx(labelsBytes, labelsFile, 1);
  const [count, rows, cols] = images.dims;
  if (labels.dims[0] !== count) {
    throw new DataError(`${labelsFile} has ${labels.dims[0]} labels but ${imagesFile} has ${count} images`);
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
  const keys: FileKey[] = ['trainImages', 'trainLabels', 'testImages', 'testLabels'];
  const files: Uint8Array[] = [];
  for (const key of keys) files.push(await readFile(key, options, cache));
  const where = options.dir ?? cache!;
  const path = (key: FileKey) => `${where}/${MNIST_FILES[key].name}`;
  return {
    train: split(files[0], files[1], path('trainImages'), path('trainLabels')),
    test: split(files[2], files[3], path('testImages'), path('testLabels')),
  };
}
