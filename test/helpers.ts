import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Arena } from '../src/arena.js';
import { createMemory, instantiate, type KernelBuild, type KernelExports, kernelModule } from '../src/kernels.js';

export const DATA_DIR = process.env.WASM_VAE_DATA ?? new URL('../../shared/data/mnist', import.meta.url).pathname;

export interface Kernels {
  k: KernelExports;
  arena: Arena;
  relaxed: boolean;
  /** Copies values into a fresh region and returns its byte offset. */
  put(values: ArrayLike<number>): number;
  get(ptr: number, n: number): Float32Array;
}

export async function kernels(build: KernelBuild): Promise<Kernels> {
  const { module, relaxedSimd } = await kernelModule(build);
  const memory = createMemory(64);
  const k = await instantiate(module, memory);
  const arena = new Arena(memory, k.heap_base());
  return {
    k, arena, relaxed: relaxedSimd,
    put(values) {
      const p = arena.allocFloats(Math.max(1, values.length));
      arena.f32(p, values.length).set(values);
      return p;
    },
    get: (ptr, n) => arena.f32(ptr, n).slice(),
  };
}

/** Deterministic pseudo-random numbers in [lo, hi). */
export function rng(seed: number): (lo?: number, hi?: number) => number {
  let s = seed >>> 0;
  return (lo = -1, hi = 1) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + (hi - lo) * (s / 4294967296);
  };
}

export function randomArray(n: number, next: (lo?: number, hi?: number) => number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = next(lo, hi);
  return a;
}

/**
 * Rows like images: a share `zeros` of the values zero, most of them in the same columns (a
 * border), the rest at random places; nonzeros in (0, 1).
 */
export function sparseRows(rows: number, k: number, zeros: number, next: (lo?: number, hi?: number) => number): Float32Array {
  const border = Array.from({ length: k }, () => next(0, 1) < zeros);
  return randomArray(rows * k, next, 0, 1).map((v, i) => (border[i % k] ? (next(0, 1) < 0.97 ? 0 : v) : next(0, 1) < zeros / 2 ? 0 : v));
}

/** Largest |a − b| / (atol + rtol·|b|); ≤ 1 means within tolerance. */
export function worstError(a: ArrayLike<number>, b: ArrayLike<number>, atol: number, rtol = 0): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / (atol + rtol * Math.abs(b[i])));
  return Number.isNaN(worst) ? Infinity : worst;
}

/**
 * How live rate readouts agree with the rate over the whole epoch: the worst and the median
 * relative deviation, and the share of readouts within `tolerance`. Tests assert the median, not
 * the worst: on a 2-core machine shared with other work the true rate itself changes within an
 * epoch (a browser's main thread and two workers: one readout 26 % off; a busy host: readouts from
 * 28,121 to 38,261 samples/s against an epoch mean of 37,827), while a meter that misreads bursts
 * of callbacks is off on most readouts, so its median is off.
 */
export function rateAgreement(readouts: number[], truth: number, tolerance = 0.2): { worst: number; median: number; within: number } {
  const deviations = readouts.map((r) => Math.abs(r / truth - 1));
  return {
    worst: Math.max(...deviations),
    median: [...deviations].sort((a, b) => a - b)[Math.floor(deviations.length / 2)],
    within: deviations.filter((d) => d < tolerance).length / deviations.length,
  };
}

/** `perCategory` Twemoji images (64×64 RGBA PNGs of the npm package emoji-datasource-twitter) per Unicode category, skin tones and the Component swatches left out, copied into a fresh folder of class sub-folders. */
export function emojiFolder(perCategory: number): string {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('emoji-datasource-twitter/package.json'));
  const list = require('emoji-datasource-twitter/emoji.json') as { image: string; category: string; has_img_twitter: boolean; sort_order: number }[];
  const dir = mkdtempSync(join(tmpdir(), 'wasm-vae-emoji-')), counts = new Map<string, number>();
  for (const e of [...list].sort((a, b) => a.sort_order - b.sort_order)) {
    const folder = e.category.toLowerCase().replace(/[^a-z]+/g, '-');
    if (!e.has_img_twitter || e.category === 'Component' || (counts.get(folder) ?? 0) >= perCategory) continue;
    counts.set(folder, (counts.get(folder) ?? 0) + 1);
    mkdirSync(join(dir, folder), { recursive: true });
    copyFileSync(join(root, 'img', 'twitter', '64', e.image), join(dir, folder, e.image));
  }
  return dir;
}

/**
 * Where two results first differ in their bits ('' when they are the same): a short message
 * instead of a diff of arrays of 300,000 values.
 */
export function firstDifference(a: Float32Array, b: Float32Array): string {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length), ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < a.length; i++) if (ua[i] !== ub[i]) return `element ${i}: ${a[i]} vs ${b[i]}`;
  return a.length === b.length ? '' : `lengths ${a.length} vs ${b.length}`;
}
