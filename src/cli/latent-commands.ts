// wasm-vae interpolate | traverse | edit | embed: working in a trained model's latent space.
import { extname } from 'node:path';
import { encodeNpy } from '../data/npy.js';
import { encodePng, gridImage, upscale } from '../images.js';
import { writeFileAtomic } from '../platform.node.js';
import { type ImageFigure, imageFigure } from '../plots/image-figure.js';
import type { VAE } from '../vae.js';
import { loadModel, logger, num, oneOf, parse, required, UsageError, workersFlag } from './common.js';
import { dataForModel, type ImageRows, MODEL_DATA_FLAGS, MODEL_DATA_HELP, type TrainingData } from './datasets.js';

const SOURCE_OPTIONS = `  --model FILE        a .safetensors file written by wasm-vae (required)
${MODEL_DATA_HELP}
  --split NAME        test | train: where the indices point (default test)`;
const TAIL = `  --json              machine-readable output on stdout
  --verbose           stack traces on errors
  -h, --help          this text`;
const OUT_OPTION = `  --out FILE          .svg: a labelled figure (sharp text, the images embedded as PNG);
                      .png: the image grid alone (required)`;

export const INTERPOLATE_HELP = `Usage: wasm-vae interpolate --model FILE --from I --to J --out FILE [options]

Decodes points on the path between the posterior means of images I and J: the first and last
are their reconstructions.

Options:
${SOURCE_OPTIONS}
  --from I, --to J    image indices in the split (required)
  --steps N           images on the path, both ends included (default 10)
  --method NAME       linear | slerp (default linear)
${OUT_OPTION}
${TAIL}

Example: wasm-vae interpolate --model runs/mnist/model.safetensors --from 3 --to 2 --out morph.svg`;

export const TRAVERSE_HELP = `Usage: wasm-vae traverse --model FILE --index I --out FILE [options]

Latent traversals: image I's posterior mean with one dimension at a time set to values from
-range to +range, decoded; one row per dimension, the most active dimensions first (variance of
the posterior means over the split).

Options:
${SOURCE_OPTIONS}
  --index I           the image (required)
  --dims LIST         dimensions to traverse, comma-separated from 0 (default: the most active)
  --top N             how many of the most active (default 8)
  --range X           values from -X to +X (default 3)
  --steps N           values per dimension (default 9)
${OUT_OPTION}
${TAIL}`;

export const EDIT_HELP = `Usage: wasm-vae edit --model FILE --index I --from-label A --to-label B --out FILE [options]

Moves image I from class A towards class B. An unconditional model: along the attribute vector
(mean posterior mean of B's images minus A's, over the training split), by each of --amounts.
A conditional model: the image's code decoded with each class from A to B.

Options:
${SOURCE_OPTIONS}
  --index I           the image (required)
  --from-label A      the class to move away from (required)
  --to-label B        the class to move towards (required)
  --amounts LIST      multiples of the vector, comma-separated (default 0,0.25,0.5,0.75,1,1.25,1.5)
${OUT_OPTION}
${TAIL}`;

export const EMBED_HELP = `Usage: wasm-vae embed --model FILE --out FILE.npy|FILE.csv [options]

Posterior means of every image of a split, on the worker pool: .npy (float32, rows × latent;
numpy.load reads it) or .csv (a header, the label, then z1..zL per row).

Options:
  --model FILE        a .safetensors file written by wasm-vae (required)
${MODEL_DATA_HELP}
  --split NAME        train | test (default train)
  --log-var           also the log-variances (after the means: rows × 2·latent)
  --workers auto|N    worker threads (default auto: one per core)
  --out FILE          .npy or .csv (required)
${TAIL}`;

const SOURCE_FLAGS = { model: { type: 'string' }, ...MODEL_DATA_FLAGS, split: { type: 'string' }, out: { type: 'string' } } as const;

/** The model and the split its indices point into (an image folder read at the model's shape). */
async function modelAndSplit(v: Record<string, unknown>, fallback: 'test' | 'train'): Promise<{ vae: VAE; split: ImageRows; classNames: string[]; data: TrainingData }> {
  required(v.model, 'model');
  const out = v.out === undefined ? undefined : required(v.out, 'out');
  const which = oneOf(v.split, 'split', ['test', 'train'] as const, fallback);
  const vae = await loadModel(v.model);
  try {
    const data = await dataForModel(v, vae.config, logger(v.json === true));
    const split = data[which];
    if (split.dim !== vae.config.inputDim) throw new UsageError(`the data's rows have ${split.dim} values, the model takes ${vae.config.inputDim}`);
    if (out !== undefined && ['.svg', '.png'].includes(extname(out).toLowerCase()) && !split.isImage) throw new UsageError('a table\'s rows are not images: pictures need --data or --images');
    if (out !== undefined && !['.svg', '.png', '.npy', '.csv'].includes(extname(out).toLowerCase())) throw new UsageError(`--out must end in .svg or .png (pictures), .npy or .csv (embeddings), got ${out}`);
    return { vae, split, classNames: data.classNames, data };
  } catch (err) {
    await vae.dispose();
    throw err;
  }
}

/** An image index of the split, or a UsageError naming the flag and the range. */
function index(value: unknown, flag: string, split: ImageRows): number {
  if (value === undefined) throw new UsageError(`--${flag} is required`);
  return num(value, flag, 0, { integer: true, min: 0, max: split.count - 1 });
}

const row = (split: ImageRows, i: number) => split.images.subarray(i * split.dim, (i + 1) * split.dim);
const labelsOf = (vae: VAE, split: ImageRows, ...indices: number[]) => (vae.config.conditional ? indices.map((i) => split.labels[i]) : undefined);

/** The split's image `first` (as values in [0, 1]), then `images`, then image `last` if given: a strip framed by its inputs. */
function withInputs(split: ImageRows, images: Float32Array, first: number, last?: number): Float32Array {
  const out = new Float32Array(images.length + split.dim * (last === undefined ? 1 : 2));
  out.set(row(split, first));
  out.set(images, split.dim);
  if (last !== undefined) out.set(row(split, last), split.dim + images.length);
  return out;
}

/** .svg: the labelled figure; .png: the grid alone. */
async function writeFigure(out: string, f: ImageFigure): Promise<void> {
  if (extname(out).toLowerCase() === '.svg') return writeFileAtomic(out, imageFigure(f));
  const zoom = f.height <= 32 ? 2 : 1;
  return writeFileAtomic(out, encodePng(upscale(gridImage(f.images, f.count, f.height, f.width, f.columns, 2, 1, f.channels), zoom)));
}

const figureShape = (split: ImageRows) => ({ height: split.rows, width: split.cols, channels: split.channels });
const fixed = (x: number) => (Math.abs(x) < 5e-9 ? '0' : x.toFixed(Math.abs(x) >= 10 ? 0 : 2).replace(/\.?0+$/, '').replace('-', '−'));

export async function interpolate(argv: string[]): Promise<void> {
  const v = parse(argv, { ...SOURCE_FLAGS, from: { type: 'string' }, to: { type: 'string' }, steps: { type: 'string' }, method: { type: 'string' } });
  if (v.help) { console.log(INTERPOLATE_HELP); return; }
  const out = required(v.out, 'out');
  const steps = num(v.steps, 'steps', 10, { integer: true, min: 2, max: 1000 }), method = oneOf(v.method, 'method', ['linear', 'slerp'] as const, 'linear');
  const { vae, split } = await modelAndSplit(v, 'test');
  try {
    const from = index(v.from, 'from', split), to = index(v.to, 'to', split);
    const labels = labelsOf(vae, split, from, to) as [number, number] | undefined;
    const path = await vae.interpolate(row(split, from), row(split, to), { steps, method, ...(labels ? { labels } : {}) });
    const images = withInputs(split, path, from, to);
    await writeFigure(out, { images, count: steps + 2, columns: steps + 2, ...figureShape(split), title: `${method === 'slerp' ? 'Spherical' : 'Linear'} interpolation from image ${from} to image ${to}`,
      columnLabels: ['input', ...Array.from({ length: steps }, (_, i) => `t=${fixed(i / (steps - 1))}`), 'input'],
      caption: 'between the two inputs: decoded points on the path between their posterior means (t = 0, 1: their reconstructions)' });
    if (v.json) console.log(JSON.stringify({ out, from, to, steps, method })); else console.log(`wrote ${steps} images from ${from} to ${to} to ${out}`);
  } finally {
    await vae.dispose();
  }
}

export async function traverse(argv: string[]): Promise<void> {
  const v = parse(argv, { ...SOURCE_FLAGS, index: { type: 'string' }, dims: { type: 'string' }, top: { type: 'string' }, range: { type: 'string' }, steps: { type: 'string' } });
  if (v.help) { console.log(TRAVERSE_HELP); return; }
  const out = required(v.out, 'out');
  const steps = num(v.steps, 'steps', 9, { integer: true, min: 2, max: 100 }), range = num(v.range, 'range', 3, { positive: true });
  const { vae, split } = await modelAndSplit(v, 'test');
  try {
    const i = index(v.index, 'index', split), L = vae.config.latentDim;
    const dims = v.dims === undefined ? undefined : String(v.dims).split(',').map((d) => num(d, 'dims', 0, { integer: true, min: 0, max: L - 1 }));
    const top = num(v.top, 'top', Math.min(8, L), { integer: true, min: 1, max: L });
    const labels = labelsOf(vae, split, i) as [number] | undefined;
    const t = await vae.traverse(row(split, i), { steps, range, ...(dims ? { dims } : { top, data: split.values, ...(labels ? { dataLabels: split.labels } : {}) }), ...(labels ? { labels } : {}) });
    await writeFigure(out, { images: t.images, count: t.dims.length * steps, columns: steps, ...figureShape(split), title: `Latent traversals of image ${i}`,
      rowLabels: t.dims.map((d) => `z${d}`), columnLabels: t.values.map(fixed),
      caption: dims ? 'rows: the chosen dimensions; columns: the value set' : 'rows: the most active dimensions first; columns: the value set' });
    if (v.json) console.log(JSON.stringify({ out, index: i, dims: t.dims, values: t.values })); else console.log(`wrote traversals of dimensions ${t.dims.join(', ')} to ${out}`);
  } finally {
    await vae.dispose();
  }
}

export async function edit(argv: string[]): Promise<void> {
  const v = parse(argv, { ...SOURCE_FLAGS, index: { type: 'string' }, 'from-label': { type: 'string' }, 'to-label': { type: 'string' }, amounts: { type: 'string' } });
  if (v.help) { console.log(EDIT_HELP); return; }
  const out = required(v.out, 'out');
  const amounts = String(v.amounts ?? '0,0.25,0.5,0.75,1,1.25,1.5').split(',').map((a) => num(a, 'amounts', 0));
  const { vae, split, classNames, data } = await modelAndSplit(v, 'test');
  try {
    const i = index(v.index, 'index', split), classes = vae.config.conditional?.classes ?? classNames.length;
    const [a, b] = ['from-label', 'to-label'].map((f) => {
      if (v[f] === undefined) throw new UsageError(`--${f} is required`);
      return num(v[f], f, 0, { integer: true, min: 0, max: classes - 1 });
    });
    let images: Float32Array, columnLabels: string[], caption: string;
    if (vae.config.conditional) {
      // The image's code (encoded with its own class) decoded with each class from a to b.
      const path = Array.from({ length: Math.abs(b - a) + 1 }, (_, k) => a + Math.sign(b - a) * k);
      const { mean } = await vae.encode(row(split, i), { labels: [split.labels[i]] });
      const z = new Float32Array(path.length * mean.length);
      path.forEach((_, k) => z.set(mean, k * mean.length));
      images = await vae.decode(z, { labels: path });
      columnLabels = path.map((c) => `class ${classNames[c] ?? c}`);
      caption = `image ${i}'s code decoded with each class`;
    } else {
      const train = data.train;
      const vector = await vae.attributeVector(train.values, a, b, { labels: train.labels });
      const x = row(split, i), edited = await Promise.all(amounts.map((amount) => vae.edit(x, vector, amount)));
      images = new Float32Array(edited.length * split.dim);
      edited.forEach((e, k) => images.set(e, k * split.dim));
      columnLabels = amounts.map((amount) => `${fixed(amount)}×`);
      caption = `mean code of class ${classNames[b]} minus that of class ${classNames[a]}, added in multiples`;
    }
    await writeFigure(out, { images: withInputs(split, images, i), count: columnLabels.length + 1, columns: columnLabels.length + 1, ...figureShape(split),
      title: `Image ${i} from class ${classNames[a] ?? a} towards ${classNames[b] ?? b}`, columnLabels: ['input', ...columnLabels], caption });
    if (v.json) console.log(JSON.stringify({ out, index: i, from: a, to: b })); else console.log(`wrote the edit of image ${i} to ${out}`);
  } finally {
    await vae.dispose();
  }
}

export async function embed(argv: string[]): Promise<void> {
  const v = parse(argv, { ...SOURCE_FLAGS, workers: { type: 'string' }, 'log-var': { type: 'boolean' } });
  if (v.help) { console.log(EMBED_HELP); return; }
  const out = required(v.out, 'out'), kind = extname(out).toLowerCase();
  if (kind !== '.npy' && kind !== '.csv') throw new UsageError(`--out must end in .npy or .csv, got ${out}`);
  const workers = workersFlag(v.workers);
  const { vae, split } = await modelAndSplit(v, 'train');
  try {
    const start = performance.now();
    const { mean, logVar } = await vae.embed(split.values, { workers, ...(vae.config.conditional ? { labels: split.labels } : {}) });
    const seconds = (performance.now() - start) / 1000, L = vae.config.latentDim, n = split.count, cols = v['log-var'] ? 2 * L : L;
    const table = new Float32Array(n * cols);
    for (let r = 0; r < n; r++) {
      table.set(mean.subarray(r * L, (r + 1) * L), r * cols);
      if (v['log-var']) table.set(logVar.subarray(r * L, (r + 1) * L), r * cols + L);
    }
    if (kind === '.npy') await writeFileAtomic(out, encodeNpy(table, [n, cols]));
    else {
      const names = Array.from({ length: L }, (_, j) => `z${j}`);
      const header = ['label', ...names, ...(v['log-var'] ? names.map((z) => `logvar_${z}`) : [])].join(',');
      const lines = Array.from({ length: n }, (_, r) => [split.labels[r], ...Array.from(table.subarray(r * cols, (r + 1) * cols), (x) => String(x))].join(','));
      await writeFileAtomic(out, `${header}\n${lines.join('\n')}\n`);
    }
    const rt = vae.runtime;
    if (v.json) console.log(JSON.stringify({ out, rows: n, columns: cols, seconds, workers: rt.workers }));
    else console.log(`wrote ${n} embeddings of ${cols} values to ${out} (${seconds.toFixed(2)} s, ${rt.threads ? `${rt.workers} workers` : '1 thread'})`);
  } finally {
    await vae.dispose();
  }
}
