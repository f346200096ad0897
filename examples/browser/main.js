// The browser demo: MNIST (IDX .gz files from ?data=URL, default /data/ on this server, via
// DecompressionStream) or a folder of the user's images; a dense or a convolutional model
// (the named architectures); training in the worker pool with live progress; samples,
// reconstructions, the training chart, the explore panel (explore.js) and, for a 2-D latent, the
// decoded latent plane. Models download, upload, or load from a URL (cached in IndexedDB).
// Query string: ?epochs=3&rows=20000&latent=2&arch=dcgan28&conditional=1&data=https://example.org/mnist/.
// window.demo exposes the state for the end-to-end test.
import { architecture, loadImageFiles, loadMnist, lossChart, VAE } from '../../dist-browser/src/index.js';
import { drawGrid } from './draw.js';
import { createExplorer } from './explore.js';
import { fetchModel } from './models.js';

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
$('arch').value = q.get('arch') ?? 'dense';
$('latent').value = String(opt.latent);
$('conditional').checked = q.get('conditional') === '1';

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

const fmtRate = (v) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '?');
const fmtTime = (s) => (Number.isFinite(s) ? `${Math.floor(s / 60)}:${String(Math.round(s % 60)).padStart(2, '0')}` : '?');
const explorer = createExplorer($, state);

/** The data: { train: { bytes, labels, count }, test: { images, labels, count, dim }, shape, classes, name }. */
let data, vae, controller;

function mnistData(mnist) {
  const count = Math.min(opt.testRows, mnist.test.count);
  return {
    name: 'MNIST', shape: { channels: 1, height: 28, width: 28 }, classes: 10,
    train: { bytes: mnist.train.bytes.subarray(0, 784 * Math.min(opt.rows, mnist.train.count)), labels: mnist.train.labels, count: Math.min(opt.rows, mnist.train.count) },
    test: { images: mnist.test.images.subarray(0, 784 * count), labels: mnist.test.labels.subarray(0, count), count, dim: 784 },
  };
}

function folderData(folder, name) {
  const [channels, height, width] = folder.shape, dim = folder.dim;
  return {
    name, shape: { channels, height, width }, classes: folder.classes.length,
    train: { bytes: folder.train.bytes, labels: folder.train.labels, count: folder.train.count },
    test: { images: Float32Array.from(folder.test.bytes, (v) => v / 255), labels: folder.test.labels, count: folder.test.count, dim },
  };
}

/** The model the controls describe, for the loaded data. */
function modelConfig() {
  const arch = $('arch').value, latentDim = Number($('latent').value), { channels, height } = data.shape;
  const conditional = $('conditional').checked && data.classes >= 2 ? { conditional: { classes: data.classes } } : {};
  if (arch === 'dense') return { inputDim: channels * height * data.shape.width, hidden: opt.hidden, latentDim, seed: 1, ...conditional };
  if (conditional.conditional) throw new Error('conditional models are dense here: choose the dense model, or untick conditional');
  const side = arch === 'dcgan32' ? 32 : arch === 'dcgan64' ? 64 : 28;
  if (height !== side || data.shape.width !== side) throw new Error(`${arch} takes ${side}×${side} images; the data's are ${height}×${data.shape.width} (a folder is read at the model's size)`);
  return { ...architecture(arch, { latentDim, channels }), seed: 1 };
}

async function rebuild() {
  const config = modelConfig();
  const next = await VAE.create(config, { workers: opt.workers });
  await vae?.dispose();
  vae = next;
  state.config = vae.config;
  showRuntime();
  $('progress').textContent = `ready: ${data.name}, ${data.train.count} training images; model ${vae.summary().parameters.toLocaleString('en-US')} parameters`;
  await refreshPictures();
}

async function refreshPictures() {
  const classes = vae.config.conditional?.classes;
  const n = classes ? classes * 8 : 64;
  const labels = classes ? Array.from({ length: n }, (_, i) => Math.floor(i / 8)) : undefined;
  const samples = { images: await vae.sample(n, { seed: 1, labels }), count: n, columns: 8 };
  const originals = data.test.images.subarray(0, 8 * data.test.dim);
  const recon = new Float32Array(16 * data.test.dim);
  recon.set(originals);
  recon.set(await vae.reconstruct(originals, classes ? { labels: data.test.labels.subarray(0, 8) } : {}), originals.length);
  drawGrid($('samples'), samples.images, samples.count, samples.columns, data.shape, 1);
  drawGrid($('recon'), recon, 16, 8, data.shape, 1);
  $('explorer-box').hidden = vae.config.latentDim !== 2 || classes !== undefined;
  if (!$('explorer-box').hidden) {
    // The decoded latent plane: a 10×10 grid over z ∈ [−3, 3]² (rows: z₂, columns: z₁).
    const z = new Float32Array(200);
    for (let i = 0; i < 10; i++) for (let j = 0; j < 10; j++) z.set([-3 + (6 * (j + 0.5)) / 10, -3 + (6 * (i + 0.5)) / 10], 2 * (i * 10 + j));
    drawGrid($('explorer'), await vae.decode(z), 100, 10, data.shape, 1);
  }
}

async function explorePlane(event) {
  if (!vae || vae.config.latentDim !== 2 || vae.config.conditional) return;
  const r = $('explorer').getBoundingClientRect(); // the manifold canvas covers z ∈ [−3, 3]²
  const z = new Float32Array([((event.clientX - r.left) / r.width) * 6 - 3, ((event.clientY - r.top) / r.height) * 6 - 3]);
  drawGrid($('explored'), await vae.decode(z), 1, 1, data.shape, 4);
}

function drawChart() {
  // The same chart the CLI writes as loss.svg (wasm-vae's lossChart), redrawn live.
  $('chart').innerHTML = lossChart(state.epochs, state.batchPoints, { width: 700, panelHeight: 220 });
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
  for (const id of ['train', 'arch', 'latent', 'conditional', 'dataset']) $(id).disabled = true;
  $('stop').disabled = false;
  controller = new AbortController();
  state.status = 'training';
  state.batchLosses = []; state.batchPoints = []; state.rates = []; state.epochs = [];
  state.longestTaskMs = 0; state.longTasks = 0; state.maxTimerLagMs = 0; state.longTaskLog = []; state.lagLog = [];
  state.trainStart = Math.round(performance.now());
  const conditional = vae.config.conditional !== undefined;
  const started = performance.now();
  let lastDraw = 0;
  try {
    const history = await vae.fit(data.train.bytes, {
      epochs: opt.epochs, batchSize: opt.batchSize, workers: opt.workers, validation: data.test.images, signal: controller.signal,
      ...(conditional ? { labels: data.train.labels.subarray(0, data.train.count), validationLabels: data.test.labels } : {}),
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
      onEpochEnd: async (e) => { state.epochs.push(e); drawChart(); await refreshPictures(); },
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
  await explorer.show(vae, data.test, data.shape);
  for (const id of ['train', 'arch', 'latent', 'conditional', 'dataset', 'download']) $(id).disabled = false;
  $('stop').disabled = true;
  state.explored = true;
}

/** A model from bytes (a file or a URL) replaces the current one, if it fits the loaded data. */
async function useModel(bytes, name) {
  const loaded = await VAE.fromBytes(bytes, { file: name, workers: opt.workers });
  if (loaded.config.inputDim !== data.test.dim) {
    await loaded.dispose();
    throw new Error(`${name} takes ${loaded.config.inputDim} values per image; the loaded data have ${data.test.dim}`);
  }
  await vae.dispose(); vae = loaded;
  showRuntime();
  await refreshPictures();
  await explorer.show(vae, data.test, data.shape);
}

async function loadFolder(files) {
  const arch = $('arch').value, side = arch === 'dcgan32' ? 32 : arch === 'dcgan64' ? 64 : 28;
  const channels = q.get('channels') ? Number(q.get('channels')) : arch === 'dcgan32' || arch === 'dcgan64' ? 3 : 1;
  $('progress').textContent = `decoding ${files.length} files…`;
  const folder = await loadImageFiles(files, { size: side, channels, seed: 1,
    onProgress: (done, total, bytes) => { $('progress').textContent = `decoding ${done} of ${total} images (${(bytes / 1e6).toFixed(1)} MB of rows)…`; } });
  data = folderData(folder, `your ${folder.train.count + folder.test.count} images${folder.classes.length ? ` in ${folder.classes.length} classes` : ''}`);
  state.folder = { count: folder.train.count + folder.test.count, classes: folder.classes, shape: folder.shape };
  await rebuild();
  state.status = 'ready';
}

async function main() {
  // The runtime first: it does not depend on the data, and tells at once whether threads work here.
  vae = await VAE.create({ inputDim: 784, hidden: opt.hidden, latentDim: opt.latent, seed: 1 }, { workers: opt.workers });
  showRuntime();
  let mnist;
  try {
    mnist = await loadMnist({ dir: opt.data });
  } catch (err) {
    state.error = String(err); state.status = 'no-data';
    $('progress').textContent = '';
    $('data-error').hidden = false;
    $('data-error').textContent = `Could not load MNIST from ${opt.data}: ${err.message}. `
      + 'Serve the four MNIST IDX files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, '
      + 't10k-labels-idx1-ubyte.gz) there — `npm run demo -- --data DIR` serves DIR at /data/ — or point the page at them with ?data=URL; '
      + 'or choose a folder of your own images.';
  }
  const guarded = (run) => async (...args) => {
    try { $('data-error').hidden = true; await run(...args); } catch (err) { $('progress').textContent = `error: ${err.message ?? err}`; state.error = String(err); }
  };
  $('explorer').addEventListener('pointermove', explorePlane);
  $('train').onclick = train;
  $('stop').onclick = () => controller?.abort();
  for (const id of ['arch', 'latent', 'conditional']) $(id).onchange = guarded(async () => { if (data) await rebuild(); });
  $('dataset').onchange = guarded(async () => {
    if ($('dataset').value === 'folder') { $('folder').click(); return; }
    if (!mnist) throw new Error('MNIST is not available here (see above)');
    data = mnistData(mnist); await rebuild();
  });
  $('folder').onchange = guarded(async (event) => { if (event.target.files.length) await loadFolder(event.target.files); });
  $('download').onclick = () => {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([vae.toBytes()], { type: 'application/octet-stream' }));
    a.download = 'wasm-vae.safetensors'; a.click();
  };
  $('load').onchange = guarded(async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    await useModel(new Uint8Array(await file.arrayBuffer()), file.name);
    $('progress').textContent = `loaded ${file.name}`;
  });
  $('load-url').onclick = guarded(async () => {
    const url = new URL($('model-url').value, location.href).href;
    const { bytes, source } = await fetchModel(url, (received, total) => {
      $('progress').textContent = `downloading ${url}: ${(received / 1e6).toFixed(1)}${total ? ` of ${(total / 1e6).toFixed(1)}` : ''} MB`;
      state.downloadProgress = (state.downloadProgress ?? 0) + 1;
    });
    await useModel(bytes, url);
    state.modelSource = source;
    $('progress').textContent = `loaded ${url} (${source === 'cache' ? 'from this browser\'s cache' : `${(bytes.length / 1e6).toFixed(1)} MB downloaded, now cached`})`;
  });
  if (!mnist && !q.get('folder')) return;
  if (mnist) {
    data = mnistData(mnist);
    // A 32×32 or 64×64 model waits for a folder of images; MNIST is 28×28.
    await rebuild().catch((err) => { $('progress').textContent = `${err.message}: choose a folder of images`; });
  }
  state.status = 'ready';
  if (opt.autostart) await train();
}

main().catch((err) => { state.error = String(err); state.status = 'error'; $('progress').textContent = `error: ${err.message ?? err}`; });
