// Checks user arrays before they reach wasm, and copies them into the shared memory.
import type { Arena } from './arena.js';
import type { DataRef } from './engine.js';
import { DataError, ShapeError } from './errors.js';
import type { KernelExports } from './kernels.js';

/** Rows of `dim` values: Float32Array as is, or Uint8Array read as byte/255 (e.g. raw MNIST pixels). */
export type DataInput = Float32Array | Uint8Array;

/** Number of rows in `data`, or a ShapeError that says what was expected. */
export function rowCount(data: unknown, dim: number, what: string, dimName = 'inputDim'): number {
  if (!(data instanceof Float32Array) && !(data instanceof Uint8Array)) {
    const got = data === null ? 'null' : typeof data === 'object' ? (data as object).constructor?.name ?? 'object' : typeof data;
    throw new ShapeError(`${what} must be a Float32Array (or Uint8Array of bytes) of rows of ${dim} values, got ${got}`);
  }
  if (data.length === 0) throw new DataError(`${what} is empty: expected at least one row of ${dim} values`);
  if (data.length % dim !== 0) {
    throw new ShapeError(`${what} has ${data.length} values, which is not a whole number of rows of ${dim} (${dimName}); `
      + `${Math.floor(data.length / dim)} rows and ${data.length % dim} values left over`);
  }
  return data.length / dim;
}

export const BERNOULLI_HINT = "a Bernoulli likelihood needs values in [0, 1] (use likelihood: 'gaussian' for real values)";
/** Largest |value| a Gaussian model trains on (measured: scale 100 gave a loss of 1e13, scale 1,000 NaN from the first batch). */
export const GAUSSIAN_SCALE_LIMIT = 100;
export const GAUSSIAN_HINT = `a Gaussian likelihood starts at unit scale and diverges on data beyond ±${GAUSSIAN_SCALE_LIMIT} `
  + '(measured: NaN from the first batch at ±1,000): standardise each column first (subtract its mean, divide by its standard deviation)';

/**
 * Copies `data` into a new arena region and checks it in wasm: every value finite, and within
 * [lo, hi] (for a Bernoulli likelihood [0, 1]). Throws DataError naming the first bad row.
 */
export function copyIn(k: KernelExports, arena: Arena, data: DataInput, dim: number, what: string,
                       lo = -Infinity, hi = Infinity, dimName = 'inputDim', hint = BERNOULLI_HINT): DataRef {
  const rows = rowCount(data, dim, what, dimName);
  if (data instanceof Uint8Array) {
    const ptr = arena.alloc(data.length);
    arena.u8(ptr, data.length).set(data);
    return { ptr, rows, cols: dim, u8: true };
  }
  const ptr = arena.allocFloats(data.length);
  arena.f32(ptr, data.length).set(data);
  const bad = k.first_invalid(ptr, data.length, lo, hi);
  if (bad >= 0) {
    const value = data[bad];
    const row = Math.floor(bad / dim), column = bad % dim;
    const why = Number.isFinite(value) ? `outside [${lo}, ${hi}]` : 'not finite';
    throw new DataError(`${what}: row ${row}, column ${column} is ${value} (${why})`
      + (Number.isFinite(value) ? `; ${hint}` : ''),
    row, column);
  }
  return { ptr, rows, cols: dim, u8: false };
}
