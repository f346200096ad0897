// How a model runs (not what it is): the options of VAE.create, worker counts, and what
// vae.runtime reports.
import { busyCores, hardwareConcurrency, sharedMemoryAvailable } from '#platform';
import { checkKeys } from './check-keys.js';
import { ConfigError } from './errors.js';
import type { KernelBuild } from './kernels.js';
import type { WorkerCount } from './train/options.js';

/** Options of VAE.create, VAE.fromBytes and VAE.load: how the model runs, not what it is. */
export interface CreateOptions {
  /**
   * Kernel build: 'auto' (default) picks relaxed SIMD where the engine validates it (on Node 20
   * after setting V8's flag, see RuntimeInfo.relaxedSimdByFlag), else plain SIMD; 'simd' forces
   * the plain build; 'relaxed' fails where relaxed SIMD is missing.
   */
  build?: KernelBuild;
  /** Rows a worker processes per pass (default 256, an integer from 1 to 65,536); larger batches are split and their gradients summed. */
  chunkRows?: number;
  /** Default worker count for fit and for encode/decode/evaluate calls of 1,024 rows or more (default 1: this thread). */
  workers?: WorkerCount;
  /** Time every kernel call made on this thread (see VAE.profile()); for benchmarks (default false). */
  profile?: boolean;
}

export interface ResolvedCreateOptions {
  build: KernelBuild;
  chunkRows: number;
  workers: WorkerCount;
  profile: boolean;
}

const CREATE_OPTION_KEYS: readonly (keyof CreateOptions)[] = ['build', 'chunkRows', 'workers', 'profile'];
/** Workers beyond this many are refused; 'auto' takes at most AUTO_WORKERS. */
export const MAX_WORKERS = 64;
/**
 * 'auto' uses one worker per core up to this many: each worker adds a share of every weight
 * matrix that the others must read back, and the per-step barriers grow with the count.
 */
export const AUTO_WORKERS = 16;
export const MAX_CHUNK_ROWS = 65_536;

/** Checks every field; ConfigError names the field, what it must be and what came. */
export function resolveCreateOptions(options: CreateOptions = {}): ResolvedCreateOptions {
  checkKeys(options, CREATE_OPTION_KEYS, 'create options');
  const build = options.build ?? 'auto';
  if (build !== 'auto' && build !== 'simd' && build !== 'relaxed') {
    throw new ConfigError(`build must be 'auto', 'simd' or 'relaxed', got ${String(build)}`);
  }
  const chunkRows = options.chunkRows ?? 256;
  if (typeof chunkRows !== 'number' || !Number.isInteger(chunkRows) || chunkRows < 1 || chunkRows > MAX_CHUNK_ROWS) {
    throw new ConfigError(`chunkRows must be an integer from 1 to ${MAX_CHUNK_ROWS}, got ${String(chunkRows)}`);
  }
  const profile = options.profile ?? false;
  if (typeof profile !== 'boolean') throw new ConfigError(`profile must be true or false, got ${String(profile)}`);
  const workers = options.workers ?? 1;
  resolveWorkers(workers);
  return { build, chunkRows, workers, profile };
}

/** Checks a worker count before any worker starts; ConfigError says what was wrong. */
export function resolveWorkers(value: WorkerCount | undefined, batchSize?: number): number {
  const n = value === undefined ? 1 : value === 'auto' ? Math.max(1, Math.min(AUTO_WORKERS, hardwareConcurrency())) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_WORKERS) {
    throw new ConfigError(`workers must be 'auto' or an integer from 1 to ${MAX_WORKERS}, got ${String(value)}`);
  }
  if (batchSize !== undefined && Number.isInteger(batchSize) && n > batchSize) {
    throw new ConfigError(`workers (${n}) must not exceed batchSize (${batchSize}): every worker needs rows`);
  }
  return n;
}

/**
 * What 'auto' gives on a busy machine: the cores other work leaves free (measured over 100 ms;
 * a core counts when half of it is free), at least 1 and at most `n`; the reason goes to
 * `warnings`. Workers meet at barriers every step, so one worker sharing a core with another
 * process slows them all: measured here, 2 workers beside a process using one core ran slower
 * than 1. Where the load cannot be seen (a browser), `n`.
 */
export async function autoWorkers(n: number, warnings: string[]): Promise<number> {
  if (n <= 1) return n;
  const busy = await busyCores(100);
  if (busy === undefined) return n;
  const free = Math.max(1, Math.min(n, Math.round(hardwareConcurrency() - busy)));
  if (free < n) warnings.push(`the machine is busy (other work kept ${busy.toFixed(1)} of ${hardwareConcurrency()} cores in use): 'auto' trains with ${free} worker(s), not ${n}`);
  return free;
}

/** A warning when more workers are asked for than there are cores (they then take turns: slower, not faster). */
export function oversubscription(n: number): string | undefined {
  const cores = hardwareConcurrency();
  return n > cores ? `${n} workers on ${cores} core(s): workers take turns on the cores, which is slower than ${cores} (measured here: 64 workers on 2 cores ran 20× slower than 2)` : undefined;
}

/**
 * The worker count this page or process can give for `n` asked: 1 where SharedArrayBuffer is
 * missing (a page that is not cross-origin isolated). Adds the warnings that apply to `warnings`, once.
 */
export function usableWorkers(n: number, warnings: string[]): number {
  const note = (w: string | undefined) => { if (w && !warnings.includes(w)) warnings.push(w); };
  note(oversubscription(n));
  if (n > 1 && !sharedMemoryAvailable()) {
    note(`SharedArrayBuffer is unavailable (the page is not cross-origin isolated: serve it with COOP/COEP headers); training on one thread instead of ${n} workers`);
    return 1;
  }
  return n;
}

/** What runs the numbers (vae.runtime). */
export interface RuntimeInfo {
  /** Worker threads (true) or this thread (false): in use, or planned before the first call that needs them. */
  threads: boolean;
  /** Workers in use by the last call, or before any call the count CreateOptions.workers gives here. */
  workers: number;
  /** Whether the worker pool is running now (it starts on the first fit, or large encode/decode/evaluate). */
  poolStarted: boolean;
  /** WebAssembly SIMD (always: the kernels need it). */
  simd: boolean;
  /** The relaxed-SIMD build (fused multiply-add) is in use; else the plain SIMD build. */
  relaxedSimd: boolean;
  /** Relaxed SIMD validated only after wasm-vae set V8's --experimental-wasm-relaxed-simd (Node 20). */
  relaxedSimdByFlag: boolean;
  /** Why the runtime differs from what was asked, or is likely slow (no SharedArrayBuffer, more workers than cores). */
  warnings: string[];
}
