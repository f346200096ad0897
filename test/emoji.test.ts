// A real colour dataset: the Twemoji PNGs of the npm package emoji-datasource-twitter (64×64 RGBA,
// composited on white), a few per category as a folder of classes, trained as an RGB conv VAE by
// the library (1 and 2 workers to the same bits) and by `wasm-vae train --images --arch`.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pngjs from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { emojiFolder } from './helpers.js';
import { architecture, VAE } from '../src/index.js';
import { type ImageFolder, loadImageFolder } from '../src/node.js';

const CLI = new URL('../dist/src/cli.js', import.meta.url).pathname;

describe('emoji: a real colour dataset', () => {
  let dir: string, folder: ImageFolder;
  beforeAll(async () => {
    dir = emojiFolder(8);
    folder = await loadImageFolder(dir, { size: 32, channels: 3 });
  });

  it('loads as 3×32×32 rows in 9 classes, in colour, on white', () => {
    expect(folder.shape).toEqual([3, 32, 32]);
    expect(folder.classes).toEqual(['activities', 'animals-nature', 'flags', 'food-drink', 'objects', 'people-body', 'smileys-emotion', 'symbols', 'travel-places']);
    expect(folder.train.count + folder.test.count).toBe(72);
    const b = folder.train.bytes, plane = 32 * 32;
    let coloured = 0, white = 0;
    for (let r = 0; r < folder.train.count; r++) for (let p = 0; p < plane; p++) {
      const [red, green, blue] = [0, 1, 2].map((c) => b[r * 3 * plane + c * plane + p]);
      if (Math.max(red, green, blue) - Math.min(red, green, blue) > 60) coloured++;
      if (red === 255 && green === 255 && blue === 255) white++;
    }
    expect(coloured / (folder.train.count * plane)).toBeGreaterThan(0.1); // saturated pixels: the planes are not copies of each other
    expect(white / (folder.train.count * plane)).toBeGreaterThan(0.2); // the transparent surround became white
  });

  it('dcgan32 (RGB) trains to the same bits with 1 and 2 workers, and its loss falls', async () => {
    const config = { ...architecture('dcgan32', { latentDim: 8 }), seed: 3 };
    const runs = await Promise.all([1, 2].map(async (workers) => {
      const vae = await VAE.create(config, { workers });
      const h = await vae.fit(folder.train.bytes, { epochs: 3, batchSize: 16, validation: folder.test.bytes });
      const params = vae.getParameters();
      await vae.dispose();
      return { h, params };
    }));
    expect(runs[1].params).toEqual(runs[0].params);
    const losses = runs[0].h.epochs.map((e) => e.loss);
    expect(losses[2]).toBeLessThan(losses[0]);
  });

  it('wasm-vae train --images DIR --arch dcgan32 writes RGB pictures and a legend of the class names', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'wasm-vae-emoji-run-')), 'run');
    const { stderr } = await promisify(execFile)('node', [CLI, 'train', '--images', dir, '--arch', 'dcgan32', '--epochs', '1', '--latent', '4', '--batch-size', '16', '--out', out]);
    expect(stderr).toMatch(/65 training and 7 test images of RGB 32×32 in 9 classes/);
    for (const name of ['samples.png', 'reconstructions.png']) {
      const png = pngjs.PNG.sync.read(readFileSync(join(out, name)));
      expect(png.colorType, name).toBe(2); // RGB
    }
    const recon = pngjs.PNG.sync.read(readFileSync(join(out, 'reconstructions.png')));
    let coloured = 0;
    for (let i = 0; i < recon.data.length; i += 4) if (Math.abs(recon.data[i] - recon.data[i + 2]) > 60) coloured++;
    expect(coloured).toBeGreaterThan(100); // the originals' row shows the emoji in colour
    expect(readFileSync(join(out, 'latent.svg'), 'utf8')).toContain('smileys-emotion');
    const history = JSON.parse(readFileSync(join(out, 'history.json'), 'utf8'));
    expect(history.config.inputShape).toEqual([3, 32, 32]);
    const refused = await promisify(execFile)('node', [CLI, 'train', '--images', dir, '--arch', 'dcgan32', '--size', '28', '--out', `${out}2`]).catch((e: { code: number; stderr: string }) => e);
    expect((refused as { code: number }).code).toBe(2);
    expect((refused as { stderr: string }).stderr).toMatch(/--arch dcgan32 takes 32×32 images, the data's are 28×28 \(pass --size\)/);
  });
});
