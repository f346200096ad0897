// Binarised data as the density-estimation papers train and evaluate on it (Burda et al. 2015:
// "dynamically binarised MNIST"; the test set binarised once): each value p in [0, 1] becomes 1
// with probability p. The draws are keyed (assembly/binarize.ts), so a seed names a binarisation.
import { Arena } from '../arena.js';
import type { DataRef } from '../engine.js';
import { ConfigError, DataError } from '../errors.js';
import { createMemory, instantiate, type KernelExports, kernelModule } from '../kernels.js';
import { type DataInput, rowCount } from '../input.js';

/**
 * 'dynamic': a fresh draw each time a row is trained on (keyed by the model's seed, the epoch and
 * the row: the same bits for any worker count); 'static': one draw before training, kept;
 * 'none': the values as they are (default).
 */
export type Binarization = 'dynamic' | 'static' | 'none';

/** The stream of static binarisations (apart from every epoch's and from ε's). */
export const STATIC_STREAM = 0x7ffffff2;

export function checkBinarization(value: unknown, name: string): Binarization {
  if (value === undefined) return 'none';
  if (value !== 'dynamic' && value !== 'static' && value !== 'none') {
    throw new ConfigError(`${name} must be 'dynamic', 'static' or 'none', got ${String(value)}`);
  }
  return value;
}

/** Refuses values outside [0, 1] (bytes always qualify): they are not probabilities. */
function checkProbabilities(k: KernelExports, ref: DataRef, what: string): void {
  if (ref.u8) return;
  const bad = k.first_invalid(ref.ptr, ref.rows * ref.cols, 0, 1);
  if (bad < 0) return;
  throw new DataError(`${what}: binarisation draws each value p as 1 with probability p, so values must lie in [0, 1]; `
    + `row ${Math.floor(bad / ref.cols)}, column ${bad % ref.cols} is not`, Math.floor(bad / ref.cols), bad % ref.cols);
}

/**
 * Loaded rows as the fit's `binarize` asks: dynamic marks them for the engine to draw per epoch;
 * static draws once (seed, STATIC_STREAM) into bytes 0/255, in place when the rows are bytes.
 */
export function binarizeLoaded(k: KernelExports, arena: Arena, ref: DataRef, how: Binarization, seed: number, what: string): DataRef {
  if (how === 'none') return ref;
  checkProbabilities(k, ref, what);
  if (how === 'dynamic') return { ...ref, binarize: true };
  const dst = ref.u8 ? ref.ptr : arena.alloc(ref.rows * ref.cols);
  k.binarize_rows(dst, ref.ptr, ref.u8 ? 1 : 0, 0, 0, ref.rows, ref.cols, seed >>> 0, STATIC_STREAM, 1);
  return { ...ref, ptr: dst, u8: true };
}

/**
 * A static binarisation of `data` (rows of `dim` values in [0, 1], or bytes read as byte/255):
 * bytes 0 or 255, value (i, j) being 255 with probability p(i, j), drawn from (seed, row i,
 * column j). The same seed gives the same bits everywhere, so a test set binarised once can be
 * shared with another library (as the papers' binarised MNIST is). Default seed 0.
 */
export async function binarize(data: DataInput, options: { dim: number; seed?: number }): Promise<Uint8Array> {
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new ConfigError(`seed must be an integer in [0, 2^32), got ${String(seed)}`);
  const rows = rowCount(data, options.dim, 'binarize input', 'dim');
  const { module } = await kernelModule('simd');
  const bytes = data.length * (data instanceof Uint8Array ? 2 : 5);
  const memory = createMemory(Math.ceil(bytes / 65536) + 2);
  const k = await instantiate(module, memory);
  const arena = new Arena(memory, k.heap_base());
  const src = data instanceof Uint8Array ? arena.alloc(data.length) : arena.allocFloats(data.length);
  if (data instanceof Uint8Array) arena.u8(src, data.length).set(data);
  else arena.f32(src, data.length).set(data);
  const ref = binarizeLoaded(k, arena, { ptr: src, rows, cols: options.dim, u8: data instanceof Uint8Array }, 'static', seed, 'binarize input');
  return arena.u8(ref.ptr, data.length).slice();
}
