// The reference VAE (784-400-20-400-784, ReLU, Bernoulli on logits, Adam 1e-3, batch 128) written
// the way jax-js's users write models: a loss function of a parameter tree, trained by
// jit(valueAndGrad(…)) and a jitted Adam (bench/jaxjs-train.mjs). jax-js compiles to wasm SIMD;
// in Node it runs on one thread (its wasm threads need Web Workers).
import { numpy as np, nn } from '@jax-js/jax';
import { trainJaxjs, uniform } from './jaxjs-train.mjs';

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
export function jaxjsSamplesPerSecond(images, options = {}) {
  const D = 784;
  return trainJaxjs(loss, () => ({ fc1: linear(D, 400), fc21: linear(400, 20), fc22: linear(400, 20), fc3: linear(20, 400), fc4: linear(400, D) }), images, options);
}
