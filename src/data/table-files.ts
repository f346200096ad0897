// Arrays and tables from files (Node): .npy and CSV, with their size said and checked before reading.
import { readFile, stat } from 'node:fs/promises';
import { DataError } from '../errors.js';
import { formatBytes } from '../model/memory.js';
import { type CsvOptions, type CsvTable, parseCsv } from './csv.js';
import { type NpyArray, parseNpy } from './npy.js';

/** The file's size, refused above `maxBytes` (default 1 GiB) before anything is read. */
async function checkedSize(path: string, maxBytes = 2 ** 30): Promise<number> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (err) {
    throw new DataError(`cannot read ${path}: ${(err as Error).message}`);
  }
  const bytes = (n: number) => (n < 2 ** 20 ? `${n.toLocaleString('en-US')} bytes` : formatBytes(n));
  if (size > maxBytes) throw new DataError(`${path} is ${bytes(size)}, more than maxBytes (${bytes(maxBytes)}): pass a larger maxBytes if it fits in memory`);
  return size;
}

/** A .npy file (float32, float64 read as float32, or uint8; C order). Refused above `maxBytes` (default 1 GiB). */
export async function loadNpy(path: string, options: { maxBytes?: number } = {}): Promise<NpyArray> {
  await checkedSize(path, options.maxBytes);
  return parseNpy(new Uint8Array(await readFile(path)), path);
}

/** A CSV file of numbers (see parseCsv). Refused above `maxBytes` (default 1 GiB) of text. */
export async function loadCsv(path: string, options: CsvOptions & { maxBytes?: number } = {}): Promise<CsvTable> {
  await checkedSize(path, options.maxBytes);
  return parseCsv(await readFile(path, 'utf8'), options, path);
}
