// The pictures the CLI writes: image grids as PNG (samples, reconstructions, manifold), charts as
// SVG (loss curves, latent scatter).
import { join } from 'node:path';
import type { MnistSplit } from '../data/mnist.js';
import { encodeGrayPng, gridImage, upscale } from '../images.js';
import { writeFileAtomic } from '../platform.node.js';
import { lineChart, type Panel } from '../plots/line-chart.js';
import { pca2 } from '../plots/pca.js';
import { scatterPlot } from '../plots/scatter.js';
import { TAB10 } from '../plots/svg.js';
import type { EpochLog } from '../train/options.js';
import type { VAE } from '../vae.js';

export async function writeSamples(vae: VAE, path: string, rows: number, cols: number, n = 64, seed = 1): Promise<void> {
  const columns = Math.ceil(Math.sqrt(n));
  await writeFileAtomic(path, encodeGrayPng(upscale(gridImage(await vae.sample(n, { seed }), n, rows, cols, columns), 2)));
}

export async function writeReconstructions(vae: VAE, split: MnistSplit, path: string, n = 16): Promise<void> {
  const originals = split.images.subarray(0, n * split.dim);
  const both = new Float32Array(2 * n * split.dim);
  both.set(originals);
  both.set(await vae.reconstruct(originals), originals.length);
  await writeFileAtomic(path, encodeGrayPng(upscale(gridImage(both, 2 * n, split.rows, split.cols, n), 2)));
}

const TRAIN = TAB10[0], TEST = TAB10[3];

/** One training batch for the curves: x in epochs (fractional), and its loss, reconstruction and KL per example. */
export interface BatchPoint {
  x: number;
  values: [number, number, number];
}

/**
 * loss.svg: the loss, the reconstruction term and the KL per example over epochs, for training
 * (every batch, and each epoch's mean) and the test set; x in epochs on every panel.
 */
export async function writeLossCurves(path: string, epochs: EpochLog[], batches: BatchPoint[]): Promise<void> {
  // A training mean summarises the whole epoch, so it sits at the epoch's middle; a test figure is
  // measured at the epoch's end.
  const per = (f: (e: EpochLog) => number | undefined, at = 0) => epochs.map((e) => [e.epoch - at, f(e) ?? NaN] as [number, number]);
  const last = epochs.length ? epochs[epochs.length - 1].epoch : 1;
  const first = Math.min(epochs.length ? epochs[0].epoch - 1 : 0, ...batches.map((b) => b.x));
  const panel = (title: string, f: (e: EpochLog) => number | undefined, g: (e: EpochLog) => number | undefined, column: 1 | 2 | 3): Panel => ({
    title, yLabel: 'nats per example',
    series: [
      ...(batches.length ? [{ label: 'train (each batch)', color: '#9ecae1', points: batches.map((b) => [b.x, b.values[column - 1]] as [number, number]), width: 1, noisy: true }] : []),
      { label: 'train (epoch mean)', color: TRAIN, points: per(f, 0.5), markers: true },
      { label: 'test (epoch end)', color: TEST, points: per(g), markers: true },
    ],
  });
  const pad = 0.02 * Math.max(1, last - first); // room for the markers at both ends
  const svg = lineChart([panel('Negative ELBO (loss)', (e) => e.loss, (e) => e.valLoss, 1),
    panel('Reconstruction term', (e) => e.reconstruction, (e) => e.valReconstruction, 2),
    panel('KL(q(z|x) ‖ p(z))', (e) => e.kl, (e) => e.valKl, 3)], { xLabel: 'epoch', xDomain: [first - pad, last + pad] });
  await writeFileAtomic(path, svg);
}

/**
 * latent.svg: the test set's posterior means coloured by label: z₁ against z₂ for a 2-D latent,
 * else the first two principal components (their share of the variance on the axes).
 */
export async function writeLatent(vae: VAE, split: MnistSplit, path: string): Promise<void> {
  const { mean } = await vae.encode(split.bytes);
  const L = vae.config.latentDim;
  let xy: Float32Array, xLabel: string, yLabel: string, title: string;
  if (L <= 2) {
    xy = new Float32Array(2 * split.count);
    for (let i = 0; i < split.count; i++) { xy[2 * i] = mean[i * L]; xy[2 * i + 1] = L > 1 ? mean[i * L + 1] : 0; }
    [xLabel, yLabel, title] = ['z₁ (posterior mean)', L > 1 ? 'z₂ (posterior mean)' : '0', `Test set in the latent space (${split.count} images)`];
  } else {
    const p = pca2(mean, split.count, L);
    xy = p.xy;
    xLabel = `principal component 1 (${(100 * p.explained[0]).toFixed(0)} % of variance)`;
    yLabel = `principal component 2 (${(100 * p.explained[1]).toFixed(0)} % of variance)`;
    title = `Test set's posterior means, ${L}-d latent projected by PCA`;
  }
  await writeFileAtomic(path, scatterPlot(xy, split.labels, { title, xLabel, yLabel, legendTitle: 'digit' }));
}

/** For a 2-D latent: decoded images over a grid of the latent plane (Kingma & Welling, fig. 4). */
export async function writeManifold(vae: VAE, path: string, rows: number, cols: number, steps = 20, extent = 3): Promise<void> {
  const z = new Float32Array(2 * steps * steps);
  for (let i = 0; i < steps; i++) for (let j = 0; j < steps; j++) {
    z[2 * (i * steps + j)] = -extent + (2 * extent * (j + 0.5)) / steps;
    z[2 * (i * steps + j) + 1] = extent - (2 * extent * (i + 0.5)) / steps;
  }
  await writeFileAtomic(path, encodeGrayPng(gridImage(await vae.decode(z), steps * steps, rows, cols, steps, 0)));
}

export async function writeAll(vae: VAE, test: MnistSplit, out: string, epochs: EpochLog[], batches: BatchPoint[]): Promise<string[]> {
  const written = ['samples.png', 'reconstructions.png', 'loss.svg', 'latent.svg'];
  await writeSamples(vae, join(out, 'samples.png'), test.rows, test.cols);
  await writeReconstructions(vae, test, join(out, 'reconstructions.png'));
  await writeLossCurves(join(out, 'loss.svg'), epochs, batches);
  await writeLatent(vae, test, join(out, 'latent.svg'));
  if (vae.config.latentDim === 2) {
    await writeManifold(vae, join(out, 'manifold.png'), test.rows, test.cols);
    written.push('manifold.png');
  }
  return written;
}
