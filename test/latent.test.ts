// Working in a trained model's latent space: the latent kernels against float64 references, the
// library's interpolate/traverse/activeUnits/attributeVector/edit/embed on a model trained on
// MNIST, the CLI commands, and the bad input each must refuse.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadMnist, type MnistData, ShapeError, VAE } from '../src/index.js';
import { DATA_DIR, kernels, randomArray, rng, worstError } from './helpers.js';

const CLI = new URL('../dist/src/cli.js', import.meta.url).pathname;

/** Spherical interpolation in float64 (Shoemake 1985). */
function slerp64(a: Float32Array, b: Float32Array, t: number): number[] {
  const dot = a.reduce((s, x, j) => s + x * b[j], 0), na = Math.hypot(...a), nb = Math.hypot(...b);
  const omega = Math.acos(Math.max(-1, Math.min(1, dot / (na * nb))));
  return Array.from(a, (x, j) => (Math.sin((1 - t) * omega) * x + Math.sin(t * omega) * b[j]) / Math.sin(omega));
}

describe('latent kernels', async () => {
  const K = await kernels('simd');
  const next = rng(21);

  it('interpolate_rows: linear and spherical paths against float64; slerp between codes of equal norm keeps the norm and turns at a constant rate', () => {
    const n = 7, steps = 6, a = randomArray(n, next, -2, 2), b = randomArray(n, next, -2, 2);
    const out = K.arena.allocFloats(steps * n);
    K.k.interpolate_rows(out, K.put(a), K.put(b), n, steps, 0);
    const linear = K.get(out, steps * n);
    expect(worstError(linear, Array.from({ length: steps * n }, (_, i) => { const t = Math.floor(i / n) / (steps - 1); return (1 - t) * a[i % n] + t * b[i % n]; }), 1e-6, 1e-6)).toBeLessThan(1);
    K.k.interpolate_rows(out, K.put(a), K.put(b), n, steps, 1);
    const sph = K.get(out, steps * n);
    expect(worstError(sph, Array.from({ length: steps }, (_, s) => slerp64(a, b, s / (steps - 1))).flat(), 1e-5, 1e-5)).toBeLessThan(1);
    expect(Array.from(sph.subarray(0, n))).toEqual(Array.from(a)); // the ends are the codes themselves
    expect(Array.from(sph.subarray((steps - 1) * n))).toEqual(Array.from(b));
    // Equal norms: every point on the path has that norm, and the angle from a grows linearly in t.
    const scale = Math.hypot(...a) / Math.hypot(...b), b2 = b.map((x) => x * scale);
    K.k.interpolate_rows(out, K.put(a), K.put(b2), n, steps, 1);
    const path = K.get(out, steps * n), norm = Math.hypot(...a);
    const omega = Math.acos(a.reduce((s, x, j) => s + x * b2[j], 0) / (norm * norm));
    for (let s = 0; s < steps; s++) {
      const p = path.subarray(s * n, (s + 1) * n);
      expect(Math.abs(Math.hypot(...p) - norm) / norm).toBeLessThan(1e-5);
      expect(Math.abs(Math.acos(Math.min(1, p.reduce((q, x, j) => q + x * a[j], 0) / (norm * Math.hypot(...p)))) - (omega * s) / (steps - 1))).toBeLessThan(1e-3);
    }
    // A linear path between the same codes cuts the corner: its midpoint is shorter.
    K.k.interpolate_rows(out, K.put(a), K.put(b2), n, 3, 0);
    expect(Math.hypot(...K.get(out + 4 * n, n))).toBeLessThan(norm * 0.999);
  });

  it('column_moments: means and variances of all rows or of a labelled group, against float64', () => {
    const rows = 37, cols = 5, x = randomArray(rows * cols, next, -3, 3), labels = Int32Array.from({ length: rows }, (_, r) => r % 3);
    const m = K.arena.allocFloats(cols), v = K.arena.allocFloats(cols), px = K.put(x), pl = K.arena.alloc(4 * rows);
    K.arena.i32(pl, rows).set(labels);
    for (const group of [undefined, 2]) {
      const members = Array.from({ length: rows }, (_, r) => r).filter((r) => group === undefined || labels[r] === group);
      expect(K.k.column_moments(m, v, px, rows, cols, group === undefined ? 0 : pl, group ?? 0)).toBe(members.length);
      const mean = Array.from({ length: cols }, (_, j) => members.reduce((s, r) => s + x[r * cols + j], 0) / members.length);
      const variance = mean.map((mu, j) => members.reduce((s, r) => s + (x[r * cols + j] - mu) ** 2, 0) / members.length);
      expect(worstError(K.get(m, cols), mean, 1e-6, 1e-6)).toBeLessThan(1);
      expect(worstError(K.get(v, cols), variance, 1e-6, 1e-6)).toBeLessThan(1);
    }
    expect(K.k.column_moments(m, v, px, rows, cols, pl, 7)).toBe(0);
  });

  it('traversal_rows and add_scaled_rows', () => {
    const n = 4, base = [0.5, -1, 2, 3], dims = [3, 0], values = [-1, 0, 1];
    const out = K.arena.allocFloats(6 * n), pd = K.arena.alloc(8);
    K.arena.i32(pd, 2).set(dims);
    K.k.traversal_rows(out, K.put(base), n, pd, 2, K.put(values), 3);
    expect(Array.from(K.get(out, 6 * n))).toEqual([0.5, -1, 2, -1, 0.5, -1, 2, 0, 0.5, -1, 2, 1, -1, -1, 2, 3, 0, -1, 2, 3, 1, -1, 2, 3]);
    const x = K.put([1, 2, 3, 4, 5, 6, 7, 8]);
    K.k.add_scaled_rows(x, x, K.put([1, 0, -1, 2]), 2, n, 0.5);
    expect(Array.from(K.get(x, 8))).toEqual([1.5, 2, 2.5, 5, 5.5, 6, 6.5, 9]);
  });
});

describe('latent-space tools on an MNIST model', () => {
  let mnist: MnistData, vae: VAE, dir: string;
  const row = (i: number) => mnist.test.images.subarray(i * 784, (i + 1) * 784);
  beforeAll(async () => {
    mnist = await loadMnist({ dir: DATA_DIR });
    // β = 4 pushes some dimensions towards the prior within a short run (variance of their means < 0.1), as longer runs do at β = 1.
    vae = await VAE.create({ inputDim: 784, hidden: [200], latentDim: 16, seed: 2, beta: 4 }, { workers: 1 });
    await vae.fit(mnist.train.bytes.subarray(0, 784 * 12_000), { epochs: 10, batchSize: 100, learningRate: 2e-3 });
    dir = mkdtempSync(join(tmpdir(), 'wasm-vae-latent-'));
    await vae.save(join(dir, 'model.safetensors'));
  }, 120_000);

  it('interpolation endpoints decode to the reconstructions of the two inputs (linear and slerp)', async () => {
    const ends = await vae.reconstruct(new Float32Array([...row(3), ...row(2)]));
    for (const method of ['linear', 'slerp'] as const) {
      const path = await vae.interpolate(row(3), row(2), { steps: 7, method });
      expect(path.length).toBe(7 * 784);
      expect(worstError(path.subarray(0, 784), ends.subarray(0, 784), 1e-6)).toBeLessThan(1);
      expect(worstError(path.subarray(6 * 784), ends.subarray(784), 1e-6)).toBeLessThan(1);
      expect(worstError(path.subarray(3 * 784, 4 * 784), ends.subarray(0, 784), 0.05)).toBeGreaterThan(1); // the middle is neither end
    }
  });

  it('active units: traversing an inactive dimension changes the decode less than traversing an active one', async () => {
    const au = await vae.activeUnits(mnist.test.bytes);
    expect(au.variance.length).toBe(16);
    expect(au.ranking).toHaveLength(16);
    for (let i = 1; i < 16; i++) expect(au.variance[au.ranking[i]]).toBeLessThanOrEqual(au.variance[au.ranking[i - 1]]);
    const most = au.ranking[0], least = au.ranking[15];
    expect(au.variance[least]).toBeLessThan(0.1);
    expect(au.variance[most]).toBeGreaterThan(0.5);
    const t = await vae.traverse(row(0), { dims: [most, least], steps: 5 });
    const change = (d: number) => { let s = 0; for (let p = 0; p < 784; p++) s += Math.abs(t.images[(d * 5 + 4) * 784 + p] - t.images[d * 5 * 784 + p]); return s; };
    console.log(`active units ${au.active}/16; variance of the most active ${au.variance[most].toFixed(3)}, least ${au.variance[least].toExponential(2)}; `
      + `decode change ${change(0).toFixed(1)} vs ${change(1).toFixed(1)}`);
    expect(change(1)).toBeLessThan(change(0));
    const ranked = await vae.traverse(row(0), { data: mnist.test.bytes, top: 3 });
    expect(ranked.dims).toEqual(au.ranking.slice(0, 3));
    expect(ranked.values).toEqual([-3, -2.25, -1.5, -0.75, 0, 0.75, 1.5, 2.25, 3]);
  });

  it('attribute vector and edit: amount 0 is the reconstruction; the 4→9 vector moves a 4 towards the mean 9', async () => {
    const x = mnist.test.bytes.subarray(0, 784 * 2000), labels = mnist.test.labels.subarray(0, 2000);
    const v = await vae.attributeVector(x, 4, 9, { labels });
    const mask = Array.from(labels, (l) => l === 9);
    const byMask = await vae.attributeVector(x, Array.from(labels, (l) => l === 4), mask);
    expect(Array.from(byMask)).toEqual(Array.from(v));
    const four = row(4);
    expect(mnist.test.labels[4]).toBe(4);
    expect(await vae.edit(four, v, 0)).toEqual(await vae.reconstruct(four));
    // The code moved by the vector is nearer the nines' mean code than the four's own.
    const { mean } = await vae.embed(x), L = 16, nines = new Float32Array(L);
    let count = 0;
    labels.forEach((l, r) => { if (l === 9) { count++; for (let j = 0; j < L; j++) nines[j] += mean[r * L + j]; } });
    const z4 = (await vae.encode(four)).mean, dist = (z: ArrayLike<number>) => Math.hypot(...Array.from(nines, (s, j) => s / count - z[j]));
    expect(dist(z4.map((z, j) => z + v[j]))).toBeLessThan(dist(z4));
  });

  it('embed over 2 workers equals encode on one thread, bit for bit', async () => {
    const x = mnist.test.bytes.subarray(0, 784 * 3000);
    const one = await vae.encode(x, { workers: 1 });
    const two = await vae.embed(x, { workers: 2 });
    expect(vae.runtime.workers).toBe(2);
    expect(two.mean).toEqual(one.mean);
    expect(two.logVar).toEqual(one.logVar);
  });

  it('a conditional model takes labels in every tool', async () => {
    const cvae = await VAE.create({ inputDim: 784, hidden: [64], latentDim: 4, seed: 3, conditional: { classes: 10 } }, { workers: 1 });
    const x = mnist.test.bytes.subarray(0, 784 * 500), labels = mnist.test.labels.subarray(0, 500);
    await cvae.fit(x, { epochs: 1, batchSize: 50, labels });
    const [la, lb] = [mnist.test.labels[3], mnist.test.labels[2]];
    const path = await cvae.interpolate(row(3), row(2), { steps: 3, labels: [la, lb] });
    expect(path.subarray(0, 784)).toEqual(await cvae.reconstruct(row(3), { labels: [la] }));
    const asB = await cvae.interpolate(row(3), row(2), { steps: 3, labels: [la, lb], decodeLabel: lb });
    expect(asB.subarray(2 * 784)).toEqual(await cvae.reconstruct(row(2), { labels: [lb] }));
    expect((await cvae.traverse(row(0), { labels: [mnist.test.labels[0]], data: x, dataLabels: labels, top: 2 })).images.length).toBe(2 * 9 * 784);
    const v = await cvae.attributeVector(x, 4, 9, { labels });
    expect((await cvae.edit(row(4), v, 0.5, { labels: [4] })).length).toBe(784);
    expect((await cvae.embed(x, { labels })).mean.length).toBe(500 * 4);
    await expect(cvae.embed(x)).rejects.toThrow(/this conditional model needs labels/);
    await cvae.dispose();
  });

  it('bad input: typed errors naming the argument', async () => {
    await expect(vae.interpolate(row(0), row(1), { steps: 1 })).rejects.toThrow(/steps must be an integer >= 2, got 1/);
    await expect(vae.interpolate(row(0), row(1), { method: 'cubic' as never })).rejects.toThrow(ConfigError);
    await expect(vae.interpolate(row(0), mnist.test.images.subarray(0, 1568))).rejects.toThrow(/xb must be one row of inputDim = 784 values, got 1568/);
    await expect(vae.traverse(row(0), { dims: [3, 16] })).rejects.toThrow(/dims\[1\] must be a latent dimension from 0 to 15, got 16/);
    await expect(vae.traverse(row(0), { steps: 0 })).rejects.toThrow(/steps must be an integer >= 2/);
    await expect(vae.edit(row(0), new Float32Array(15))).rejects.toThrow(ShapeError);
    await expect(vae.edit(row(0), new Float32Array(15))).rejects.toThrow(/vector must be a Float32Array of latentDim = 16 values, got 15/);
    await expect(vae.attributeVector(mnist.test.bytes.subarray(0, 7840), 4, 9)).rejects.toThrow(/group a is class 4, which needs options.labels/);
    await expect(vae.attributeVector(mnist.test.bytes.subarray(0, 7840), [1, 0], [0, 1])).rejects.toThrow(/group a: a mask of 2 entries for 10 rows/);
    await expect(vae.embed(mnist.test.bytes.subarray(0, 7840), { labels: new Array(10).fill(1) })).rejects.toThrow(/labels were given, but this model is not conditional/);
  });

  it('CLI: interpolate, traverse and edit write labelled figures; embed writes .npy and .csv read back by a separate reader; bad indices exit 2', async () => {
    const run = (args: string[]) => promisify(execFile)('node', [CLI, ...args, '--model', join(dir, 'model.safetensors'), '--data', DATA_DIR]);
    await run(['interpolate', '--from', '3', '--to', '2', '--steps', '6', '--out', join(dir, 'i.svg')]);
    const svg = readFileSync(join(dir, 'i.svg'), 'utf8');
    expect(svg).toContain('data:image/png;base64,');
    expect(svg).toContain('t=0.4');
    await run(['traverse', '--index', '0', '--top', '3', '--out', join(dir, 't.svg')]);
    const traversal = readFileSync(join(dir, 't.svg'), 'utf8');
    expect(traversal.match(/>z\d+<\/text>/g)).toHaveLength(3);
    expect(traversal).toContain('>−3</text>');
    await run(['edit', '--index', '4', '--from-label', '4', '--to-label', '9', '--out', join(dir, 'e.png')]);
    expect(readFileSync(join(dir, 'e.png')).subarray(1, 4).toString()).toBe('PNG');
    await run(['embed', '--split', 'test', '--out', join(dir, 'z.npy'), '--workers', '2']);
    // An independent reader of the .npy format: magic, version 1, little-endian header length, dict, values.
    const bytes = readFileSync(join(dir, 'z.npy'));
    expect(bytes.subarray(0, 6).toString('latin1')).toBe('\x93NUMPY');
    const headerLength = bytes.readUInt16LE(8), header = bytes.subarray(10, 10 + headerLength).toString('latin1');
    expect(header).toMatch(/'descr': '<f4', 'fortran_order': False, 'shape': \(10000, 16\)/);
    const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset + 10 + headerLength, bytes.byteOffset + bytes.length));
    const { mean } = await vae.encode(mnist.test.bytes, { workers: 1 });
    expect(values).toEqual(mean);
    await run(['embed', '--split', 'test', '--out', join(dir, 'z.csv')]);
    const lines = readFileSync(join(dir, 'z.csv'), 'utf8').trim().split('\n');
    expect(lines[0]).toBe(`label,${Array.from({ length: 16 }, (_, j) => `z${j}`).join(',')}`);
    expect(lines).toHaveLength(10_001);
    const first = lines[1].split(',').map(Number);
    expect(first[0]).toBe(mnist.test.labels[0]);
    expect(Float32Array.from(first.slice(1))).toEqual(mean.subarray(0, 16));
    const bad = await run(['traverse', '--index', '10000', '--out', join(dir, 'x.svg')]).catch((e: { code: number; stderr: string }) => e);
    expect((bad as { code: number }).code).toBe(2);
    expect((bad as { stderr: string }).stderr).toMatch(/--index must be an integer from 0 to 9999, got '10000'/);
  });
});
