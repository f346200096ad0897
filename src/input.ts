// Checks user arrays before they reach wasm, and copies them into the shared memory.
import type { Arena } from './arena.js';
import type { DataRef } from './engine.js';
import { ConfigError, DataError, ShapeError } from './errors.js';
import type { KernelExports } from './kernels.js';
import type { ResolvedConfig } from './model/config.js';

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
                       lo = -Infinity, hi = Infinity, dimName = 'inputDim', hint: string = BERNOULLI_HINT): DataRef {
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

/** Class labels: Uint8Array, Int32Array or plain integer arrays of class indices. */
export type LabelInput = Uint8Array | Int32Array | Uint16Array | ArrayLike<number>;

/**
 * Checks `labels` against the model (a conditional model needs one label per row, each an integer
 * in [0, classes); an unconditional one takes none) and copies them into the arena as i32;
 * returns their byte offset, 0 for an unconditional model.
 */
export function copyLabels(arena: Arena, labels: LabelInput | undefined, rows: number, classes: number | undefined, what: string): number {
  if (!classes) {
    if (labels !== undefined) throw new ConfigError(`${what}: labels were given, but this model is not conditional (VAEConfig.conditional)`);
    return 0;
  }
  if (labels === undefined) throw new ConfigError(`${what}: this conditional model needs labels (one class index per row, ${rows} of them)`);
  if (typeof labels !== 'object' || typeof (labels as ArrayLike<number>).length !== 'number') {
    throw new ShapeError(`${what}: labels must be an array of class indices, got ${typeof labels}`);
  }
  if (labels.length !== rows) throw new ShapeError(`${what}: ${labels.length} labels for ${rows} rows: one label per row is expected`);
  const ptr = arena.alloc(4 * Math.max(1, rows));
  const dst = arena.i32(ptr, rows);
  for (let r = 0; r < rows; r++) {
    const v = labels[r];
    if (!Number.isInteger(v) || v < 0 || v >= classes) throw new DataError(`${what}: label ${v} at row ${r} is not a class in 0–${classes - 1}`, r);
    dst[r] = v;
  }
  return ptr;
}

/** How rows are checked: 'range' ([0, 1] for Bernoulli), 'train' (also Gaussian data within ±GAUSSIAN_SCALE_LIMIT), 'none'. */
export type RowCheck = 'range' | 'train' | 'none';

/** A model's input rows copied in after checking them, with their labels for a conditional model. */
export function loadRows(k: KernelExports, arena: Arena, config: ResolvedConfig, data: DataInput, what: string,
                         labels: LabelInput | undefined, check: RowCheck): DataRef {
  const gaussianTraining = check === 'train' && config.likelihood === 'gaussian';
  const [lo, hi] = gaussianTraining ? [-GAUSSIAN_SCALE_LIMIT, GAUSSIAN_SCALE_LIMIT]
    : check !== 'none' && config.likelihood === 'bernoulli' ? [0, 1] : [-Infinity, Infinity];
  const ref = copyIn(k, arena, data, config.inputDim, what, lo, hi, 'inputDim', gaussianTraining ? GAUSSIAN_HINT : undefined);
  return { ...ref, labels: copyLabels(arena, labels, ref.rows, config.conditional?.classes, what) };
}

/** The encoder's head rows [μ | log σ²] (rows × 2·latent at byte `head`) as two arrays, split in wasm (take_cols). */
export function splitHead(k: KernelExports, arena: Arena, head: number, rows: number, latent: number): { mean: Float32Array; logVar: Float32Array } {
  const mean = arena.allocFloats(rows * latent), logVar = arena.allocFloats(rows * latent);
  k.take_cols(mean, head, rows, latent, 2 * latent);
  k.take_cols(logVar, head + 4 * latent, rows, latent, 2 * latent);
  return { mean: arena.f32(mean, rows * latent).slice(), logVar: arena.f32(logVar, rows * latent).slice() };
}
