// Folders of images people bring: decoding (PNG, JPEG), area resampling, compositing on white,
// grey and RGB rows, classes from sub-folders, the seeded split, and the files it must refuse.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { describe, expect, it } from 'vitest';
import { ConfigError, DataError, VAE } from '../src/index.js';
import { loadImageFolder } from '../src/node.js';

/** A PNG of w×h RGBA pixels from pixel(x, y) → [r, g, b, a]. */
function png(w: number, h: number, pixel: (x: number, y: number) => number[]): Buffer {
  const p = new pngjs.PNG({ width: w, height: h });
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) p.data.set(pixel(x, y), 4 * (y * w + x));
  return pngjs.PNG.sync.write(p);
}

async function folder(files: Record<string, Buffer>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'wasm-vae-images-'));
  for (const [name, bytes] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), bytes);
  }
  return dir;
}

describe('loadImageFolder', () => {
  it('reads classes from sub-folders, resamples by area, composites on white, grey or RGB, channel-major', async () => {
    const dir = await folder({
      'cat/a.png': png(4, 4, (x, y) => ((x >> 1) + (y >> 1)) % 2 ? [255, 0, 0, 255] : [0, 0, 255, 255]), // 2×2 blocks: red and blue
      'cat/b.png': png(4, 4, () => [0, 0, 0, 0]), // fully transparent: white
      'dog/c.jpg': Buffer.from(jpeg.encode({ width: 8, height: 8, data: new Uint8Array(8 * 8 * 4).fill(200) }, 100).data),
    });
    const rgb = await loadImageFolder(dir, { size: 2, channels: 3, testFraction: 0 });
    expect(rgb.classes).toEqual(['cat', 'dog']);
    expect(rgb.shape).toEqual([3, 2, 2]);
    expect(rgb.dim).toBe(12);
    const row = (name: string) => Array.from(rgb.train.bytes.subarray(rgb.train.files.indexOf(name) * 12, rgb.train.files.indexOf(name) * 12 + 12));
    // Each 2×2 block becomes one pixel: R plane, G plane, B plane (CHW).
    expect(row(join('cat', 'a.png'))).toEqual([0, 255, 255, 0, 0, 0, 0, 0, 255, 0, 0, 255]);
    expect(row(join('cat', 'b.png'))).toEqual(new Array(12).fill(255));
    expect(Math.abs(row(join('dog', 'c.jpg'))[0] - 200)).toBeLessThanOrEqual(2); // JPEG at quality 100
    expect(Array.from(rgb.train.labels)).toEqual(rgb.train.files.map((f) => (f.startsWith('dog') ? 1 : 0)));
    // Grey: BT.601 luma of the area mean (to 1×1: half red, half blue).
    const grey = await loadImageFolder(dir, { size: [1, 1], channels: 1, testFraction: 0 });
    expect(grey.train.bytes[grey.train.files.indexOf(join('cat', 'a.png'))]).toBe(Math.round(0.299 * 127.5 + 0.114 * 127.5));
  });

  it('splits with the seed, the same way every time, and trains a VAE on the rows', async () => {
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 40; i++) files[`img${String(i).padStart(2, '0')}.png`] = png(6, 6, (x, y) => [(x * 40 + i) % 256, (y * 40) % 256, 0, 255]);
    const dir = await folder(files);
    const progress: number[][] = [];
    const a = await loadImageFolder(dir, { testFraction: 0.25, seed: 3, onProgress: (...p) => progress.push(p) });
    expect(progress).toHaveLength(40); // after every image, with the bytes the rows take
    expect(progress.at(-1)).toEqual([40, 40, 40 * 36]);
    const b = await loadImageFolder(dir, { testFraction: 0.25, seed: 3 });
    const c = await loadImageFolder(dir, { testFraction: 0.25, seed: 4 });
    expect([a.train.count, a.test.count]).toEqual([30, 10]);
    expect(a.classes).toEqual([]);
    expect(a.test.files).toEqual(b.test.files);
    expect(c.test.files).not.toEqual(a.test.files);
    expect(new Set([...a.train.files, ...a.test.files]).size).toBe(40);
    const vae = await VAE.create({ inputDim: a.dim, hidden: [16], latentDim: 2 });
    const h = await vae.fit(a.train.bytes, { epochs: 3, batchSize: 10, validation: a.test.bytes });
    expect(h.epochs[2].valLoss).toBeLessThan(h.epochs[0].valLoss!);
    await vae.dispose();
  });

  it('refuses what it cannot use, naming the file: mixed sizes, broken files, an empty folder, too many bytes, bad options', async () => {
    const mixed = await folder({ 'a.png': png(4, 4, () => [0, 0, 0, 255]), 'b.png': png(5, 4, () => [0, 0, 0, 255]) });
    await expect(loadImageFolder(mixed)).rejects.toThrow(/b\.png is 5×4 but a\.png is 4×4: pass size/);
    expect((await loadImageFolder(mixed, { size: 4 })).train.count + (await loadImageFolder(mixed, { size: 4 })).test.count).toBe(2);
    const good = png(4, 4, () => [0, 0, 0, 255]);
    const broken = await folder({ 'a.png': good, 'b.png': good.subarray(0, 30), 'c.jpg': Buffer.from('not a jpeg') });
    await expect(loadImageFolder(broken)).rejects.toThrow(/b\.png: not a readable PNG image/);
    await expect(loadImageFolder(await folder({ 'c.jpg': Buffer.from('not a jpeg') }))).rejects.toThrow(/c\.jpg: not a readable JPG image/);
    await expect(loadImageFolder(await folder({ 'notes.txt': Buffer.from('x') }))).rejects.toThrow(/no PNG or JPEG images in/);
    await expect(loadImageFolder(join(tmpdir(), 'no-such-folder-wasm-vae'))).rejects.toThrow(DataError);
    await expect(loadImageFolder(mixed, { size: 64, channels: 3, maxBytes: 10_000 })).rejects.toThrow(/2 images of 3×64×64 take .* more than maxBytes/);
    await expect(loadImageFolder(mixed, { channels: 2 as never })).rejects.toThrow(ConfigError);
    await expect(loadImageFolder(mixed, { size: 0 })).rejects.toThrow(/size must be a side or \[height, width\]/);
    await expect(loadImageFolder(mixed, { testFraction: 1 })).rejects.toThrow(/testFraction must be in \[0, 1\)/);
  });
});
