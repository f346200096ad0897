// Inputs that used to be accepted silently: splits of different image sizes, labels beyond the
// class count, model files with NaN weights or a tensor named twice, NaN through setParameters,
// and a disposed model's parameters.
import { describe, expect, it } from 'vitest';
import { DataError, DisposedError, FileFormatError, VAE } from '../src/index.js';
import { type FileKey, mnistFromFiles } from '../src/data/mnist.js';
import { encodeSafetensors } from '../src/model/safetensors.js';

function idx(dims: number[], fill = 0): Uint8Array {
  const count = dims.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(4 + 4 * dims.length + count).fill(fill, 4 + 4 * dims.length);
  out[2] = 8; out[3] = dims.length;
  dims.forEach((d, i) => new DataView(out.buffer).setUint32(4 + 4 * i, d));
  return out;
}

const files = (over: Partial<Record<FileKey, Uint8Array>>) => async (key: FileKey) =>
  over[key] ?? { trainImages: idx([5, 28, 28]), trainLabels: idx([5], 3), testImages: idx([4, 28, 28]), testLabels: idx([4], 7) }[key];

describe('data checks', () => {
  it('MNIST-format splits: sizes must agree and labels lie below the class count', async () => {
    expect((await mnistFromFiles(files({}), 'dir')).test.count).toBe(4);
    await expect(mnistFromFiles(files({ testImages: idx([4, 32, 32]) }), 'dir'))
      .rejects.toThrow(/training images are 28×28 but the test images 32×32 \(in dir\)/);
    await expect(mnistFromFiles(files({ trainLabels: idx([5], 12) }), 'dir')).rejects.toThrow(DataError);
    await expect(mnistFromFiles(files({ trainLabels: idx([5], 12) }), 'dir')).rejects.toThrow(/label 12 at index 0 is not a class in 0–9/);
    expect((await mnistFromFiles(files({ trainLabels: idx([5], 12) }), 'dir', 26)).train.labels[0]).toBe(12);
  });

  it('model files with non-finite weights are refused unless asked; a tensor listed twice is refused', async () => {
    const vae = await VAE.create({ inputDim: 6, hidden: [5], latentDim: 2 });
    const params = vae.getParameters();
    params['decoder.2.bias'][1] = NaN;
    const entries = Object.entries(params).map(([name, data]) => [name, { shape: vae.layout.tensors.find((t) => t.name === name)!.shape, data }] as [string, { shape: number[]; data: Float32Array }]);
    const bytes = encodeSafetensors(entries, { 'wasm_vae.config': JSON.stringify(vae.config) });
    await expect(VAE.fromBytes(bytes, { file: 'nan.safetensors' })).rejects.toThrow(/nan.safetensors: tensor decoder.2.bias holds NaN at index 1: .*allowNonFinite/);
    const loaded = await VAE.fromBytes(bytes, { allowNonFinite: true });
    expect(loaded.getParameters()['decoder.2.bias'][1]).toBeNaN();
    const text = new TextDecoder().decode(bytes);
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = text.slice(8, 8 + n);
    const twice = header.replace('"decoder.2.bias":', '"decoder.2.bias":{"dtype":"F32","shape":[6],"data_offsets":[0,24]},"decoder.2.bias":');
    const head = new TextEncoder().encode(twice);
    const dup = new Uint8Array(8 + head.length + bytes.length - 8 - n);
    new DataView(dup.buffer).setBigUint64(0, BigInt(head.length), true);
    dup.set(head, 8); dup.set(bytes.subarray(8 + n), 8 + head.length);
    await expect(VAE.fromBytes(dup, { file: 'dup' })).rejects.toThrow(FileFormatError);
    await expect(VAE.fromBytes(dup, { file: 'dup' })).rejects.toThrow(/tensor decoder.2.bias is listed twice/);
    await Promise.all([vae.dispose(), loaded.dispose()]);
  });

  it('setParameters refuses NaN; a disposed model gives no parameters', async () => {
    const vae = await VAE.create({ inputDim: 6, hidden: [5], latentDim: 2 });
    const p = vae.getParameters();
    p['encoder.0.weight'][3] = Infinity;
    expect(() => vae.setParameters(p)).toThrow(/tensor encoder.0.weight: value Infinity at index 3 is not finite/);
    await vae.dispose();
    expect(() => vae.getParameters()).toThrow(DisposedError);
  });
});
