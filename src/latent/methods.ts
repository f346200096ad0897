// Working in a trained model's latent space: interpolate between two inputs, traverse one latent
// dimension, find the active dimensions, move inputs along a direction between two groups, and
// embed many rows. Methods of VAE (mixed into its prototype by vae.ts); they plan encodes and
// decodes and leave the arithmetic to the latent kernels (assembly/latent.ts).
import { checkKeys } from '../check-keys.js';
import { ConfigError, ShapeError } from '../errors.js';
import { type DataInput, type LabelInput, rowCount } from '../input.js';
import type { WorkerCount } from '../train/options.js';
import type { VAE } from '../vae.js';

/** Options of vae.interpolate(). */
export interface InterpolateOptions {
  /** Decoded rows on the path, both ends included (default 10; at least 2). */
  steps?: number;
  /** 'linear' (default) or 'slerp': along the great circle between the two codes (White 2016). */
  method?: 'linear' | 'slerp';
  /** A conditional model's classes of xa and xb; the path is decoded with xa's class unless `decodeLabel`. */
  labels?: [number, number];
  /** A conditional model's class to decode the whole path with (default: xa's). */
  decodeLabel?: number;
}

/** Options of vae.traverse(). */
export interface TraverseOptions {
  /** The latent dimensions to traverse, in order (default: the `top` most active over `data`, else the first `top`). */
  dims?: number[];
  /** How many dimensions when `dims` is not given (default: latentDim, at most 10). */
  top?: number;
  /** Rows whose posterior means rank the dimensions by variance (activeUnits); default: no ranking. */
  data?: DataInput;
  /** The values run from −range to +range (default 3: three prior standard deviations). */
  range?: number;
  /** Values per dimension (default 9; at least 2). */
  steps?: number;
  /** A conditional model's class of x (and of `data`'s rows, one per row, as `dataLabels`). */
  labels?: [number];
  dataLabels?: LabelInput;
  /** A conditional model's class to decode with (default: x's). */
  decodeLabel?: number;
}

export interface Traversal {
  /** dims.length × steps decoded rows: row d·steps + i has dimension dims[d] set to values[i]. */
  images: Float32Array;
  dims: number[];
  values: number[];
}

export interface ActiveUnits {
  /** Per latent dimension: the variance over the rows of its posterior mean, Cov_x(E_q[z_j]) (Burda et al. 2015). */
  variance: Float32Array;
  /** Dimensions by variance, largest first. */
  ranking: number[];
  /** How many dimensions have variance above `threshold`: the active units. */
  active: number;
  threshold: number;
}

/** Options of vae.embed(). */
export interface EmbedOptions {
  /** A conditional model's class of every row. */
  labels?: LabelInput;
  /** Worker threads that share the rows: a count or 'auto' (default: CreateOptions.workers). */
  workers?: WorkerCount;
}

/** A group of rows for attributeVector: a class index (of `labels`) or a mask with one entry per row (true / nonzero: in the group). */
export type RowGroup = number | ArrayLike<boolean | number>;

export interface LatentMethods {
  /**
   * Decodes `steps` points on the path between the posterior means of two rows xa and xb (one row
   * each), linearly or by slerp: steps × inputDim values, the first and last the reconstructions of
   * xa and xb.
   */
  interpolate(xa: DataInput, xb: DataInput, options?: InterpolateOptions): Promise<Float32Array>;
  /**
   * Latent traversals (Higgins et al. 2017): the posterior mean of one row x with one dimension at
   * a time set to values from −range to +range, decoded; one row of `steps` decodes per dimension.
   */
  traverse(x: DataInput, options?: TraverseOptions): Promise<Traversal>;
  /** Active units (Burda et al. 2015): the variance of each dimension's posterior mean over `data`; active above `threshold` (default 0.01). */
  activeUnits(data: DataInput, options?: { threshold?: number; labels?: LabelInput; workers?: WorkerCount }): Promise<ActiveUnits>;
  /**
   * The direction from group a to group b of `data`'s rows: mean posterior mean of b's rows minus
   * a's (latentDim values). A group is a class index of `options.labels` or a row mask.
   */
  attributeVector(data: DataInput, a: RowGroup, b: RowGroup, options?: { labels?: LabelInput; workers?: WorkerCount }): Promise<Float32Array>;
  /** Decodes each row's posterior mean moved by amount · vector (default amount 1): rows × inputDim. */
  edit(x: DataInput, vector: Float32Array, amount?: number, options?: { labels?: LabelInput }): Promise<Float32Array>;
  /** Posterior means and log-variances of many rows (rows × latentDim each), split among the worker pool; the same bits for any worker count. */
  embed(data: DataInput, options?: EmbedOptions): Promise<{ mean: Float32Array; logVar: Float32Array }>;
}

function count(value: unknown, name: string, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw new ConfigError(`${name} must be an integer >= ${min}, got ${String(value)}`);
  return value;
}

function oneRow(vae: VAE, x: DataInput, name: string): void {
  if (!(x instanceof Float32Array || x instanceof Uint8Array) || x.length !== vae.config.inputDim) {
    throw new ShapeError(`${name} must be one row of inputDim = ${vae.config.inputDim} values, got ${x instanceof Float32Array || x instanceof Uint8Array ? x.length : typeof x}`);
  }
}

function labelOf(labels: number[] | undefined, i: number): { labels?: number[] } {
  return labels === undefined ? {} : { labels: [labels[i]] };
}

/** A group as a 0/1 row mask over `rows` rows. */
function groupMask(group: RowGroup, rows: number, labels: LabelInput | undefined, name: string): Int32Array {
  if (typeof group === 'number') {
    if (!labels) throw new ConfigError(`${name} is class ${group}, which needs options.labels (one class per row of data)`);
    if (labels.length !== rows) throw new ShapeError(`options.labels has ${labels.length} entries for ${rows} rows of data`);
    return Int32Array.from({ length: rows }, (_, r) => (Number(labels[r]) === group ? 1 : 0));
  }
  if (!group || typeof group.length !== 'number') throw new ConfigError(`${name} must be a class index or a mask with one entry per row, got ${typeof group}`);
  if (group.length !== rows) throw new ShapeError(`${name}: a mask of ${group.length} entries for ${rows} rows of data`);
  return Int32Array.from({ length: rows }, (_, r) => (group[r] ? 1 : 0));
}

export const latentMethods: LatentMethods & ThisType<VAE> = {
  async interpolate(xa, xb, options = {}) {
    checkKeys(options, ['steps', 'method', 'labels', 'decodeLabel'], 'interpolate options');
    const steps = count(options.steps ?? 10, 'steps', 2), method = options.method ?? 'linear';
    if (method !== 'linear' && method !== 'slerp') throw new ConfigError(`method must be 'linear' or 'slerp', got ${String(method)}`);
    oneRow(this, xa, 'xa'); oneRow(this, xb, 'xb');
    const a = (await this.encode(xa, labelOf(options.labels, 0))).mean, b = (await this.encode(xb, labelOf(options.labels, 1))).mean;
    const L = this.config.latentDim;
    const path = await this.withKernels((k, arena) => {
      const pa = arena.allocFloats(L), pb = arena.allocFloats(L), out = arena.allocFloats(steps * L);
      arena.f32(pa, L).set(a); arena.f32(pb, L).set(b);
      k.interpolate_rows(out, pa, pb, L, steps, method === 'slerp' ? 1 : 0);
      return arena.f32(out, steps * L).slice();
    });
    const label = options.decodeLabel ?? options.labels?.[0];
    return this.decode(path, label === undefined ? {} : { labels: new Array<number>(steps).fill(label) });
  },

  async traverse(x, options = {}) {
    checkKeys(options, ['dims', 'top', 'data', 'range', 'steps', 'labels', 'dataLabels', 'decodeLabel'], 'traverse options');
    oneRow(this, x, 'x');
    const L = this.config.latentDim, steps = count(options.steps ?? 9, 'steps', 2), range = options.range ?? 3;
    if (typeof range !== 'number' || !Number.isFinite(range) || range <= 0) throw new ConfigError(`range must be a positive number, got ${String(range)}`);
    let dims = options.dims;
    if (dims !== undefined) {
      if (!Array.isArray(dims) || dims.length === 0) throw new ConfigError(`dims must be a non-empty array of latent dimensions, got ${JSON.stringify(dims)}`);
      dims.forEach((d, i) => { if (!Number.isInteger(d) || d < 0 || d >= L) throw new ConfigError(`dims[${i}] must be a latent dimension from 0 to ${L - 1}, got ${String(d)}`); });
    } else {
      const top = count(options.top ?? Math.min(L, 10), 'top', 1);
      if (top > L) throw new ConfigError(`top must be at most latentDim = ${L}, got ${top}`);
      dims = options.data === undefined ? Array.from({ length: top }, (_, i) => i)
        : (await this.activeUnits(options.data, { labels: options.dataLabels })).ranking.slice(0, top);
    }
    const chosen = dims;
    const values = Array.from({ length: steps }, (_, i) => -range + (2 * range * i) / (steps - 1));
    const { mean } = await this.encode(x, options.labels ? { labels: options.labels } : {});
    const rows = chosen.length * steps;
    const z = await this.withKernels((k, arena) => {
      const base = arena.allocFloats(L), d = arena.alloc(4 * chosen.length), v = arena.allocFloats(steps), out = arena.allocFloats(rows * L);
      arena.f32(base, L).set(mean); arena.i32(d, chosen.length).set(chosen); arena.f32(v, steps).set(values);
      k.traversal_rows(out, base, L, d, chosen.length, v, steps);
      return arena.f32(out, rows * L).slice();
    });
    const label = options.decodeLabel ?? options.labels?.[0];
    const images = await this.decode(z, label === undefined ? {} : { labels: new Array<number>(rows).fill(label) });
    return { images, dims: [...chosen], values };
  },

  async activeUnits(data, options = {}) {
    checkKeys(options, ['threshold', 'labels', 'workers'], 'activeUnits options');
    const threshold = options.threshold ?? 0.01;
    if (typeof threshold !== 'number' || !(threshold >= 0)) throw new ConfigError(`threshold must be a number >= 0, got ${String(threshold)}`);
    const { mean } = await this.embed(data, { labels: options.labels, workers: options.workers });
    const L = this.config.latentDim, rows = mean.length / L;
    const variance = await this.withKernels((k, arena) => {
      const x = arena.allocFloats(mean.length), m = arena.allocFloats(L), v = arena.allocFloats(L);
      arena.f32(x, mean.length).set(mean);
      k.column_moments(m, v, x, rows, L, 0, 0);
      return arena.f32(v, L).slice();
    });
    const ranking = Array.from({ length: L }, (_, j) => j).sort((p, q) => variance[q] - variance[p] || p - q);
    return { variance, ranking, active: variance.filter((v) => v > threshold).length, threshold };
  },

  async attributeVector(data, a, b, options = {}) {
    checkKeys(options, ['labels', 'workers'], 'attributeVector options');
    const rows = rowCount(data, this.config.inputDim, 'attributeVector data');
    const masks = [groupMask(a, rows, options.labels, 'group a'), groupMask(b, rows, options.labels, 'group b')];
    masks.forEach((m, i) => { if (!m.includes(1)) throw new ConfigError(`group ${'ab'[i]} has no rows in data`); });
    const { mean } = await this.embed(data, { workers: options.workers, ...(this.config.conditional ? { labels: options.labels } : {}) });
    const L = this.config.latentDim;
    return this.withKernels((k, arena) => {
      const x = arena.allocFloats(mean.length), mask = arena.alloc(4 * rows), ma = arena.allocFloats(L), mb = arena.allocFloats(L), out = arena.allocFloats(L);
      arena.f32(x, mean.length).set(mean);
      arena.i32(mask, rows).set(masks[0]);
      k.column_moments(ma, 0, x, rows, L, mask, 1);
      arena.i32(mask, rows).set(masks[1]);
      k.column_moments(mb, 0, x, rows, L, mask, 1);
      k.add_scaled_rows(out, mb, ma, 1, L, -1); // b's mean − a's mean
      return arena.f32(out, L).slice();
    });
  },

  async edit(x, vector, amount = 1, options = {}) {
    checkKeys(options, ['labels'], 'edit options');
    const L = this.config.latentDim;
    if (!(vector instanceof Float32Array) || vector.length !== L) {
      throw new ShapeError(`vector must be a Float32Array of latentDim = ${L} values, got ${vector instanceof Float32Array ? vector.length : typeof vector}`);
    }
    if (typeof amount !== 'number' || !Number.isFinite(amount)) throw new ConfigError(`amount must be a finite number, got ${String(amount)}`);
    const { mean } = await this.encode(x, options);
    const rows = mean.length / L;
    const z = await this.withKernels((k, arena) => {
      const m = arena.allocFloats(mean.length), v = arena.allocFloats(L);
      arena.f32(m, mean.length).set(mean); arena.f32(v, L).set(vector);
      k.add_scaled_rows(m, m, v, rows, L, amount);
      return arena.f32(m, mean.length).slice();
    });
    return this.decode(z, options);
  },

  embed(data, options = {}) {
    checkKeys(options, ['labels', 'workers'], 'embed options');
    return this.encode(data, options);
  },
};
