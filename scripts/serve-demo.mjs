// Serves the project root for the browser demo (examples/browser/) on localhost, with the
// COOP/COEP headers that cross-origin isolation (SharedArrayBuffer, worker threads) needs, and
// the MNIST files under /data/ (from --data, else $WASM_VAE_DATA, else the CLI's download cache:
// $WASM_VAE_CACHE or ~/.cache/wasm-vae/mnist).
// Usage: node scripts/serve-demo.mjs [--port 8080] [--no-isolation] [--data DIR]
import { createReadStream, existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm',
  '.css': 'text/css', '.json': 'application/json', '.png': 'image/png', '.gz': 'application/gzip', '.map': 'application/json' };

/** Starts the server; resolves with { url, close }. */
export function serveDemo({ port = 0, isolation = true, data } = {}) {
  const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
  const dataDir = resolve(data ?? (process.env.WASM_VAE_DATA || process.env.WASM_VAE_CACHE || join(homedir(), '.cache', 'wasm-vae', 'mnist')));
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    const file = path.startsWith('/data/') ? join(dataDir, normalize(path.slice(6))) : join(root, normalize(path));
    if (!file.startsWith(path.startsWith('/data/') ? dataDir : root)) { res.writeHead(403).end(); return; }
    let target = file;
    try { if (statSync(target).isDirectory()) target = join(target, 'index.html'); statSync(target); } catch { res.writeHead(404).end('not found'); return; }
    const headers = { 'Content-Type': TYPES[extname(target)] ?? 'application/octet-stream', 'Cache-Control': 'no-store', 'Content-Length': statSync(target).size };
    if (isolation) Object.assign(headers, { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cross-Origin-Resource-Policy': 'same-origin' });
    res.writeHead(200, headers);
    createReadStream(target).pipe(res);
  });
  return new Promise((resolveStart) => server.listen(port, '127.0.0.1', () => {
    const url = `http://127.0.0.1:${server.address().port}/`;
    resolveStart({ url, dataDir, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) });
  }));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '8080' }, 'no-isolation': { type: 'boolean' }, data: { type: 'string' } } });
  const { url, dataDir } = await serveDemo({ port: Number(values.port), isolation: !values['no-isolation'], data: values.data });
  console.log(`wasm-vae demo: ${url}examples/browser/ (${values['no-isolation'] ? 'no COOP/COEP: expect the one-thread fallback' : 'cross-origin isolated'})`);
  const found = existsSync(join(dataDir, 'train-images-idx3-ubyte.gz')) || existsSync(join(dataDir, 'train-images-idx3-ubyte'));
  console.log(`MNIST served at ${url}data/ from ${dataDir}${found ? '' : ' — no MNIST files there: pass --data DIR (or run `wasm-vae train` once to fill the cache)'}`);
}
