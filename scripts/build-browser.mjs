// A no-bundler browser build: dist-browser/src/index.js and dist-browser/workers/worker.js, each
// one self-contained ES module (comlink included; import maps do not reach module workers), with
// the .wasm files in dist-browser/wasm/ — the same relative layout as dist/, so the library's
// new URL('../workers/worker.js' | '../wasm/kernel.wasm', import.meta.url) resolve unchanged.
// Runs on the tsc output, where '#platform' resolves to the browser file.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';

await build({
  entryPoints: ['dist/src/index.js', 'dist/workers/worker.js'],
  outbase: 'dist',
  outdir: 'dist-browser',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  logLevel: 'warning',
});
mkdirSync('dist-browser/wasm', { recursive: true });
for (const name of ['kernel.wasm', 'kernel.relaxed.wasm']) copyFileSync(`dist/wasm/${name}`, `dist-browser/wasm/${name}`);
console.log('browser: built dist-browser/src/index.js, dist-browser/workers/worker.js and dist-browser/wasm/');
