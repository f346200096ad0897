// The CLI's training data: MNIST-format IDX files (--data) or a folder of images (--images), as
// splits of byte rows with labels, their image shape and the names of their classes.
import { loadImageFolder, type ImageSplit } from '../data/image-folder.js';
import type { MnistSplit } from '../data/mnist.js';
import { loadData, UsageError } from './common.js';

/** A split of image rows: MNIST's fields plus the channels (rows channel-major). */
export interface ImageRows extends MnistSplit {
  channels: 1 | 3;
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
    bytes, labels, count, dim: channels * rows * cols, rows, cols, channels: channels as 1 | 3,
  };
}

/** Labels as bytes (the CLI's pictures colour by them); a folder of more than 256 classes keeps none. */
function byteLabels(split: ImageSplit, classes: number): Uint8Array {
  return classes <= 256 ? Uint8Array.from(split.labels) : new Uint8Array(split.count);
}

export interface DataFlags {
  data?: string;
  images?: string;
  /** --size: a side in pixels. */
  size?: number;
  channels?: 1 | 3;
  seed: number;
}

/** The data a train command names: --images DIR (resampled to --size, grey or RGB), else MNIST-format --data. */
export async function loadTrainingData(flags: DataFlags, log: (s: string) => void): Promise<TrainingData> {
  if (flags.images === undefined) {
    if (flags.size !== undefined || flags.channels !== undefined) throw new UsageError('--size and --channels go with --images DIR');
    const mnist = await loadData(flags.data, log);
    const shape: [number, number, number] = [1, mnist.train.rows, mnist.train.cols];
    return {
      // Object.assign keeps the lazy `images` getter (a spread would make the float copy now).
      train: Object.assign(mnist.train, { channels: 1 as const }), test: Object.assign(mnist.test, { channels: 1 as const }),
      classNames: Array.from({ length: 10 }, (_, i) => String(i)), labelKind: 'digit',
      describe: (rows) => `${rows} training and ${mnist.test.count} test images of ${shape[1]}×${shape[2]}`,
    };
  }
  if (flags.data !== undefined) throw new UsageError('give --data DIR (MNIST-format files) or --images DIR (a folder of PNG/JPEG), not both');
  log(`reading the images in ${flags.images}\n`);
  const folder = await loadImageFolder(flags.images, { size: flags.size, channels: flags.channels ?? 1, seed: flags.seed });
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
