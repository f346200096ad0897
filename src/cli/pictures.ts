// The pictures the CLI writes: samples, reconstructions, loss curves, latent scatter, manifold.
import { join } from 'node:path';
import type { MnistSplit } from '../data/mnist.js';
import { encodeGrayPng, gridImage, upscale } from '../images.js';
import { writeFileAtomic } from '../platform.node.js';
import { encodeRgbPng, linePanel, Raster, scatter } from '../plots.js';
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

const BLUE: [number, number, number] = [31, 119, 180], RED: [number, number, number] = [214, 39, 40], LIGHT: [number, number, number] = [170, 200, 230];

/** Train (per batch and per epoch) and test curves of the loss, the reconstruction term and the KL. */
export async function writeLossCurves(path: string, epochs: EpochLog[], batchLosses: [number, number][]): Promise<void> {
  const r = new Raster(720, 780);
  const per = (f: (e: EpochLog) => number | undefined) => epochs.map((e) => [e.epoch, f(e) ?? NaN] as [number, number]);
  linePanel(r, 0, 0, 720, 260, 'loss per example (nats)', 'epoch', [
    ...(batchLosses.length ? [{ label: 'train batches', color: LIGHT, points: batchLosses, thick: 1 }] : []),
    { label: 'train', color: BLUE, points: per((e) => e.loss) },
    { label: 'test', color: RED, points: per((e) => e.valLoss) },
  ]);
  linePanel(r, 0, 260, 720, 260, 'reconstruction (nats)', 'epoch', [
    { label: 'train', color: BLUE, points: per((e) => e.reconstruction) },
    { label: 'test', color: RED, points: per((e) => e.valReconstruction) },
  ]);
  linePanel(r, 0, 520, 720, 260, 'kl (nats)', 'epoch', [
    { label: 'train', color: BLUE, points: per((e) => e.kl) },
    { label: 'test', color: RED, points: per((e) => e.valKl) },
  ]);
  await writeFileAtomic(path, encodeRgbPng(r));
}

/** The test set's posterior means, first two latent dimensions, coloured by label. */
export async function writeLatent(vae: VAE, split: MnistSplit, path: string): Promise<void> {
  const { mean } = await vae.encode(split.bytes);
  const L = vae.config.latentDim;
  const xy = new Float32Array(2 * split.count);
  for (let i = 0; i < split.count; i++) { xy[2 * i] = mean[i * L]; xy[2 * i + 1] = L > 1 ? mean[i * L + 1] : 0; }
  const title = L === 2 ? 'latent means (test set)' : `latent dims 1 and 2 of ${L} (test set)`;
  await writeFileAtomic(path, encodeRgbPng(scatter(xy, split.labels, 640, title)));
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

export async function writeAll(vae: VAE, test: MnistSplit, out: string, epochs: EpochLog[], batchLosses: [number, number][]): Promise<string[]> {
  const written = ['samples.png', 'reconstructions.png', 'loss.png', 'latent.png'];
  await writeSamples(vae, join(out, 'samples.png'), test.rows, test.cols);
  await writeReconstructions(vae, test, join(out, 'reconstructions.png'));
  await writeLossCurves(join(out, 'loss.png'), epochs, batchLosses);
  await writeLatent(vae, test, join(out, 'latent.png'));
  if (vae.config.latentDim === 2) {
    await writeManifold(vae, join(out, 'manifold.png'), test.rows, test.cols);
    written.push('manifold.png');
  }
  return written;
}
