// The browser demo: loads MNIST (IDX .gz files from ?data=URL, default /data/ on this server, via
// DecompressionStream), trains in the worker pool with live progress, draws samples,
// reconstructions, the training chart and, for a 2-D latent, an explorer. Options come from the
// query string, e.g. ?epochs=3&rows=20000&latent=2&data=https://example.org/mnist/.
// window.demo exposes the state for the end-to-end test.
import { loadMnist, lossChart, VAE } from '../../dist-browser/src/index.js';

const q = new URLSearchParams(location.search);
const opt = {
  epochs: Number(q.get('epochs') ?? 5), rows: Number(q.get('rows') ?? 60000), latent: Number(q.get('latent') ?? 2),
  hidden: (q.get('hidden') ?? '400').split(',').map(Number), batchSize: Number(q.get('batch') ?? 128),
  workers: q.get('workers') === null || q.get('workers') === 'auto' ? 'auto' : Number(q.get('workers')),
  testRows: Number(q.get('test') ?? 1000), autostart: q.get('autostart') === '1',
  data: new URL(q.get('data') ?? '/data/', location.href).href,
};
const $ = (id) => document.getElementById(id);
const state = window.demo = { status: 'loading', batchLosses: [], batchPoints: [], rates: [], epochs: [], runtime: null, longestTaskMs: 0, longTasks: 0, longTaskLog: [], error: null };

// Main-thread responsiveness: the longest task seen while training.
try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (state.status !== 'training') continue;
      state.longTasks++; state.longestTaskMs = Math.max(state.longestTaskMs, e.duration);
      state.longTaskLog.push({ at: Math.round(e.startTime), ms: Math.round(e.duration), batches: state.batchLosses.length, epochs: state.epochs.length });
    }
  }).observe({ type: 'longtask', buffered: false });
} catch { /* longtask timing not supported */ }
// And the worst lateness of a 10 ms timer, which also catches blocking shorter than 50 ms.
let lastTick = performance.now();
setInterval(() => {
  const now = performance.now();
  if (state.status === 'training') {
    const lag = now - lastTick - 10;
    state.maxTimerLagMs = Math.max(state.maxTimerLagMs ?? 0, lag);
    if (lag > 20) state.lagLog.push({ at: Math.round(now - state.trainStart), lag: Math.round(lag), batches: state.batchLosses.length, epochs: state.epochs.length });
  }
  lastTick = now;
}, 10);

function drawGrid(canvas, images, count, columns, scale) {
  // One ImageData for the whole grid (1 px gaps), filled byte by byte, then drawn scaled once:
  // a few milliseconds, so the page stays responsive while it refreshes during training.
  const rows = Math.ceil(count / columns), w = columns * 29 + 1, h = rows * 29 + 1;
  const image = new ImageData(w, h);
  // Dark grey gaps, every pixel opaque (filling all four bytes with 51 made alpha 51: 20 % bright).
  for (let o = 0; o < image.data.length; o += 4) { image.data[o] = image.data[o + 1] = image.data[o + 2] = 51; image.data[o + 3] = 255; }
  for (let i = 0; i < count; i++) {
    const left = 1 + (i % columns) * 29, top = 1 + Math.floor(i / columns) * 29;
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        const v = Math.round(255 * Math.min(1, Math.max(0, images[i * 784 + y * 28 + x])));
        const o = 4 * ((top + y) * w + left + x);
        image.data[o] = v; image.data[o + 1] = v; image.data[o + 2] = v;
      }
    }
  }
  const off = new OffscreenCanvas(w, h);
  off.getContext('2d').putImageData(image, 0, 0);
  canvas.width = w * scale; canvas.height = h * scale;
  const ctx = canvas.getContext('2d');
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(off, 0, 0, w * scale, h * scale);
}

function drawChart() {
  // The same chart the CLI writes as loss.svg (wasm-vae's lossChart), redrawn live.
  $('chart').innerHTML = lossChart(state.epochs, state.batchPoints, { width: 700, panelHeight: 220 });
}

const fmtRate = (v) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '?');
const fmtTime = (s) => (Number.isFinite(s) ? `${Math.floor(s / 60)}:${String(Math.round(s % 60)).padStart(2, '0')}` : '?');

let vae, mnist, controller, testImages;

async function refreshPictures() {
  drawGrid($('samples'), await vae.sample(64, { seed: 1 }), 64, 8, 1);
  const originals = testImages.subarray(0, 8 * 784);
  const both = new Float32Array(16 * 784);
  both.set(originals); both.set(await vae.reconstruct(originals), originals.length);
  drawGrid($('recon'), both, 16, 8, 1);
  if (vae.config.latentDim === 2) {
    // The decoded latent plane: a 10×10 grid over z ∈ [−3, 3]² (rows: z₂, columns: z₁).
    const z = new Float32Array(200);
    for (let i = 0; i < 10; i++) for (let j = 0; j < 10; j++) z.set([-3 + (6 * (j + 0.5)) / 10, -3 + (6 * (i + 0.5)) / 10], 2 * (i * 10 + j));
    drawGrid($('explorer'), await vae.decode(z), 100, 10, 1);
  }
}

async function explore(event) {
  if (!vae || vae.config.latentDim !== 2) return;
  const r = $('explorer').getBoundingClientRect(); // the manifold canvas covers z ∈ [−3, 3]²
  const z = new Float32Array([((event.clientX - r.left) / r.width) * 6 - 3, ((event.clientY - r.top) / r.height) * 6 - 3]);
  drawGrid($('explored'), await vae.decode(z), 1, 1, 4);
}

function showRuntime() {
  // Before any training this is what fit will use (the pool starts on the first fit).
  const rt = vae.runtime;
  state.runtime = rt;
  $('runtime').textContent = `runtime: ${rt.threads ? `${rt.workers} worker threads` : 'this page\'s thread only'}, WebAssembly SIMD`
    + `${rt.relaxedSimd ? ' + relaxed SIMD' : ''}; crossOriginIsolated = ${self.crossOriginIsolated}`;
  $('warning').hidden = rt.warnings.length === 0;
  $('warning').textContent = rt.warnings.join(' ');
}

async function train() {
  $('train').disabled = true; $('stop').disabled = false;
  controller = new AbortController();
  state.status = 'training';
  state.longestTaskMs = 0; state.longTasks = 0; state.maxTimerLagMs = 0; state.longTaskLog = []; state.lagLog = [];
  state.trainStart = Math.round(performance.now());
  const x = mnist.train.bytes.subarray(0, 784 * Math.min(opt.rows, mnist.train.count));
  const started = performance.now();
  let lastDraw = 0;
  try {
    const history = await vae.fit(x, {
      epochs: opt.epochs, batchSize: opt.batchSize, workers: opt.workers, validation: testImages, signal: controller.signal,
      onBatchEnd: async (b) => {
        state.batchLosses.push(b.loss);
        state.batchPoints.push({ x: b.epoch - 1 + b.batch / b.batches, values: [b.loss, b.reconstruction, b.kl] });
        state.rates.push(b.samplesPerSecond);
        $('progress').textContent = `epoch ${b.epoch}/${opt.epochs}  batch ${b.batch}/${b.batches}  loss ${b.loss.toFixed(2)}  `
          + `reconstruction ${b.reconstruction.toFixed(2)}  KL ${b.kl.toFixed(2)}  ${fmtRate(b.samplesPerSecond)} samples/s  `
          + `elapsed ${fmtTime(b.elapsedSeconds)}  ETA ${fmtTime(b.etaSeconds)}`;
        if (b.batch === 1) showRuntime();
        if (performance.now() - lastDraw > 1000) { lastDraw = performance.now(); drawChart(); await refreshPictures(); }
      },
      onEpochEnd: async (e) => {
        state.epochs.push(e);
        drawChart(); await refreshPictures();
      },
    });
    state.samplesPerSecond = (history.epochs.reduce((s, e) => s + e.seconds * e.samplesPerSecond, 0)) / Math.max(1e-9, history.epochs.reduce((s, e) => s + e.seconds, 0));
    state.seconds = (performance.now() - started) / 1000;
    state.history = history;
    state.status = history.aborted ? 'stopped' : 'done';
  } catch (err) {
    state.error = String(err); state.status = 'error';
    $('progress').textContent = `error: ${err.message}`;
  }
  showRuntime(); drawChart(); await refreshPictures();
  $('train').disabled = false; $('stop').disabled = true; $('download').disabled = false;
}

async function main() {
  // The runtime first: it does not depend on the data, and tells at once whether threads work here.
  vae = await VAE.create({ inputDim: 784, hidden: opt.hidden, latentDim: opt.latent, seed: 1 }, { workers: opt.workers });
  showRuntime();
  try {
    mnist = await loadMnist({ dir: opt.data });
  } catch (err) {
    state.error = String(err); state.status = 'no-data';
    $('progress').textContent = '';
    $('data-error').hidden = false;
    $('data-error').textContent = `Could not load MNIST from ${opt.data}: ${err.message}. `
      + 'Serve the four MNIST IDX files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, '
      + 't10k-labels-idx1-ubyte.gz) there — `npm run demo -- --data DIR` serves DIR at /data/ — or point the page at them with ?data=URL.';
    return;
  }
  testImages = mnist.test.images.subarray(0, 784 * opt.testRows);
  $('explorer-box').hidden = opt.latent !== 2;
  $('explorer').addEventListener('pointermove', explore);
  $('train').onclick = train;
  $('stop').onclick = () => controller?.abort();
  $('download').onclick = () => {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([vae.toBytes()], { type: 'application/octet-stream' }));
    a.download = 'wasm-vae.safetensors'; a.click();
  };
  $('load').onchange = async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    try {
      const loaded = await VAE.fromBytes(new Uint8Array(await file.arrayBuffer()), { file: file.name });
      await vae.dispose(); vae = loaded;
      $('explorer-box').hidden = vae.config.latentDim !== 2;
      if (mnist) await refreshPictures();
      showRuntime();
      $('progress').textContent = `loaded ${file.name}`;
    } catch (err) { $('progress').textContent = `could not load ${file.name}: ${err.message}`; }
  };
  state.status = 'ready';
  $('progress').textContent = `ready: ${mnist.train.count} training images`;
  await refreshPictures();
  if (opt.autostart) await train();
}

main().catch((err) => { state.error = String(err); state.status = 'error'; $('progress').textContent = `error: ${err.message ?? err}`; });
