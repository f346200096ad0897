// The browser demo: loads MNIST (IDX .gz beside the page, via DecompressionStream), trains in the
// worker pool with live progress, draws samples, reconstructions, the loss chart and, for a 2-D
// latent, an explorer. Options come from the query string, e.g. ?epochs=3&rows=20000&latent=2.
// window.demo exposes the state for the end-to-end test.
import { loadMnist, VAE } from '../../dist-browser/src/index.js';

const q = new URLSearchParams(location.search);
const opt = {
  epochs: Number(q.get('epochs') ?? 5), rows: Number(q.get('rows') ?? 60000), latent: Number(q.get('latent') ?? 2),
  hidden: (q.get('hidden') ?? '400').split(',').map(Number), batchSize: Number(q.get('batch') ?? 128),
  workers: q.get('workers') === null || q.get('workers') === 'auto' ? 'auto' : Number(q.get('workers')),
  testRows: Number(q.get('test') ?? 1000), autostart: q.get('autostart') === '1',
};
const $ = (id) => document.getElementById(id);
const state = window.demo = { status: 'loading', batchLosses: [], epochs: [], runtime: null, longestTaskMs: 0, longTasks: 0, error: null };

// Main-thread responsiveness: the longest task seen while training.
try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) { state.longTasks++; state.longestTaskMs = Math.max(state.longestTaskMs, e.duration); }
  }).observe({ type: 'longtask', buffered: false });
} catch { /* longtask timing not supported */ }
// And the worst lateness of a 10 ms timer, which also catches blocking shorter than 50 ms.
let lastTick = performance.now();
setInterval(() => {
  const now = performance.now();
  if (state.status === 'training') state.maxTimerLagMs = Math.max(state.maxTimerLagMs ?? 0, now - lastTick - 10);
  lastTick = now;
}, 10);

function drawGrid(canvas, images, count, columns, scale) {
  const ctx = canvas.getContext('2d');
  const size = 28 * scale + 1, rows = Math.ceil(count / columns);
  canvas.width = columns * size + 1; canvas.height = rows * size + 1;
  ctx.fillStyle = '#333'; ctx.fillRect(0, 0, canvas.width, canvas.height);
  const tile = ctx.createImageData(28, 28);
  const off = new OffscreenCanvas(28, 28), octx = off.getContext('2d');
  ctx.imageSmoothingEnabled = false;
  for (let i = 0; i < count; i++) {
    for (let p = 0; p < 784; p++) {
      const v = Math.round(255 * Math.min(1, Math.max(0, images[i * 784 + p])));
      tile.data.set([v, v, v, 255], 4 * p);
    }
    octx.putImageData(tile, 0, 0);
    ctx.drawImage(off, 1 + (i % columns) * size, 1 + Math.floor(i / columns) * size, 28 * scale, 28 * scale);
  }
}

function drawChart() {
  const canvas = $('chart'), ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const losses = state.batchLosses;
  if (losses.length < 2) return;
  const tests = state.epochs.map((e) => e.valLoss);
  const all = [...losses, ...tests].filter(Number.isFinite);
  const lo = Math.min(...all), hi = Math.min(Math.max(...all), lo + 4 * (losses[losses.length - 1] - lo + 10));
  const y = (v) => canvas.height - 10 - ((Math.min(v, hi) - lo) / (hi - lo || 1)) * (canvas.height - 20);
  const x = (i) => 30 + (i / (losses.length - 1)) * (canvas.width - 40);
  ctx.strokeStyle = '#36c'; ctx.beginPath();
  losses.forEach((v, i) => (i ? ctx.lineTo(x(i), y(v)) : ctx.moveTo(x(i), y(v))));
  ctx.stroke();
  ctx.fillStyle = '#c33';
  state.epochs.forEach((e) => ctx.fillRect(x(e.batchIndex) - 3, y(e.valLoss) - 3, 6, 6));
  ctx.fillStyle = '#222'; ctx.fillText(hi.toFixed(0), 2, 12); ctx.fillText(lo.toFixed(0), 2, canvas.height - 6);
}

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
  const rt = vae.runtime;
  state.runtime = rt;
  $('runtime').textContent = `runtime: ${rt.threads ? `${rt.workers} worker threads` : 'main thread only'}, WebAssembly SIMD`
    + `${rt.relaxedSimd ? ' + relaxed SIMD' : ''}; crossOriginIsolated = ${self.crossOriginIsolated}`;
  if (rt.warnings.length) { $('warning').hidden = false; $('warning').textContent = rt.warnings.join(' '); }
}

async function train() {
  $('train').disabled = true; $('stop').disabled = false;
  controller = new AbortController();
  state.status = 'training';
  state.longestTaskMs = 0; state.longTasks = 0; state.maxTimerLagMs = 0;
  const x = mnist.train.bytes.subarray(0, 784 * Math.min(opt.rows, mnist.train.count));
  const started = performance.now();
  let lastDraw = 0;
  try {
    const history = await vae.fit(x, {
      epochs: opt.epochs, batchSize: opt.batchSize, workers: opt.workers, validation: testImages, signal: controller.signal,
      onBatchEnd: async (b) => {
        state.batchLosses.push(b.loss);
        $('progress').textContent = `epoch ${b.epoch}  batch ${b.batch}/${b.batches}  loss ${b.loss.toFixed(2)}  `
          + `reconstruction ${b.reconstruction.toFixed(2)}  KL ${b.kl.toFixed(2)}  ${Math.round(b.samplesPerSecond)} samples/s`;
        if (b.batch === 1) showRuntime();
        if (performance.now() - lastDraw > 1000) { lastDraw = performance.now(); drawChart(); await refreshPictures(); }
      },
      onEpochEnd: async (e) => {
        state.epochs.push({ ...e, batchIndex: state.batchLosses.length - 1 });
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
  mnist = await loadMnist({ dir: new URL('/data/', location.href).href });
  testImages = mnist.test.images.subarray(0, 784 * opt.testRows);
  vae = await VAE.create({ inputDim: 784, hidden: opt.hidden, latentDim: opt.latent, seed: 1 });
  showRuntime();
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
      await refreshPictures(); showRuntime();
      $('progress').textContent = `loaded ${file.name}`;
    } catch (err) { $('progress').textContent = `could not load ${file.name}: ${err.message}`; }
  };
  state.status = 'ready';
  $('progress').textContent = `ready: ${mnist.train.count} training images`;
  await refreshPictures();
  if (opt.autostart) await train();
}

main().catch((err) => { state.error = String(err); state.status = 'error'; $('progress').textContent = `error: ${err.stack ?? err}`; });
