// The reference VAE (784-400-20-400-784, ReLU, Bernoulli on logits, Adam 1e-3) written with
// TensorFlow.js ops, to measure its training speed on a given backend in the same run as wasm-vae.
import * as tf from '@tensorflow/tfjs'; // core + gradients + the cpu backend
import '@tensorflow/tfjs-backend-wasm';

function linear(inDim, outDim) {
  const bound = 1 / Math.sqrt(inDim);
  return { w: tf.variable(tf.randomUniform([inDim, outDim], -bound, bound)), b: tf.variable(tf.randomUniform([outDim], -bound, bound)) };
}

/**
 * Trains `batches` batches (after `warmup` untimed ones) and returns samples/s.
 * `images` is a Float32Array of rows of 784 values in [0, 1].
 */
export async function tfjsSamplesPerSecond(backend, images, { batchSize = 128, batches = 10, warmup = 2, latent = 20, hidden = 400 } = {}) {
  await tf.setBackend(backend);
  await tf.ready();
  const D = 784;
  const enc = linear(D, hidden), head = linear(hidden, 2 * latent), dec = linear(latent, hidden), out = linear(hidden, D);
  const optimizer = tf.train.adam(1e-3);
  const rows = images.length / D;
  const step = (b) => {
    const start = (b * batchSize) % (rows - batchSize);
    const x = tf.tensor2d(images.subarray(start * D, (start + batchSize) * D), [batchSize, D]);
    const cost = optimizer.minimize(() => {
      const h = tf.relu(tf.add(tf.matMul(x, enc.w), enc.b));
      const hd = tf.add(tf.matMul(h, head.w), head.b);
      const mu = tf.slice(hd, [0, 0], [batchSize, latent]);
      const logVar = tf.slice(hd, [0, latent], [batchSize, latent]);
      const z = tf.add(mu, tf.mul(tf.exp(tf.mul(logVar, 0.5)), tf.randomNormal([batchSize, latent])));
      const d = tf.relu(tf.add(tf.matMul(z, dec.w), dec.b));
      const logits = tf.add(tf.matMul(d, out.w), out.b);
      const bce = tf.sum(tf.add(tf.sub(tf.relu(logits), tf.mul(logits, x)), tf.log1p(tf.exp(tf.neg(tf.abs(logits))))));
      const kl = tf.mul(-0.5, tf.sum(tf.sub(tf.sub(tf.add(1, logVar), tf.square(mu)), tf.exp(logVar))));
      return tf.div(tf.add(bce, kl), batchSize);
    }, true);
    const value = cost.dataSync()[0];
    cost.dispose(); x.dispose();
    return value;
  };
  for (let b = 0; b < warmup; b++) step(b);
  const t0 = performance.now();
  let loss = 0;
  for (let b = 0; b < batches; b++) loss = step(warmup + b);
  const seconds = (performance.now() - t0) / 1000;
  for (const l of [enc, head, dec, out]) { l.w.dispose(); l.b.dispose(); }
  optimizer.dispose();
  return { backend, samplesPerSecond: (batches * batchSize) / seconds, batches, lastLoss: loss };
}
