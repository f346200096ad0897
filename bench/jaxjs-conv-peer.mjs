// issue 15's dcgan28 (latent 20) in jax-js, written as jax-js's users write models: the loss a
// function of a parameter tree through lax.conv and lax.convTranspose (NCHW, PyTorch's padding),
// trained by jit(valueAndGrad(…)) and a jitted Adam (bench/jaxjs-train.mjs, as the dense peer).
// jax-js compiles to wasm SIMD; in Node it runs on one thread.
import { lax, numpy as np, nn } from '@jax-js/jax';
import { trainJaxjs, uniform } from './jaxjs-train.mjs';

const PAD = [[1, 1], [1, 1]];
const conv = (x, p) => lax.conv(x, p.w, [2, 2], PAD).add(p.b.reshape([1, -1, 1, 1]));
const convT = (x, p) => lax.convTranspose(x, p.w, [2, 2], PAD, { transposeKernel: true }).add(p.b.reshape([1, -1, 1, 1]));
const dense = (x, p) => np.matmul(x, p.w).add(p.b);

// Negative ELBO per example, BCE on logits + KL, as wasm-vae and PyTorch compute it.
function loss(p, x, eps) {
  const rows = x.shape[0];
  const h = nn.relu(conv(nn.relu(conv(x.ref.reshape([rows, 1, 28, 28]), p.c1)), p.c2)).reshape([rows, 3136]);
  const mu = dense(h.ref, p.mu), logVar = dense(h, p.lv);
  const z = mu.ref.add(eps.mul(np.exp(logVar.ref.mul(0.5))));
  const d = nn.relu(dense(z, p.d1)).reshape([rows, 64, 7, 7]);
  const logits = convT(nn.relu(convT(d, p.t1)), p.t2).reshape([rows, 784]);
  const bce = nn.relu(logits.ref).sub(logits.ref.mul(x)).add(np.log1p(np.exp(np.negative(np.abs(logits))))).sum();
  const kl = np.square(mu).add(np.exp(logVar.ref)).sub(logVar).sub(1).sum().mul(0.5);
  return bce.add(kl).div(rows);
}

/** Trains `batches` batches of dcgan28 after `warmup` untimed ones (with the jit compile); samples/s. */
export function jaxjsConvSamplesPerSecond(images, { batchSize = 128, batches = 6, warmup = 2 } = {}) {
  const layer = (wShape, fanIn, bShape) => ({ w: uniform(wShape, 1 / Math.sqrt(fanIn)), b: uniform(bShape, 1 / Math.sqrt(fanIn)) });
  return trainJaxjs(loss, () => ({
    c1: layer([32, 1, 4, 4], 16, [32]), c2: layer([64, 32, 4, 4], 512, [64]),
    mu: layer([3136, 20], 3136, [20]), lv: layer([3136, 20], 3136, [20]), d1: layer([20, 3136], 20, [3136]),
    t1: layer([64, 32, 4, 4], 512, [32]), t2: layer([32, 1, 4, 4], 16, [1]),
  }), images, { batchSize, batches, warmup });
}
