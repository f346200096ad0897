// Node side of the platform split (package.json "imports" → "#platform").
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { availableParallelism, cpus, homedir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { Endpoint } from 'comlink';
import type { SpawnedWorker } from './platform-types.js';
import { writeFileAtomic } from './files.node.js';

export type { SpawnedWorker };
import { createGunzip } from 'node:zlib';

export const platformName = 'node';

export async function loadBytes(url: URL): Promise<Uint8Array> {
  return new Uint8Array(await readFile(url));
}

/**
 * Node 20 (V8 11.3) ships relaxed SIMD behind --experimental-wasm-relaxed-simd, a flag that is
 * refused in NODE_OPTIONS and in a Worker's execArgv. Set at run time before the module is
 * compiled, it takes effect for this thread and for workers started afterwards (they share the
 * process's V8 flags); modules compiled earlier are unaffected. Node >= 22 needs nothing. Returns
 * true if the flag was set.
 */
export function enableRelaxedSimd(): boolean {
  const major = Number(process.versions.node.split('.')[0]);
  if (!(major < 22) || process.env.WASM_VAE_NO_V8_FLAGS) return false;
  setFlagsFromString('--experimental-wasm-relaxed-simd');
  return true;
}

export function hardwareConcurrency(): number {
  return availableParallelism();
}

/**
 * How many cores other work keeps busy, measured over `ms` while this process waits: the cores'
 * busy share (user, nice, system, irq time) between two readings of os.cpus(), times the cores.
 */
export async function busyCores(ms: number): Promise<number | undefined> {
  const busy = (t: { user: number; nice: number; sys: number; irq: number; idle: number }) => t.user + t.nice + t.sys + t.irq;
  const before = cpus().map((c) => c.times);
  await new Promise((r) => setTimeout(r, ms));
  const after = cpus().map((c) => c.times);
  let used = 0, total = 0;
  after.forEach((t, i) => {
    const u = busy(t) - busy(before[i]!);
    used += u;
    total += u + t.idle - before[i]!.idle;
  });
  return total > 0 ? (used / total) * after.length : undefined;
}

/**
 * Decompresses gzip data chunk by chunk and stops once the output passes `limit(prefix)` bytes:
 * `limit` sees the output so far and returns the size the data may have (from a header), or
 * undefined while it cannot tell yet. A gzip bomb thus costs at most what its header claims.
 */
export function gunzip(bytes: Uint8Array, limit: (prefix: Uint8Array) => number | undefined = () => undefined): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const z = createGunzip();
    const chunks: Uint8Array[] = [];
    let total = 0, max: number | undefined;
    z.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      total += chunk.length;
      try {
        if (max === undefined) max = limit(concat(chunks, total)); // only until the header has been read
      } catch (err) {
        z.destroy();
        reject(err);
        return;
      }
      if (max !== undefined && total > max) {
        z.destroy();
        reject(new OutputLimitError(max));
      }
    });
    z.on('error', reject);
    z.on('end', () => resolve(concat(chunks, total)));
    z.end(bytes);
  });
}

/** The decompressed data would be larger than its header says (a gzip bomb, or a corrupt header). */
export class OutputLimitError extends Error {
  constructor(readonly limit: number) {
    super(`the data decompress to more than the ${limit} bytes their header describes`);
  }
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  chunks.splice(0, chunks.length, out);
  return out;
}

/** Shared memory is always available to Node worker_threads. */
export function sharedMemoryAvailable(): boolean {
  return typeof SharedArrayBuffer !== 'undefined';
}

/** Reads dir/name if it exists: { bytes, path }, else null. */
export async function readOptional(dir: string, name: string): Promise<{ bytes: Uint8Array; path: string } | null> {
  const path = join(dir, name);
  try {
    return { bytes: new Uint8Array(await readFile(path)), path };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

export function cacheDirectory(): string {
  return process.env.WASM_VAE_CACHE ?? join(homedir(), '.cache', 'wasm-vae', 'mnist');
}

export async function md5Hex(bytes: Uint8Array): Promise<string> {
  return createHash('md5').update(bytes).digest('hex');
}

/**
 * Fetches url, lets `check` validate (and decode) the bytes, and only then stores them as
 * dir/name atomically. Returns what check returned.
 */
export async function downloadTo<T>(url: string, dir: string, name: string, check: (bytes: Uint8Array) => Promise<T>): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(120_000) });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const result = await check(bytes);
  await writeFileAtomic(join(dir, name), bytes);
  return result;
}

/**
 * A worker inherits the process's execArgv, and `node --input-type=module -e …` makes it fail to
 * start ("--input-type can only be used with string input"). Then the flags are passed without
 * it; an explicit list is checked more strictly than the inherited one (V8 flags such as
 * --expose-gc are refused there), so the flags the check names are left out too.
 */
function startWorker(url: URL): Worker {
  if (!process.execArgv.some((a) => a.startsWith('--input-type'))) return new Worker(url);
  let execArgv = process.execArgv.filter((a) => !a.startsWith('--input-type'));
  for (;;) {
    try {
      return new Worker(url, { execArgv });
    } catch (err) {
      const e = err as Error & { code?: string };
      const refused = e.code === 'ERR_WORKER_INVALID_EXEC_ARGV' ? e.message.slice(e.message.lastIndexOf(':') + 1).trim().split(/[\s,]+/) : [];
      const kept = execArgv.filter((a) => !refused.includes(a));
      if (kept.length === execArgv.length) throw err;
      execArgv = kept;
    }
  }
}

/** Starts workers/node-entry.js (from dist/src/ this is dist/workers/, as from src/ it is workers/). */
export function spawnWorker(): SpawnedWorker {
  const worker = startWorker(new URL('../workers/node-entry.js', import.meta.url));
  const listeners = new WeakMap<object, (data: unknown) => void>();
  // Comlink expects an EventTarget-like endpoint; Node's Worker is an EventEmitter.
  const endpoint: Endpoint = {
    postMessage: (message: unknown, transfer?: Transferable[]) => worker.postMessage(message, transfer as never),
    addEventListener: (_type: string, handler: EventListenerOrEventListenerObject) => {
      const listener = (data: unknown) => {
        const event = { data } as MessageEvent;
        if (typeof handler === 'function') handler(event); else handler.handleEvent(event);
      };
      worker.on('message', listener);
      listeners.set(handler, listener);
    },
    removeEventListener: (_type: string, handler: EventListenerOrEventListenerObject) => {
      const listener = listeners.get(handler);
      if (listener) { worker.off('message', listener); listeners.delete(handler); }
    },
  };
  let ended = false;
  return {
    endpoint,
    terminate: async () => { ended = true; await worker.terminate(); },
    onDeath: (listener) => {
      worker.on('error', (err) => listener(`threw ${err.message}`));
      worker.on('exit', (code) => { if (!ended) listener(`exited with code ${code}`); });
    },
    ref: (keep) => { if (keep) worker.ref(); else worker.unref(); },
  };
}

export { readFileBytes, writeFileAtomic } from './files.node.js';
