// The model file loads into the equivalent PyTorch module by name (examples/pytorch/load.py) and
// decodes and encodes to the same values: dense, dropout and convolutional layers. Runs where Debian's python3-torch is installed; skipped elsewhere.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VAE, type VAEConfig, architecture } from '../src/index.js';
import { randomArray, rng } from './helpers.js';

const PYTHON = '/usr/bin/python3';
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!hasTorch)('PyTorch interoperability', () => {
  it.each<[string, VAEConfig]>([
    ['widths', { inputDim: 30, hidden: [16, 12], latentDim: 2, seed: 5 }],
    ['layer lists with dropout and per-layer activations', { inputDim: 30, latentDim: 3, seed: 6, activation: 'elu', activationAlpha: 0.5,
      encoder: [{ type: 'dense', units: 16 }, { type: 'dropout', rate: 0.2 }, { type: 'dense', units: 12, activation: 'leaky_relu' }],
      decoder: [{ type: 'dense', units: 12, activation: 'tanh' }, { type: 'dropout', rate: 0.1 }, { type: 'dense', units: 16 }, { type: 'dense', units: 30 }] }],
    ['convolutions: conv2d, flatten, reshape, conv-transpose2d with output padding (PyTorch NCHW modules)', { inputDim: 30, inputShape: [1, 5, 6], latentDim: 3, seed: 7,
      encoder: [{ type: 'conv2d', filters: 4, kernel: 3, stride: 2, padding: 1 }, { type: 'conv2d', filters: 6, kernel: 2, activation: 'tanh' }, { type: 'flatten' }],
      decoder: [{ type: 'dense', units: 12 }, { type: 'reshape', shape: [3, 2, 2] }, { type: 'conv-transpose2d', filters: 4, kernel: 3, stride: 2, padding: 1, outputPadding: 1 },
        { type: 'conv-transpose2d', filters: 1, kernel: 3, stride: 1, padding: 1 }, { type: 'flatten' }, { type: 'dense', units: 30 }] }],
    ['the keras architecture (output padding, a stride-1 transposed conv)', { ...architecture('keras', { latentDim: 2 }), seed: 9 }],
    ['colour: a 3-channel 6×4 image through conv2d and conv-transpose2d (NCHW rows, as torch takes them)', { inputDim: 72, inputShape: [3, 6, 4], latentDim: 3, seed: 8,
      encoder: [{ type: 'conv2d', filters: 4, kernel: 3, stride: 2, padding: 1 }, { type: 'flatten' }],
      decoder: [{ type: 'dense', units: 12 }, { type: 'reshape', shape: [2, 3, 2] }, { type: 'conv-transpose2d', filters: 3, kernel: 4, stride: 2, padding: 1 }] }],
  ])('examples/pytorch/load.py loads a saved model (%s) and decodes what wasm-vae decodes', async (_, config) => {
    const vae = await VAE.create(config);
    await vae.fit(randomArray(60 * config.inputDim, rng(3), 0, 1), { epochs: 2, batchSize: 20 });
    const path = join(mkdtempSync(join(tmpdir(), 'wasm-vae-torch-')), 'model.safetensors');
    await vae.save(path);
    const script = new URL('../examples/pytorch/load.py', import.meta.url).pathname;
    const torch = JSON.parse(execFileSync(PYTHON, [script, path]).toString()) as { decoded: number[]; mean: number[] };
    const z = new Float32Array(vae.config.latentDim);
    z.set([0.5, -1]);
    const decoded = await vae.decode(z), step = Math.max(1, Math.floor(config.inputDim / 8));
    const ours = Array.from({ length: 8 }, (_, i) => decoded[i * step]);
    torch.decoded.forEach((v, i) => expect(Math.abs(v - ours[i]), `decoded[${i}]`).toBeLessThan(1e-6));
    const x = Float32Array.from({ length: vae.config.inputDim }, (_, i) => i / (vae.config.inputDim - 1)); // torch.linspace(0, 1, inputDim)
    const { mean } = await vae.encode(x);
    torch.mean.forEach((v, i) => expect(Math.abs(v - mean[i]), `mean[${i}]`).toBeLessThan(1e-5));
    await vae.dispose();
  });
});
