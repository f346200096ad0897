// The reference VAE (784-400-20-400-784, ReLU, Bernoulli on logits, Adam 1e-3, batch 128) written
// the way jax-js's users write models: a loss function of a parameter tree, jit(valueAndGrad(…)),
// and the update as a second jitted function (jax-js ships no optimiser library on npm, so Adam
// is written out as in optax). jax-js compiles to wasm SIMD; in Node it runs on one thread (its
// wasm threads need Web Workers).
import { init, jit, numpy as np, nn, valueAndGrad, defaultDevice } from '@jax-js/jax';

function uniform(shape, bound) {
  const size = shape.reduce((a, b) => a * b, 1);
  const buf = new Float32Array(size);
  for (let i = 0; i < size; i++) buf[i] = (Math.random() * 2 - 1) * bound;
  return np.array(buf).reshape(shape);
}

function linear(inDim, outDim) {
  const bound = 1 / Math.sqrt(inDim);
  return { w: uniform([inDim, outDim], bound), b: uniform([outDim], bound) };
}

// Negative ELBO per example: BCE with logits (stable form) + KL(q(z|x) ‖ N(0, I)), as PyTorch's example.
function loss(p, x, eps) {
  const rows = x.shape[0];
  const h = nn.relu(np.matmul(x.ref, p.fc1.w).add(p.fc1.b));
  const mu = np.matmul(h.ref, p.fc21.w).add(p.fc21.b);
  const logVar = np.matmul(h, p.fc22.w).add(p.fc22.b);
  const z = mu.ref.add(eps.mul(np.exp(logVar.ref.mul(0.5))));
  const d = nn.relu(np.matmul(z, p.fc3.w).add(p.fc3.b));
  const logits = np.matmul(d, p.fc4.w).add(p.fc4.b);
  const bce = nn.relu(logits.ref).sub(logits.ref.mul(x)).add(np.log1p(np.exp(np.negative(np.abs(logits))))).sum();
  const kl = np.square(mu).add(np.exp(logVar.ref)).sub(logVar).sub(1).sum().mul(0.5);
  return bce.add(kl).div(rows);
}

/**
 * Trains `batches` batches (after `warmup` untimed ones, which include the jit compile) and
 * returns samples/s. `images` is a Float32Array of rows of 784 values in [0, 1].
 */
export async function jaxjsSamplesPerSecond(images, { batchSize = 128, batches = 20, warmup = 3 } = {}) {
  await init('wasm'); // Node 20 has no navigator, so the GPU backends are not probed
  defaultDevice('wasm');
  const D = 784, rows = images.length / D;
  let params = { fc1: linear(D, 400), fc21: linear(400, 20), fc22: linear(400, 20), fc3: linear(20, 400), fc4: linear(400, D) };
  const zeros = (t) => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, { w: np.zerosLike(v.w.ref), b: np.zerosLike(v.b.ref) }]));
  let m = zeros(params), v = zeros(params);
  const lossAndGrad = jit(valueAndGrad(loss));
  const lr = 1e-3, b1 = 0.9, b2 = 0.999, epsilon = 1e-8;
  // One Adam step over the parameter tree (optax.adam's update rule); c1, c2: bias corrections.
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
    const eps = np.array(Float32Array.from({ length: batchSize * 20 }, () => gaussian())).reshape([batchSize, 20]);
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
