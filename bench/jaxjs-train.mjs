// The training loop both jax-js peers share, as jax-js's users write one: jit(valueAndGrad(loss))
// over a parameter tree of { w, b } layers, and Adam as a second jitted function over the tree
// (jax-js ships no optimiser library on npm, so it is written out as optax.adam's update rule).
import { init, jit, numpy as np, valueAndGrad, defaultDevice } from '@jax-js/jax';

/** Uniform in ±bound, as torch.nn's initialisation. */
export function uniform(shape, bound) {
  const size = shape.reduce((a, b) => a * b, 1);
  const buf = new Float32Array(size);
  for (let i = 0; i < size; i++) buf[i] = (Math.random() * 2 - 1) * bound;
  return np.array(buf).reshape(shape);
}

/**
 * Trains `batches` batches (after `warmup` untimed ones, which include the jit compile) of
 * `loss(params, x, eps)` on rows of `images` (784 values in [0, 1]) with noise of `latent`
 * dimensions; returns samples/s. `makeParams()` builds the tree (after the backend is ready).
 */
export async function trainJaxjs(loss, makeParams, images, { batchSize = 128, batches = 20, warmup = 3, latent = 20 } = {}) {
  await init('wasm'); // Node 20 has no navigator, so the GPU backends are not probed
  defaultDevice('wasm');
  const D = 784, rows = images.length / D;
  let params = makeParams();
  const zeros = (t) => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, { w: np.zerosLike(v.w.ref), b: np.zerosLike(v.b.ref) }]));
  let m = zeros(params), v = zeros(params);
  const lossAndGrad = jit(valueAndGrad(loss));
  const lr = 1e-3, b1 = 0.9, b2 = 0.999, epsilon = 1e-8;
  // One Adam step over the parameter tree; c1, c2: bias corrections.
  const adam = jit((p, g, m0, v0, c1, c2) => {
    const out = { p: {}, m: {}, v: {} };
    for (const layer of Object.keys(p)) {
      for (const k of ['w', 'b']) {
        const gi = g[layer][k];
        const mi = m0[layer][k].mul(b1).add(gi.ref.mul(1 - b1));
        const vi = v0[layer][k].mul(b2).add(np.square(gi).mul(1 - b2));
        const step = mi.ref.mul(c1.ref).div(np.sqrt(vi.ref.mul(c2.ref)).add(epsilon)).mul(lr);
        (out.p[layer] ??= {})[k] = p[layer][k].sub(step);
        (out.m[layer] ??= {})[k] = mi;
        (out.v[layer] ??= {})[k] = vi;
      }
    }
    c1.dispose(); c2.dispose();
    return out;
  });
  let lastLoss = NaN;
  const step = async (b, t) => {
    const start = (b * batchSize) % (rows - batchSize);
    const x = np.array(images.subarray(start * D, (start + batchSize) * D)).reshape([batchSize, D]);
    const eps = np.array(Float32Array.from({ length: batchSize * latent }, () => gaussian())).reshape([batchSize, latent]);
    const [value, grads] = lossAndGrad(tree(params), x, eps);
    const next = adam(params, grads, m, v, np.array(1 / (1 - b1 ** t)), np.array(1 / (1 - b2 ** t)));
    params = next.p; m = next.m; v = next.v;
    lastLoss = (await value.data())[0];
  };
  for (let b = 0; b < warmup; b++) await step(b, b + 1);
  const t0 = performance.now();
  for (let b = 0; b < batches; b++) await step(warmup + b, warmup + b + 1);
  const seconds = (performance.now() - t0) / 1000;
  return { backend: 'jax-js wasm (jit)', samplesPerSecond: (batches * batchSize) / seconds, batches, lastLoss };
}

/** A new reference to every array of a parameter tree (jax-js functions take ownership of their arguments). */
function tree(p) {
  return Object.fromEntries(Object.entries(p).map(([k, l]) => [k, { w: l.w.ref, b: l.b.ref }]));
}

function gaussian() {
  const u = 1 - Math.random(), w = Math.random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * w);
}
