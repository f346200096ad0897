// The pictures the CLI writes: image grids as PNG (samples, reconstructions, manifold), charts as
// SVG (loss curves, latent scatter).
import { join } from 'node:path';
import type { ImageRows } from './datasets.js';
import { encodePng, gridImage, upscale } from '../images.js';
import { writeFileAtomic } from '../platform.node.js';
import { type BatchPoint, lossChart } from '../plots/loss-chart.js';
import { pca2 } from '../plots/pca.js';
import { scatterPlot } from '../plots/scatter.js';
import type { EpochLog } from '../train/options.js';

export type { BatchPoint };
import type { VAE } from '../vae.js';

/**
 * samples.png: n images from the prior in a square grid; for a conditional model one row per
 * class (`label`: all n of that class instead).
 */
export async function writeSamples(vae: VAE, path: string, rows: number, cols: number, n = 64, seed = 1, label?: number): Promise<void> {
  const channels = channelsOf(vae);
  const classes = vae.config.conditional?.classes;
  let columns = Math.ceil(Math.sqrt(n)), labels: number[] | undefined;
  if (classes && label === undefined) {
    columns = Math.max(1, Math.round(n / classes));
    n = columns * classes;
    labels = Array.from({ length: n }, (_, i) => Math.floor(i / columns));
  } else if (classes) {
    labels = new Array<number>(n).fill(label!);
  }
  await writeFileAtomic(path, encodePng(upscale(gridImage(await vae.sample(n, { seed, labels }), n, rows, cols, columns, 2, 1, channels), zoom(rows))));
}

/** A model's image channels: 3 for an RGB inputShape, else 1. */
export function channelsOf(vae: VAE): 1 | 3 {
  return vae.config.inputShape?.[0] === 3 ? 3 : 1;
}

/** The enlargement that makes small images legible: 2× up to 32 pixels high, none above. */
const zoom = (rows: number) => (rows <= 32 ? 2 : 1);

/** A conditional model's labels for the first `n` rows of a split (undefined for an unconditional model). */
export function labelsFor(vae: VAE, split: { labels: Uint8Array; count: number }, n = split.count): Uint8Array | undefined {
  return vae.config.conditional ? split.labels.subarray(0, n) : undefined;
}

export async function writeReconstructions(vae: VAE, split: ImageRows, path: string, n = 16): Promise<void> {
  const originals = split.images.subarray(0, n * split.dim);
  const both = new Float32Array(2 * n * split.dim);
  both.set(originals);
  both.set(await vae.reconstruct(originals, { labels: labelsFor(vae, split, n) }), originals.length);
  await writeFileAtomic(path, encodePng(upscale(gridImage(both, 2 * n, split.rows, split.cols, n, 2, 1, channelsOf(vae)), zoom(split.rows))));
}

/**
 * loss.svg: the loss, the reconstruction term and the KL per example over epochs, for training
 * (every batch, and each epoch's mean) and the test set; x in epochs on every panel.
 */
export async function writeLossCurves(path: string, epochs: EpochLog[], batches: BatchPoint[]): Promise<void> {
  await writeFileAtomic(path, lossChart(epochs, batches));
}

/**
 * latent.svg: the test set's posterior means coloured by label: z₁ against z₂ for a 2-D latent,
 * else the first two principal components (their share of the variance on the axes).
 */
export async function writeLatent(vae: VAE, split: ImageRows, path: string, legend: Legend = DIGITS): Promise<void> {
  const { mean } = await vae.encode(split.values, { labels: labelsFor(vae, split) });
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
  await writeFileAtomic(path, scatterPlot(xy, split.labels, { title, xLabel, yLabel, legendTitle: legend.labelKind, classNames: legend.classNames }));
}

/** For a 2-D latent: decoded images over a grid of the latent plane (Kingma & Welling, fig. 4). */
export async function writeManifold(vae: VAE, path: string, rows: number, cols: number, steps = 20, extent = 3): Promise<void> {
  const z = new Float32Array(2 * steps * steps);
  for (let i = 0; i < steps; i++) for (let j = 0; j < steps; j++) {
    z[2 * (i * steps + j)] = -extent + (2 * extent * (j + 0.5)) / steps;
    z[2 * (i * steps + j) + 1] = extent - (2 * extent * (i + 0.5)) / steps;
  }
  await writeFileAtomic(path, encodePng(gridImage(await vae.decode(z), steps * steps, rows, cols, steps, 0, 1, channelsOf(vae))));
}

/** What a dataset's labels mean, for the latent plot's legend. */
export interface Legend { labelKind: string; classNames: string[] }
const DIGITS: Legend = { labelKind: 'digit', classNames: Array.from({ length: 10 }, (_, i) => String(i)) };

export async function writeAll(vae: VAE, test: ImageRows, out: string, epochs: EpochLog[], batches: BatchPoint[], legend: Legend = DIGITS): Promise<string[]> {
  if (!test.isImage) { // a table's rows: the curves and the latent plot only
    await writeLossCurves(join(out, 'loss.svg'), epochs, batches);
    await writeLatent(vae, test, join(out, 'latent.svg'), legend);
    return ['loss.svg', 'latent.svg'];
  }
  const written = ['samples.png', 'reconstructions.png', 'loss.svg', 'latent.svg'];
  await writeSamples(vae, join(out, 'samples.png'), test.rows, test.cols);
  await writeReconstructions(vae, test, join(out, 'reconstructions.png'));
  await writeLossCurves(join(out, 'loss.svg'), epochs, batches);
  await writeLatent(vae, test, join(out, 'latent.svg'), legend);
  if (vae.config.latentDim === 2 && !vae.config.conditional) {
    await writeManifold(vae, join(out, 'manifold.png'), test.rows, test.cols);
    written.push('manifold.png');
  }
  return written;
}
