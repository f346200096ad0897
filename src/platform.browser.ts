// Browser side of the platform split (package.json "imports" → "#platform").
import type { Endpoint } from 'comlink';
import type { SpawnedWorker } from './platform-types.js';

export type { SpawnedWorker };
export const platformName = 'browser';

export async function loadBytes(url: URL): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`fetch ${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** Browsers enable relaxed SIMD by default where they have it (Chromium >= 114); nothing to set. */
export function enableRelaxedSimd(): boolean {
  return false;
}

export function hardwareConcurrency(): number {
  return (globalThis.navigator?.hardwareConcurrency ?? 1) | 0 || 1;
}

/** A page cannot see the machine's load: unknown. */
export async function busyCores(): Promise<number | undefined> {
  return undefined;
}

/** Decompresses gzip data chunk by chunk, stopping once the output passes limit(prefix) (see the Node version). */
export async function gunzip(bytes: Uint8Array, limit: (prefix: Uint8Array) => number | undefined = () => undefined): Promise<Uint8Array> {
  const reader = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip')).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0, max: number | undefined;
  const joined = () => {
    const out = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) { out.set(c, at); at += c.length; }
    return out;
  };
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return joined();
    chunks.push(value);
    total += value.length;
    if (max === undefined) { // only until the header has been read: the prefix is small
      try {
        max = limit(joined());
      } catch (err) {
        await reader.cancel();
        throw err;
      }
    }
    if (max !== undefined && total > max) {
      await reader.cancel();
      throw new Error(`the data decompress to more than the ${max} bytes their header describes`);
    }
  }
}

/** SharedArrayBuffer exists only on cross-origin isolated pages. */
export function sharedMemoryAvailable(): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== false;
}

/** Fetches new URL(name, dir) if it exists (dir is a URL, relative to the page). */
export async function readOptional(dir: string, name: string): Promise<{ bytes: Uint8Array; path: string } | null> {
  const base = dir.endsWith('/') ? dir : `${dir}/`;
  const url = new URL(name, new URL(base, globalThis.location?.href));
  const response = await fetch(url);
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`fetch ${url}: HTTP ${response.status}`);
  return { bytes: new Uint8Array(await response.arrayBuffer()), path: url.href };
}

export function cacheDirectory(): string {
  throw new Error('no download cache in the browser: pass loadMnist({ dir }) with the URL of the IDX files');
}

export async function md5Hex(_bytes: Uint8Array): Promise<string> {
  throw new Error('checksums are only computed in Node');
}

export async function downloadTo<T>(_url: string, _dir: string, _name: string, _check: (b: Uint8Array) => Promise<T>): Promise<T> {
  throw new Error('downloading into a cache is only supported in Node');
}

/** Starts the module worker; keep the literal new URL(...) form so bundlers find and emit it. */
export function spawnWorker(): SpawnedWorker {
  const worker = new Worker(new URL('../workers/worker.js', import.meta.url), { type: 'module' });
  let ended = false;
  return {
    endpoint: worker as unknown as Endpoint,
    terminate: async () => { ended = true; worker.terminate(); },
    onDeath: (listener) => {
      worker.addEventListener('error', (e) => { if (!ended) listener(`failed to load or threw: ${e.message ?? 'unknown error'}`); });
      worker.addEventListener('messageerror', () => { if (!ended) listener('could not read a message'); });
    },
    ref: () => {},
  };
}

export async function readFileBytes(_path: string): Promise<Uint8Array> {
  throw new Error('VAE.load(path) is for Node; in a browser use VAE.fromBytes(bytes)');
}

export async function writeFileAtomic(_path: string, _bytes: Uint8Array | string): Promise<void> {
  throw new Error('save(path) is for Node; in a browser use vae.toBytes()');
}
