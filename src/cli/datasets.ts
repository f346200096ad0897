// The CLI's training data: MNIST-format IDX files (--data), a folder of images (--images) or a
// table of numbers (--table: .npy or CSV), as splits of rows with labels, their image shape
// (images) and the names of their classes.
import { extname } from 'node:path';
import { loadImageFolder, type ImageSplit } from '../data/image-folder.js';
import type { MnistSplit } from '../data/mnist.js';
import { loadCsv, loadNpy } from '../data/table-files.js';
import { permutation } from '../train/shuffle.js';
import { formatBytes } from '../model/memory.js';
import { loadData, UsageError } from './common.js';
import { CLEAR_TO_END, formatDuration } from './progress.js';

/** A split of rows: MNIST's fields, the rows a model takes (`values`), and whether they are images (channel-major). */
export interface ImageRows extends Omit<MnistSplit, 'bytes'> {
  /** The rows as the model takes them: bytes (read as byte/255) or floats. */
  values: Uint8Array | Float32Array;
  channels: 1 | 3;
  /** false for a table's rows: no pictures of them. */
  isImage: boolean;
}

export interface TrainingData {
  train: ImageRows;
  test: ImageRows;
  /** What the labels mean, for legends: the digits, or the image folder's sub-folders. */
  classNames: string[];
  /** 'digit' or 'class'. */
  labelKind: string;
  /** One line for the log: "60000 training and 10000 test images of 1×28×28". */
  describe: (rows: number) => string;
}

/** MNIST's fields from byte rows (the float copy made on first use, as loadMnist does). */
function imageRows(bytes: Uint8Array, labels: Uint8Array, count: number, [channels, rows, cols]: [number, number, number]): ImageRows {
  let pixels: Float32Array | undefined;
  return {
    get images() {
      if (!pixels) pixels = Float32Array.from(bytes, (b) => b / 255);
      return pixels;
    },
    values: bytes, labels, count, dim: channels * rows * cols, rows, cols, channels: channels as 1 | 3, isImage: true,
  };
}

/** Labels as bytes (the CLI's pictures colour by them); a folder of more than 256 classes keeps none. */
function byteLabels(split: ImageSplit, classes: number): Uint8Array {
  return classes <= 256 ? Uint8Array.from(split.labels) : new Uint8Array(split.count);
}

export interface DataFlags {
  data?: string;
  images?: string;
  /** --table: a .npy (rows × values) or CSV file. */
  table?: string;
  /** --label-column: a CSV column of class labels. */
  labelColumn?: string;
  /** --size: a side in pixels. */
  size?: number;
  channels?: 1 | 3;
  seed: number;
}

/** The data a command names: --images DIR (resampled to --size, grey or RGB), --table FILE (.npy or CSV), else MNIST-format --data. */
export async function loadTrainingData(flags: DataFlags, log: (s: string) => void): Promise<TrainingData> {
  if ([flags.data, flags.images, flags.table].filter((f) => f !== undefined).length > 1) {
    throw new UsageError('give one of --data DIR (MNIST-format files), --images DIR (a folder of PNG/JPEG) and --table FILE (.npy or .csv)');
  }
  if (flags.labelColumn !== undefined && flags.table === undefined) throw new UsageError('--label-column goes with --table FILE.csv');
  if (flags.table !== undefined) return loadTable(flags, log);
  if (flags.images === undefined) {
    if (flags.size !== undefined || flags.channels !== undefined) throw new UsageError('--size and --channels go with --images DIR');
    const mnist = await loadData(flags.data, log);
    const shape: [number, number, number] = [1, mnist.train.rows, mnist.train.cols];
    return {
      // Object.assign keeps the lazy `images` getter (a spread would make the float copy now).
      train: Object.assign(mnist.train, { channels: 1 as const, values: mnist.train.bytes, isImage: true }),
      test: Object.assign(mnist.test, { channels: 1 as const, values: mnist.test.bytes, isImage: true }),
      classNames: Array.from({ length: 10 }, (_, i) => String(i)), labelKind: 'digit',
      describe: (rows) => `${rows} training and ${mnist.test.count} test images of ${shape[1]}×${shape[2]}`,
    };
  }
  const start = performance.now(), tty = process.stderr.isTTY === true;
  let shown = 0;
  const folder = await loadImageFolder(flags.images, { size: flags.size, channels: flags.channels ?? 1, seed: flags.seed,
    onProgress: (done, total, bytes) => {
      const now = performance.now(), seconds = (now - start) / 1000;
      if (done < total && (!tty || now - shown < 200)) return; // a line a fifth of a second on a terminal; the last one elsewhere
      shown = now;
      log(`${tty ? '\r' : ''}reading ${flags.images}: ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} images `
        + `(${formatBytes(bytes)} of rows), ${(done / seconds).toFixed(0)} images/s, ${formatDuration(seconds)} elapsed, `
        + `ETA ${formatDuration(((total - done) * seconds) / done)}${tty ? CLEAR_TO_END : ''}${done === total ? '\n' : ''}`);
    } });
  if (folder.test.count === 0) {
    throw new UsageError(`${flags.images} holds ${folder.train.count} image(s): too few for a training set and a test set (the test set is 10 %)`);
  }
  const classes = Math.max(1, folder.classes.length);
  const [C, H, W] = folder.shape;
  return {
    train: imageRows(folder.train.bytes, byteLabels(folder.train, classes), folder.train.count, folder.shape),
    test: imageRows(folder.test.bytes, byteLabels(folder.test, classes), folder.test.count, folder.shape),
    classNames: folder.classes.length ? folder.classes : ['images'], labelKind: 'class',
    describe: (rows) => `${rows} training and ${folder.test.count} test images of ${C === 3 ? 'RGB ' : ''}${H}×${W}`
      + `${folder.classes.length ? ` in ${folder.classes.length} classes` : ''}`,
  };
}

/** --table FILE: a .npy array (rows × …, float32, float64 or uint8) or a CSV of numbers, split 90/10 by --seed. */
async function loadTable(flags: DataFlags, log: (s: string) => void): Promise<TrainingData> {
  if (flags.size !== undefined || flags.channels !== undefined) throw new UsageError('--size and --channels go with --images DIR');
  const file = flags.table!, kind = extname(file).toLowerCase();
  log(`reading ${file}\n`);
  let values: Uint8Array | Float32Array, count: number, labels: Int32Array | undefined, columns: string[];
  if (kind === '.npy') {
    if (flags.labelColumn !== undefined) throw new UsageError('--label-column goes with a CSV file');
    const a = await loadNpy(file);
    if (a.shape.length < 2 || a.shape[0] < 1) throw new UsageError(`${file} has shape (${a.shape.join(', ')}): a table needs rows × values`);
    [values, count] = [a.data, a.shape[0]];
    columns = [`${a.data.length / count} values (${a.dtype})`];
  } else if (kind === '.csv') {
    const label = flags.labelColumn === undefined ? undefined : /^\d+$/.test(flags.labelColumn) ? Number(flags.labelColumn) : flags.labelColumn;
    const t = await loadCsv(file, label === undefined ? {} : { labelColumn: label });
    [values, count, labels, columns] = [t.data, t.rows, t.labels, t.columns];
  } else {
    throw new UsageError(`--table must be a .npy or .csv file, got ${file}`);
  }
  const dim = values.length / count, nTest = Math.round(0.1 * count);
  if (nTest < 1 || count - nTest < 1) throw new UsageError(`${file} holds ${count} row(s): too few for a training set and a test set (the test set is 10 %)`);
  const classes = labels ? Math.max(...labels) + 1 : 0;
  if (classes > 256) throw new UsageError(`${file}: labels up to ${classes - 1}; at most 256 classes are drawn`);
  const order = permutation(count, flags.seed, 0);
  const pick = (ids: Int32Array): ImageRows => {
    const rows = values instanceof Uint8Array ? new Uint8Array(ids.length * dim) : new Float32Array(ids.length * dim);
    ids.forEach((id, r) => rows.set(values.subarray(id * dim, (id + 1) * dim), r * dim));
    const labelBytes = labels ? Uint8Array.from(ids, (id) => labels![id]) : new Uint8Array(ids.length);
    return { values: rows, labels: labelBytes, count: ids.length, dim, rows: 1, cols: dim, channels: 1, isImage: false,
      get images(): Float32Array { throw new UsageError(`${file}: a table's rows are not images`); } };
  };
  return {
    train: pick(order.subarray(nTest)), test: pick(order.subarray(0, nTest)),
    classNames: classes ? Array.from({ length: classes }, (_, i) => String(i)) : ['rows'], labelKind: labels ? 'class' : 'data',
    describe: (rows) => `${rows} training and ${nTest} test rows of ${dim} values from ${file} (${columns.length > 1 ? `${columns.length} columns` : columns[0]})`,
  };
}

/** The data flags of the commands that use a saved model: where its data come from. */
export const MODEL_DATA_FLAGS = { data: { type: 'string' }, images: { type: 'string' }, table: { type: 'string' }, 'label-column': { type: 'string' } } as const;

export const MODEL_DATA_HELP = `  --data DIR          MNIST-format IDX files (default: $WASM_VAE_DATA, else the download cache)
  --images DIR        or a folder of images, read at the model's size and channels and split with
                      its seed (as train --images did)
  --table FILE        or a .npy / .csv table (as train --table; --label-column C for a CSV's labels)`;

/** The data a command names for a saved model: an image folder is read at the model's inputShape and split with its seed. */
export function dataForModel(v: Record<string, unknown>, config: { seed: number; inputShape?: [number, number, number] }, log: (s: string) => void): Promise<TrainingData> {
  const shape = config.inputShape;
  return loadTrainingData({ data: v.data as string | undefined, images: v.images as string | undefined, seed: config.seed,
    table: v.table as string | undefined, labelColumn: v['label-column'] as string | undefined,
    ...(v.images !== undefined && shape ? { size: shape[1], channels: shape[0] as 1 | 3 } : {}) }, log);
}
