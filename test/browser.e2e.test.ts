// End to end in real headless Chromium (Debian's chromium, driven by playwright-core): the demo
// page trains in the worker pool when cross-origin isolated and falls back to one thread (with a
// warning) when not; and a Vite app built from the package trains too. Timings are printed,
// never asserted. Needs /usr/bin/chromium (.ci/run installs it); elsewhere the suite is skipped.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMnist, VAE } from '../src/index.js';
import { DATA_DIR, emojiFolder, rateAgreement } from './helpers.js';
// @ts-expect-error: a plain .mjs script without types
import { serveDemo } from '../scripts/serve-demo.mjs';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available && process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium for these tests`);
const ROOT = new URL('..', import.meta.url).pathname;
const SHOTS = join(ROOT, 'test-results');

interface DemoState {
  status: string; error: string | null; batchLosses: number[]; rates: number[]; samplesPerSecond: number;
  runtime: { threads: boolean; workers: number; relaxedSimd: boolean; warnings: string[] };
  longestTaskMs: number; longTasks: number; maxTimerLagMs: number;
}

let context: BrowserContext;

beforeAll(async () => {
  if (!available) return;
  execFileSync(process.execPath, ['scripts/build-browser.mjs'], { cwd: ROOT });
  mkdirSync(SHOTS, { recursive: true });
  context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'chromium-profile-')), {
    executablePath: CHROMIUM, headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
afterAll(async () => { await context?.close(); });

interface Canvas { ink: number; opaque: boolean }

/** How a canvas looks: how many bright pixels (value > 200), and whether every pixel is opaque. */
function readCanvas(id: string): Canvas {
  const c = document.getElementById(id) as HTMLCanvasElement;
  const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
  let ink = 0, opaque = true;
  for (let i = 0; i < d.length; i += 4) { if (d[i] > 200) ink++; if (d[i + 3] !== 255) opaque = false; }
  return { ink, opaque };
}

/** The page before training: what the runtime line and the warning say once it is ready. */
async function beforeTraining(isolation: boolean, query: string, data = DATA_DIR): Promise<{ status: string; runtime: string; warning: string; dataError: string }> {
  const server = await serveDemo({ isolation, data });
  const page = await context.newPage();
  try {
    await page.goto(`${server.url}examples/browser/?${query}`);
    await page.waitForFunction(() => ['ready', 'no-data', 'error'].includes((window as unknown as { demo?: DemoState }).demo?.status ?? ''), null, { timeout: 60_000 });
    return await page.evaluate(() => {
      const shown = (id: string) => { const e = document.getElementById(id)!; return e.hidden ? '' : e.textContent ?? ''; };
      return { status: (window as unknown as { demo: DemoState }).demo.status, runtime: shown('runtime'), warning: shown('warning'), dataError: shown('data-error') };
    });
  } finally {
    await page.close();
    await server.close();
  }
}

async function runDemo(isolation: boolean, query: string): Promise<{ state: DemoState; sampleInk: number; warning: string; samples: Canvas; recon: Canvas }> {
  const server = await serveDemo({ isolation, data: DATA_DIR });
  const page = await context.newPage();
  try {
    await page.goto(`${server.url}examples/browser/?${query}&autostart=1`);
    await page.waitForFunction(() => ['done', 'error', 'stopped'].includes((window as unknown as { demo?: DemoState }).demo?.status ?? ''), null, { timeout: 180_000 });
    const state = await page.evaluate(() => (window as unknown as { demo: DemoState }).demo);
    // How much is drawn on the samples canvas: not blank.
    const sampleInk = await page.evaluate(() => {
      const c = document.getElementById('samples') as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let ink = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] > 128) ink++;
      return ink;
    });
    const warning = await page.evaluate(() => { const w = document.getElementById('warning')!; return w.hidden ? '' : w.textContent ?? ''; });
    const samples = await page.evaluate(readCanvas, 'samples'), recon = await page.evaluate(readCanvas, 'recon');
    await page.screenshot({ path: join(SHOTS, `demo-${isolation ? 'isolated' : 'fallback'}.png`), fullPage: true });
    return { state, sampleInk, warning, samples, recon };
  } finally {
    await page.close();
    await server.close();
  }
}

describe.skipIf(!available)('browser (headless Chromium)', () => {
  const query = 'epochs=1&rows=30000&latent=2&workers=2&test=1000';

  it('before training, the runtime line says what training will use, with and without isolation', async () => {
    const isolated = await beforeTraining(true, 'workers=2');
    expect(isolated.status).toBe('ready');
    expect(isolated.runtime).toMatch(/^runtime: 2 worker threads, WebAssembly SIMD \+ relaxed SIMD; crossOriginIsolated = true$/);
    expect(isolated.warning).toBe('');
    const plain = await beforeTraining(false, 'workers=2');
    expect(plain.runtime).toMatch(/^runtime: this page's thread only, .*crossOriginIsolated = false$/);
    expect(plain.warning).toMatch(/not cross-origin isolated.*one thread instead of 2 workers/);
  });

  it('a missing data folder gives a clear message, not a stack trace', async () => {
    const r = await beforeTraining(true, 'workers=2', join(tmpdir(), 'no-such-mnist'));
    expect(r.status).toBe('no-data');
    expect(r.dataError).toMatch(/Could not load MNIST from http:.*\/data\/: .*Serve the four MNIST IDX files .*--data DIR.*\?data=URL/);
    expect(r.dataError).not.toMatch(/\n\s+at |@http/);
    expect(r.runtime).toMatch(/2 worker threads/); // the runtime line is there all the same
  });

  it('cross-origin isolated: trains in 2 worker threads, the loss falls, full-brightness images, honest rates', async () => {
    const { state, sampleInk, samples, recon } = await runDemo(true, query);
    expect(state.error).toBeNull();
    expect(state.status).toBe('done');
    expect(state.runtime.threads).toBe(true);
    expect(state.runtime.workers).toBe(2);
    expect(state.batchLosses.at(-1)!).toBeLessThan(state.batchLosses[0] - 100);
    expect(sampleInk).toBeGreaterThan(100); // bright pixels among 64 sampled digits: not a blank canvas
    // Every pixel opaque (alpha 255), and bright strokes present: the images are drawn at full brightness.
    expect(samples.opaque && recon.opaque).toBe(true);
    expect(recon.ink).toBeGreaterThan(100);
    // The timed live readouts agree with the rate over the whole epoch: the median within 20 %, none off by 2×.
    const timed = state.rates.filter(Number.isFinite);
    const { worst, median, within } = rateAgreement(timed, state.samplesPerSecond);
    console.log(`browser e2e: ${timed.length} of ${state.rates.length} live readouts timed; ${(100 * within).toFixed(1)} % within 20 % `
      + `of the epoch rate; worst deviation ${(100 * worst).toFixed(1)} %`);
    expect(timed.length).toBeGreaterThan(0);
    expect(median).toBeLessThan(0.2);
    expect(worst).toBeLessThan(1);
    // The same training in Node, for the throughput comparison (printed, not asserted).
    const mnist = await loadMnist({ dir: DATA_DIR });
    const vae = await VAE.create({ inputDim: 784, hidden: [400], latentDim: 2, seed: 1 });
    const h = await vae.fit(mnist.train.bytes.subarray(0, 784 * 12800), { epochs: 1, batchSize: 128, workers: 2 });
    await vae.dispose();
    const node = h.epochs[0].samplesPerSecond;
    console.log(`browser e2e: Chromium ${Math.round(state.samplesPerSecond)} samples/s with 2 workers `
      + `(relaxed SIMD: ${state.runtime.relaxedSimd}), Node ${Math.round(node)} (relaxed SIMD: ${vae.runtime.relaxedSimd}); `
      + `Chromium/Node ${(state.samplesPerSecond / node).toFixed(2)}; longest main-thread task during training `
      + `${state.longTasks ? `${state.longestTaskMs} ms` : 'under 50 ms'} (${state.longTasks} long tasks of 50 ms or more; `
      + `worst lateness of a 10 ms timer ${state.maxTimerLagMs.toFixed(1)} ms)`);
  });

  it('without COOP/COEP: falls back to one thread, trains, and shows the warning', async () => {
    const { state, warning } = await runDemo(false, query);
    expect(state.error).toBeNull();
    expect(state.status).toBe('done');
    expect(state.runtime).toMatchObject({ threads: false, workers: 1 });
    expect(warning).toMatch(/not cross-origin isolated.*one thread/);
    expect(state.batchLosses.at(-1)!).toBeLessThan(state.batchLosses[0] - 100);
    console.log(`browser e2e fallback: ${Math.round(state.samplesPerSecond)} samples/s on the main thread; longest task `
      + `${state.longestTaskMs} ms; worst timer lateness ${state.maxTimerLagMs.toFixed(1)} ms`);
  });

  it('a conv model (dcgan28) trains from the selector; the explore panel slides between two images and along a dimension', async () => {
    const server = await serveDemo({ isolation: true, data: DATA_DIR });
    const page = await context.newPage();
    try {
      await page.goto(`${server.url}examples/browser/?arch=dcgan28&epochs=2&rows=6000&test=300&latent=8&workers=2&autostart=1`);
      await page.waitForFunction(() => (window as unknown as { demo: { explored?: boolean; status: string } }).demo.explored === true
        || (window as unknown as { demo: DemoState }).demo.status === 'error', null, { timeout: 180_000 });
      const state = await page.evaluate(() => (window as unknown as { demo: DemoState & { config: { encoder: { type: string }[] }; explore: { paths: number; traversals: number; activeUnits: number } } }).demo);
      expect(state.error).toBeNull();
      expect(state.config.encoder.map((l) => l.type)).toEqual(['conv2d', 'conv2d', 'flatten']);
      expect(state.batchLosses.at(-1)!).toBeLessThan(state.batchLosses[0] - 100);
      expect(state.explore).toMatchObject({ paths: 1, traversals: 1 });
      // The decoded image between A and B is drawn: many pixels well above the black background.
      expect(await page.evaluate(() => {
        const c = document.getElementById('between') as HTMLCanvasElement, d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let lit = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] > 100) lit++;
        return lit;
      })).toBeGreaterThan(100);
      // Sliding reads the decoded path; clicking a test image decodes a new one.
      await page.fill('#mix', '1');
      await page.dispatchEvent('#mix', 'input');
      await page.fill('#value', '2');
      await page.dispatchEvent('#value', 'input');
      const picks = await page.$('#picks');
      const box = (await picks!.boundingBox())!;
      await page.mouse.click(box.x + box.width * 0.75, box.y + box.height / 2);
      await page.waitForFunction(() => (window as unknown as { demo: { explore: { paths: number } } }).demo.explore.paths === 2);
      const explore = await page.evaluate(() => (window as unknown as { demo: { explore: { mix: number; value: number } } }).demo.explore);
      expect(explore).toMatchObject({ mix: 20, value: 2 });
      await page.screenshot({ path: join(SHOTS, 'demo-conv-explore.png'), fullPage: true });
    } finally {
      await page.close();
      await server.close();
    }
  });

  it('a folder of the user\'s colour images (emoji) loads from the folder input and trains dcgan32 in RGB', async () => {
    const dir = emojiFolder(6);
    const server = await serveDemo({ isolation: true, data: DATA_DIR });
    const page = await context.newPage();
    try {
      await page.goto(`${server.url}examples/browser/?arch=dcgan32&epochs=2&latent=4&batch=16&workers=2`);
      await page.waitForFunction(() => (window as unknown as { demo: DemoState }).demo.status === 'ready', null, { timeout: 60_000 });
      await page.setInputFiles('#folder', dir);
      await page.waitForFunction(() => (window as unknown as { demo: { folder?: unknown } }).demo.folder !== undefined, null, { timeout: 60_000 });
      const folder = await page.evaluate(() => (window as unknown as { demo: { folder: { count: number; classes: string[]; shape: number[] } } }).demo.folder);
      expect(folder).toMatchObject({ count: 54, shape: [3, 32, 32] });
      expect(folder.classes).toContain('smileys-emotion');
      await page.click('#train');
      await page.waitForFunction(() => (window as unknown as { demo: { explored?: boolean } }).demo.explored === true, null, { timeout: 120_000 });
      const state = await page.evaluate(() => (window as unknown as { demo: DemoState }).demo);
      expect(state.error).toBeNull();
      // The test images above their reconstructions, in colour: red and blue differ on many pixels.
      const colour = await page.evaluate(() => {
        const c = document.getElementById('recon') as HTMLCanvasElement, d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - d[i + 2]) > 60) n++;
        return n;
      });
      expect(colour).toBeGreaterThan(200);
      await page.screenshot({ path: join(SHOTS, 'demo-folder.png'), fullPage: true });
    } finally {
      await page.close();
      await server.close();
    }
  });

  it('a model loads from a URL with progress, and the second time from IndexedDB', async () => {
    const server = await serveDemo({ isolation: true, data: DATA_DIR });
    const model = await VAE.create({ inputDim: 784, hidden: [32], latentDim: 3, seed: 9 });
    await model.save(join(SHOTS, 'url-model.safetensors'));
    await model.dispose();
    const page = await context.newPage();
    try {
      for (const expected of ['network', 'cache']) {
        await page.goto(`${server.url}examples/browser/?workers=1&test=200`);
        await page.waitForFunction(() => (window as unknown as { demo: DemoState }).demo.status === 'ready', null, { timeout: 60_000 });
        await page.fill('#model-url', `${server.url}test-results/url-model.safetensors`);
        await page.click('#load-url');
        await page.waitForFunction(() => (window as unknown as { demo: { modelSource?: string; error: string | null } }).demo.modelSource !== undefined
          || (window as unknown as { demo: DemoState }).demo.error !== null, null, { timeout: 60_000 });
        const state = await page.evaluate(() => (window as unknown as { demo: { modelSource: string; downloadProgress?: number; error: string | null } }).demo);
        expect(state.error).toBeNull();
        expect(state.modelSource).toBe(expected);
        if (expected === 'network') expect(state.downloadProgress).toBeGreaterThan(0);
        expect(await page.textContent('#progress')).toMatch(expected === 'cache' ? /from this browser's cache/ : /MB downloaded, now cached/);
      }
    } finally {
      await page.close();
      await server.close();
    }
  });

  it('a Vite app that imports the package builds and trains with workers', async () => {
    const app = mkdtempSync(join(tmpdir(), 'wasm-vae-vite-'));
    mkdirSync(join(app, 'node_modules'));
    symlinkSync(ROOT, join(app, 'node_modules', 'wasm-vae'));
    writeFileSync(join(app, 'index.html'), '<!doctype html><script type="module" src="./main.js"></script>');
    writeFileSync(join(app, 'main.js'), `import { VAE } from 'wasm-vae';
const x = new Float32Array(256 * 16).map((_, i) => (i % 7) / 7);
const vae = await VAE.create({ inputDim: 16, hidden: [12], latentDim: 2 });
const h = await vae.fit(x, { epochs: 3, batchSize: 32, workers: 2 });
window.result = { runtime: vae.runtime, first: h.epochs[0].loss, last: h.epochs[2].loss };
`);
    const t0 = performance.now();
    const { build } = await import('vite');
    await build({ root: app, logLevel: 'error', base: './', build: { outDir: join(app, 'dist'), target: 'es2022' } });
    const built = performance.now();
    const { createServer } = await import('node:http');
    const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
    const http = createServer((req, res) => {
      const file = join(app, 'dist', req.url === '/' ? 'index.html' : req.url!.split('?')[0]);
      try {
        const body = readFileSync(file);
        res.writeHead(200, { 'Content-Type': types[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream',
          'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' }).end(body);
      } catch { res.writeHead(404).end(); }
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const page = await context.newPage();
    try {
      const assets = readdirSync(join(app, 'dist', 'assets'));
      expect(assets.some((f) => f.endsWith('.wasm'))).toBe(true); // the kernel is emitted as an asset
      for (const f of assets.filter((name) => name.endsWith('.js'))) {
        expect(readFileSync(join(app, 'dist', 'assets', f), 'utf8'), f).not.toMatch(/["']node:/); // no Node module in the bundle
      }
      await page.goto(`http://127.0.0.1:${(http.address() as { port: number }).port}/`);
      await page.waitForFunction(() => (window as unknown as { result?: unknown }).result !== undefined, null, { timeout: 60_000 });
      const result = await page.evaluate(() => (window as unknown as { result: { runtime: { workers: number; threads: boolean }; first: number; last: number } }).result);
      console.log(`vite e2e: build ${(built - t0).toFixed(0)} ms, page ${(performance.now() - built).toFixed(0)} ms`);
      expect(result.runtime).toMatchObject({ threads: true, workers: 2 });
      expect(result.last).toBeLessThan(result.first);
    } finally {
      await page.close();
      await new Promise<void>((r) => http.close(() => r()));
    }
  }, 300_000); // in two of four CI runs on fresh clones this test took about 100 s (cause not found yet: it prints its build and page times)
});
