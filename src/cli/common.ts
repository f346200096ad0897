// Shared pieces of the wasm-vae command: usage errors, number parsing, data and model loading.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { loadMnist, type MnistData } from '../data/mnist.js';
import type { WorkerCount } from '../train/options.js';
import { VAE } from '../vae.js';

/** Wrong flags or values: the command prints its usage and exits with code 2. */
export class UsageError extends Error {}

export type Options = NonNullable<ParseArgsConfig['options']>;
export const COMMON: Options = { help: { type: 'boolean', short: 'h' }, verbose: { type: 'boolean' }, json: { type: 'boolean' } };

/** Parses argv strictly (unknown flags are usage errors). */
export function parse(argv: string[], options: Options): Record<string, string | boolean | undefined> {
  try {
    return parseArgs({ args: argv, options: { ...COMMON, ...options }, strict: true, allowPositionals: false }).values as Record<string, string | boolean | undefined>;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function num(value: unknown, name: string, fallback: number, { integer = false, min = -Infinity } = {}): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min) {
    throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'}${min > -Infinity ? ` >= ${min}` : ''}, got '${String(value)}'`);
  }
  return n;
}

export function workersFlag(value: unknown): WorkerCount {
  if (value === undefined || value === 'auto') return 'auto';
  return num(value, 'workers', 1, { integer: true, min: 1 });
}

export function oneOf<T extends string>(value: unknown, name: string, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!choices.includes(value as T)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got '${String(value)}'`);
  return value as T;
}

export function required(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

/** MNIST-format data from --data, $WASM_VAE_DATA, or the download cache. */
export function loadData(dir: unknown, log: (s: string) => void): Promise<MnistData> {
  return loadMnist({ dir: (dir as string | undefined) ?? (process.env.WASM_VAE_DATA || undefined), onProgress: (m) => log(`${m}\n`) });
}

export function loadModel(path: unknown): Promise<VAE> {
  return VAE.load(required(path, 'model'));
}

/** Writes to stderr unless --json (stdout then carries only JSON). */
export function logger(json: boolean): (s: string) => void {
  return (s) => { if (!json) process.stderr.write(s); };
}
