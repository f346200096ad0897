// Shared pieces of the wasm-vae command: usage errors, number parsing, data and model loading.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { loadMnist, type MnistData } from '../data/mnist.js';
import type { WorkerCount } from '../train/options.js';
import { MAX_WORKERS } from '../runtime.js';
import { VAE } from '../vae.js';

/** Wrong flags or values: the command prints its usage and exits with code 2. */
export class UsageError extends Error {}

export type Options = NonNullable<ParseArgsConfig['options']>;
export const COMMON: Options = { help: { type: 'boolean', short: 'h' }, verbose: { type: 'boolean' }, json: { type: 'boolean' } };

/** Parses argv strictly (unknown flags are usage errors). */
export function parse(argv: string[], options: Options): Record<string, string | boolean | undefined> {
  const all = { ...COMMON, ...options };
  // '--lr -1': parseArgs reads '-1' as an option ("argument is ambiguous"); pass it as the value so
  // that the range check can say what is wrong with it.
  const args = argv.flatMap((a, i) => (/^-\d/.test(a) && /^--[\w-]+$/.test(argv[i - 1] ?? '') && all[argv[i - 1].slice(2)]?.type === 'string' ? [] : [
    /^--[\w-]+$/.test(a) && /^-\d/.test(argv[i + 1] ?? '') && all[a.slice(2)]?.type === 'string' ? `${a}=${argv[i + 1]}` : a]));
  try {
    return parseArgs({ args, options: all, strict: true, allowPositionals: false }).values as Record<string, string | boolean | undefined>;
  } catch (err) {
    const e = err as Error & { code?: string };
    const flag = /'(-[^' ]+)/.exec(e.message)?.[1];
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`unknown option ${flag ?? ''}`.trim());
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new UsageError(`${flag ?? 'an option'} needs a value`);
    if (e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') throw new UsageError(`unexpected argument ${/'([^']+)'/.exec(e.message)?.[1] ?? ''}`.trim());
    throw new UsageError(e.message);
  }
}

/** A numeric flag: `integer`, at least `min`, or `positive` (> 0); UsageError says which and what came. */
export function num(value: unknown, name: string, fallback: number, { integer = false, min = -Infinity, max = Infinity, positive = false } = {}): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max || (positive && n <= 0)) {
    const bound = max < Infinity ? ` from ${min} to ${max}` : positive ? ' > 0' : min > -Infinity ? ` >= ${min}` : '';
    throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'}${bound}, got '${String(value)}'`);
  }
  return n;
}

export function workersFlag(value: unknown): WorkerCount {
  if (value === undefined || value === 'auto') return 'auto';
  return num(value, 'workers', 1, { integer: true, min: 1, max: MAX_WORKERS });
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
