// The explore panel: click two test images and slide between them (vae.interpolate), pick a
// latent dimension (ranked by vae.activeUnits) and slide along it (vae.traverse); a conditional
// model's decodes take the class chosen in the label menu. Paths are decoded once per choice
// and the sliders pick from them, so sliding costs no model calls.
import { drawGrid, zoomFor } from './draw.js';

const PATH_STEPS = 21, TRAVERSE_STEPS = 25, RANGE = 3, PICKS = 10;

export function createExplorer($, state) {
  let vae, test, shape, a = 0, b = 1, next = 'a', path, traversal;
  const row = (i) => test.images.subarray(i * test.dim, (i + 1) * test.dim);
  const conditional = () => vae.config.conditional !== undefined;
  const decodeLabel = () => (conditional() ? Number($('label').value) : undefined);
  const labelsOf = (...rows) => (conditional() ? { labels: rows.map((r) => test.labels[r]) } : {});

  function drawPicks() {
    const images = test.images.subarray(0, PICKS * test.dim);
    drawGrid($('picks'), images, PICKS, PICKS, shape, zoomFor(shape));
    $('picked').textContent = `A = test image ${a}, B = test image ${b} (click an image to choose ${next === 'a' ? 'A' : 'B'})`;
  }

  function showMix() {
    const i = Math.round(Number($('mix').value) * (PATH_STEPS - 1));
    drawGrid($('between'), path.subarray(i * test.dim, (i + 1) * test.dim), 1, 1, shape, 2 * zoomFor(shape));
    $('mix-value').textContent = `t = ${(i / (PATH_STEPS - 1)).toFixed(2)}`;
    state.explore.mix = i;
  }

  function showValue() {
    const i = Math.round(((Number($('value').value) + RANGE) / (2 * RANGE)) * (TRAVERSE_STEPS - 1));
    drawGrid($('traversed'), traversal.images.subarray(i * test.dim, (i + 1) * test.dim), 1, 1, shape, 2 * zoomFor(shape));
    $('value-value').textContent = `z${traversal.dims[0]} = ${traversal.values[i].toFixed(2)}`;
    state.explore.value = traversal.values[i];
  }

  async function refreshPath() {
    const label = decodeLabel();
    path = await vae.interpolate(row(a), row(b), { steps: PATH_STEPS, method: $('method').value, ...labelsOf(a, b), ...(label === undefined ? {} : { decodeLabel: label }) });
    state.explore.paths++;
    showMix();
  }

  async function refreshTraversal() {
    const label = decodeLabel();
    traversal = await vae.traverse(row(a), { dims: [Number($('dim').value)], steps: TRAVERSE_STEPS, range: RANGE, ...labelsOf(a),
      ...(label === undefined ? {} : { decodeLabel: label }) });
    state.explore.traversals++;
    showValue();
  }

  async function pick(event) {
    const r = $('picks').getBoundingClientRect(), i = Math.min(PICKS - 1, Math.floor(((event.clientX - r.left) / r.width) * PICKS));
    if (next === 'a') { a = i; next = 'b'; } else { b = i; next = 'a'; }
    drawPicks();
    await refreshPath();
    await refreshTraversal();
  }

  $('picks').addEventListener('click', (e) => { pick(e).catch(report); });
  $('mix').addEventListener('input', () => path && showMix());
  $('value').addEventListener('input', () => traversal && showValue());
  $('method').addEventListener('change', () => { refreshPath().catch(report); });
  $('dim').addEventListener('change', () => { refreshTraversal().catch(report); });
  $('label').addEventListener('change', () => { Promise.all([refreshPath(), refreshTraversal()]).catch(report); });
  function report(err) { $('explore-status').textContent = `explore: ${err.message ?? err}`; }

  return {
    /** Shows the panel for a (trained or loaded) model and test images { images, labels, dim, count }. */
    async show(model, testSet, imageShape) {
      vae = model; test = testSet; shape = imageShape;
      state.explore = { paths: 0, traversals: 0, activeUnits: null };
      $('explore-box').hidden = false;
      const classes = vae.config.conditional?.classes ?? 0;
      $('label-box').hidden = classes === 0;
      $('label').innerHTML = Array.from({ length: classes }, (_, c) => `<option value="${c}">${c}</option>`).join('');
      if (classes) $('label').value = String(test.labels[a]);
      // Dimensions by how active they are over the test images (variance of the posterior means).
      const au = await vae.activeUnits(test.images.subarray(0, Math.min(test.count, 1000) * test.dim),
        conditional() ? { labels: test.labels.subarray(0, Math.min(test.count, 1000)) } : {});
      state.explore.activeUnits = au.active;
      $('dim').innerHTML = au.ranking.map((d) => `<option value="${d}">z${d} (variance ${au.variance[d].toFixed(2)})</option>`).join('');
      $('active').textContent = `${au.active} of ${vae.config.latentDim} dimensions active (variance of the mean > ${au.threshold})`;
      drawPicks();
      await refreshPath();
      await refreshTraversal();
    },
  };
}
