// Models given as layer lists, and the dropout op: its kernel against the keyed draws it documents,
// the lists against the width shorthand, dropout off outside training, any worker count the same.
// (Finite differences through dropout models are in gradient.test.ts.)
import { beforeAll, describe, expect, it } from 'vitest';
import { architecture, ConfigError, loadMnist, VAE, type VAEConfig } from '../src/index.js';
import { DATA_DIR, kernels, randomArray, rng } from './helpers.js';
import { referenceDropout } from './reference.js';
import type { DropoutKernels } from '../src/ops/dropout.js';

let images: Uint8Array;
beforeAll(async () => {
  images = (await loadMnist({ dir: DATA_DIR })).train.bytes.subarray(0, 784 * 1200);
});

/** The parameter values in layout order (names differ when dropout layers take module indices). */
function values(vae: VAE): Buffer[] {
  const p = vae.getParameters();
  return vae.layout.tensors.map((t) => Buffer.from(p[t.name].buffer, p[t.name].byteOffset, p[t.name].byteLength));
}

async function trained(config: VAEConfig, workers: number): Promise<VAE> {
  const vae = await VAE.create(config);
  await vae.fit(images, { epochs: 2, batchSize: 50, workers });
  return vae;
}

const MLP: VAEConfig = { inputDim: 784, latentDim: 8, seed: 3,
  encoder: [{ type: 'dense', units: 64 }, { type: 'dropout', rate: 0.3 }], decoder: [{ type: 'dropout', rate: 0.2 }, { type: 'dense', units: 64 }, { type: 'dense', units: 784 }] };

describe('layer lists and dropout', () => {
  it.each(['simd', 'relaxed'] as const)('dropout_forward draws the documented keyed masks and backward applies them (%s build)', async (build) => {
    const { k: all, put, get } = await kernels(build);
    const k = all as unknown as DropoutKernels;
    const rows = 13, cols = 37, next = rng(4), seed = 17, stream = 5, salt = 3, rate = 0.3;
    const x = randomArray(rows * cols, next);
    const dataset = Int32Array.from({ length: rows }, (_, r) => (r * 7919) % 1000); // rows of a shuffled batch
    const idx = put(new Float32Array(dataset.buffer));
    const px = put(x), py = put(new Float32Array(rows * cols)), pm = put(new Float32Array(rows * cols));
    k.dropout_forward(px, py, pm, rows, cols, idx, 0, seed, stream, salt, rate, 1);
    const y = get(py, rows * cols), mask = get(pm, rows * cols);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < cols; j++) {
        const e = r * cols + j, keep = referenceDropout(seed, stream, salt, rate, dataset[r], j);
        expect(mask[e], `row ${r}, column ${j}`).toBe(Math.fround(keep));
        expect(y[e]).toBe(Math.fround(x[e] * mask[e]));
      }
    }
    // Rows without an index array are rowOffset + r; another salt draws other masks.
    k.dropout_forward(px, py, pm, rows, cols, 0, 500, seed, stream, salt, rate, 1);
    expect(get(pm, cols)[11]).toBe(Math.fround(referenceDropout(seed, stream, salt, rate, 500, 11)));
    k.dropout_forward(px, py, pm, rows, cols, idx, 0, seed, stream, salt + 1, rate, 1);
    expect(Array.from(get(pm, rows * cols))).not.toEqual(Array.from(mask));
    // Backward: ∂x = ∂y ⊙ mask.
    k.dropout_forward(px, py, pm, rows, cols, idx, 0, seed, stream, salt, rate, 1);
    const dy = randomArray(rows * cols, next), pdy = put(dy), pdx = put(new Float32Array(rows * cols));
    k.dropout_backward(pdy, pm, pdx, rows * cols);
    get(pdx, rows * cols).forEach((v, e) => expect(v).toBe(Math.fround(dy[e] * mask[e])));
    // Outside training: y = x, bit for bit.
    k.dropout_forward(px, py, pm, rows, cols, idx, 0, seed, stream, salt, rate, 0);
    expect(Array.from(get(py, rows * cols))).toEqual(Array.from(x));
  });

  it('keeps 1 − rate of the values over a large block, scaled by 1/(1 − rate) so the mean is kept', async () => {
    const { k: all, put, get } = await kernels('simd');
    const k = all as unknown as DropoutKernels;
    const n = 400 * 512, ones = put(new Float32Array(n).fill(1)), y = put(new Float32Array(n)), m = put(new Float32Array(n));
    for (const rate of [0.1, 0.5, 0.9]) {
      k.dropout_forward(ones, y, m, 400, 512, 0, 0, 1, 0, 0, rate, 1);
      const out = get(y, n), kept = out.filter((v) => v !== 0).length / n;
      const sd = Math.sqrt((rate * (1 - rate)) / n);
      expect(Math.abs(kept - (1 - rate)), `rate ${rate}: kept ${kept}`).toBeLessThan(4 * sd);
      expect(out.find((v) => v !== 0)).toBe(Math.fround(1 / (1 - rate)));
    }
  });

  it('the width shorthand and the same layer list are one model: same names, same bits after training', async () => {
    const widths = await trained({ inputDim: 784, hidden: [64], latentDim: 8, seed: 3 }, 1);
    const lists = await trained({ inputDim: 784, latentDim: 8, seed: 3, encoder: [{ type: 'dense', units: 64 }],
      decoder: [{ type: 'dense', units: 64 }, { type: 'dense', units: 784 }] }, 1);
    expect(lists.layout.tensors.map((t) => t.name)).toEqual(widths.layout.tensors.map((t) => t.name));
    expect(values(lists)).toEqual(values(widths));
    await widths.dispose(); await lists.dispose();
  });

  it('dropout at rate 0 trains to the bits of the model without it; PyTorch module names count the Dropout modules', async () => {
    const plain = await trained({ ...MLP, encoder: [MLP.encoder![0]], decoder: MLP.decoder!.slice(1) }, 1);
    const zero = await trained({ ...MLP, encoder: [MLP.encoder![0], { type: 'dropout', rate: 0 }],
      decoder: [{ type: 'dropout', rate: 0 }, ...MLP.decoder!.slice(1)] }, 1);
    expect(zero.layout.tensors.map((t) => t.name)).toEqual(['encoder.0.weight', 'encoder.0.bias', 'encoder.3.weight', 'encoder.3.bias',
      'decoder.1.weight', 'decoder.1.bias', 'decoder.3.weight', 'decoder.3.bias']);
    expect(values(zero)).toEqual(values(plain));
    await plain.dispose(); await zero.dispose();
  });

  it('dropout is off outside training: evaluate, encode and decode equal the model without it, given the same parameters', async () => {
    const withDropout = await trained(MLP, 1); // one thread, as `without`: the same order of sums
    const without = await VAE.create({ ...MLP, encoder: [MLP.encoder![0]], decoder: MLP.decoder!.slice(1) });
    const p = withDropout.getParameters();
    without.setParameters(Object.fromEntries(without.layout.tensors.map((t, i) => [t.name, p[withDropout.layout.tensors[i].name]])));
    const x = images.subarray(0, 784 * 100);
    expect(await withDropout.evaluate(x)).toEqual(await without.evaluate(x));
    expect(await withDropout.encode(x)).toEqual(await without.encode(x));
    const z = randomArray(3 * 8, rng(2));
    expect(await withDropout.decode(z)).toEqual(await without.decode(z));
    await withDropout.dispose(); await without.dispose();
  });

  it('with dropout, 1 and 2 workers train to bit-identical parameters', async () => {
    const one = await trained(MLP, 1), two = await trained(MLP, 2);
    expect(values(two)).toEqual(values(one));
    await one.dispose(); await two.dispose();
  });

  it('a layer-list model round-trips through its file: the same config, parameters and losses', async () => {
    const vae = await trained(MLP, 1);
    const copy = await VAE.fromBytes(vae.toBytes());
    expect(copy.config).toEqual(vae.config);
    expect(Object.keys(copy.config)).not.toContain('hidden'); // one way per half: the config resolves to itself
    expect(values(copy)).toEqual(values(vae));
    const x = images.subarray(0, 784 * 50);
    expect(await copy.evaluate(x)).toEqual(await vae.evaluate(x));
    await vae.dispose(); await copy.dispose();
  });

  it('a conv2d encoder on MNIST: 1 and 2 workers train to the same bits, and the file round-trips', async () => {
    const conv: VAEConfig = { inputDim: 784, inputShape: [1, 28, 28], latentDim: 8, seed: 4,
      encoder: [{ type: 'conv2d', filters: 8, kernel: 4, stride: 2, padding: 1 }, { type: 'conv2d', filters: 16, kernel: 4, stride: 2, padding: 1 }, { type: 'flatten' }],
      decoder: [{ type: 'dense', units: 64 }, { type: 'dense', units: 784 }] };
    const one = await trained(conv, 1), two = await trained(conv, 2);
    expect(values(two)).toEqual(values(one));
    expect(one.layout.tensors.map((t) => `${t.name} ${t.shape.join('×')}`).slice(0, 4))
      .toEqual(['encoder.0.weight 8×1×4×4', 'encoder.0.bias 8', 'encoder.2.weight 16×8×4×4', 'encoder.2.bias 16']);
    expect(one.summary().text).toMatch(/encoder\.2 +conv2d 4×4\/2 +1568 → 784/);
    const copy = await VAE.fromBytes(one.toBytes());
    expect(await copy.evaluate(images.subarray(0, 784 * 50))).toEqual(await one.evaluate(images.subarray(0, 784 * 50)));
    await Promise.all([one.dispose(), two.dispose(), copy.dispose()]);
  });

  it('a dcgan28-like model (conv encoder, conv-transpose decoder) on MNIST: 1, 2 and 3 workers train to the same bits', async () => {
    const dcgan: VAEConfig = { inputDim: 784, inputShape: [1, 28, 28], latentDim: 6, seed: 5,
      encoder: [{ type: 'conv2d', filters: 4, kernel: 4, stride: 2, padding: 1 }, { type: 'conv2d', filters: 8, kernel: 4, stride: 2, padding: 1 }, { type: 'flatten' }],
      decoder: [{ type: 'dense', units: 8 * 7 * 7 }, { type: 'reshape', shape: [8, 7, 7] },
        { type: 'conv-transpose2d', filters: 4, kernel: 4, stride: 2, padding: 1 }, { type: 'conv-transpose2d', filters: 1, kernel: 4, stride: 2, padding: 1 }] };
    const runs = [await trained(dcgan, 1), await trained(dcgan, 2), await trained(dcgan, 3)];
    expect(values(runs[1])).toEqual(values(runs[0]));
    expect(values(runs[2])).toEqual(values(runs[0]));
    expect(runs[0].layout.tensors.filter((t) => t.name.startsWith('decoder.3') || t.name.startsWith('decoder.5')).map((t) => `${t.name} ${t.shape.join('×')}`))
      .toEqual(['decoder.3.weight 8×4×4×4', 'decoder.3.bias 4', 'decoder.5.weight 4×1×4×4', 'decoder.5.bias 1']);
    await Promise.all(runs.map((v) => v.dispose()));
  });

  it('bad layer lists are ConfigErrors naming the layer, before any work', async () => {
    const make = (c: Partial<VAEConfig>) => VAE.create({ inputDim: 20, latentDim: 3, ...c } as VAEConfig);
    const cases: [Partial<VAEConfig>, RegExp][] = [
      [{ encoder: [{ type: 'dropout', rate: 1 }], decoderHidden: [] }, /encoder\[0\]\.rate must be a number in \[0, 1\), got 1/],
      [{ encoder: [{ type: 'dropout', rate: -0.1 }], decoderHidden: [] }, /encoder\[0\]\.rate/],
      [{ encoder: [{ type: 'dense' } as never], decoderHidden: [] }, /encoder\[0\]\.units must be a positive integer, got undefined/],
      [{ encoder: [{ type: 'conv' } as never], decoderHidden: [] }, /encoder\[0\]\.type must be one of dense, dropout, conv2d, flatten, conv-transpose2d, reshape, got "conv"/],
      [{ encoder: [{ type: 'dense', units: 3, kernel: 3 } as never], decoderHidden: [] }, /encoder\[0\]: unknown option 'kernel'/],
      [{ encoder: [{ type: 'dense', units: 3, activation: 'swish' } as never], decoderHidden: [] }, /encoder\[0\]\.activation must be one of/],
      [{ encoder: ['dense'] as never, decoderHidden: [] }, /encoder\[0\] must be a layer like/],
      [{ encoder: [], decoder: [{ type: 'dense', units: 5 }] }, /decoder's last layer must give inputDim = 20 values per row, got 5/],
      [{ encoder: [] }, /needs a decoder layer list/],
      [{ hidden: [4], encoder: [] }, /not both/],
      [{ decoderHidden: [4], decoder: [] }, /not both/],
      [{ encoder: [{ type: 'conv2d', filters: 2, kernel: 3 }], decoderHidden: [] }, /encoder\[0\]: conv2d needs image rows: give the model an inputShape/],
      [{ inputShape: [1, 4, 5], encoder: [{ type: 'conv2d', filters: 2, kernel: 7 }, { type: 'flatten' }], decoderHidden: [] }, /encoder\[0\]: a 7×7 kernel with padding 0 does not fit the 4×5 input/],
      [{ inputShape: [1, 4, 5], encoder: [{ type: 'conv2d', filters: 2, kernel: 3 }], decoderHidden: [] }, /encoder\[1\]: a dense layer after image layers needs \{ type: 'flatten' \}/],
      [{ inputShape: [1, 4, 4], encoder: [], decoderHidden: [] }, /inputShape \[1,4,4\] holds 16 values, but inputDim is 20/],
      [{ inputDim: 48, inputShape: [3, 4, 4], encoder: [{ type: 'conv2d', filters: 2, kernel: 3, padding: 1 }, { type: 'flatten' }],
        decoder: [{ type: 'dense', units: 48 }, { type: 'reshape', shape: [12, 2, 2] }] } as never, /the decoder's last layer gives images of 12×2×2, but inputShape is 3×4×4 \(decoder\[1\]\)/],
      [{ encoder: [{ type: 'flatten' }], decoderHidden: [] }, /encoder\[0\]: flatten needs image rows/],
      [{ inputShape: [1, 4, 5], encoder: [{ type: 'conv2d', filters: 0, kernel: 3 }], decoderHidden: [] }, /encoder\[0\]\.filters must be an integer >= 1, got 0/],
      [{ encoder: [], decoder: [{ type: 'dense', units: 8 }, { type: 'conv-transpose2d', filters: 1, kernel: 3 }] }, /decoder\[1\]: conv-transpose2d needs image rows: put \{ type: 'reshape'/],
      [{ encoder: [], decoder: [{ type: 'dense', units: 8 }, { type: 'reshape', shape: [2, 2, 3] }] }, /decoder\[1\]: shape \[2,2,3\] holds 12 values, the rows before it 8/],
      [{ encoder: [], decoder: [{ type: 'dense', units: 8 }, { type: 'reshape', shape: [2, 2, 2] }, { type: 'conv-transpose2d', filters: 1, kernel: 3, stride: 2, outputPadding: 2 }] },
        /decoder\[2\]\.outputPadding must be smaller than the stride \(2\), got 2/],
    ];
    for (const [config, message] of cases) await expect(make(config), JSON.stringify(config)).rejects.toThrow(ConfigError), await expect(make(config)).rejects.toThrow(message);
  });
});

describe('named architectures', () => {
  it('build with the shapes and parameter counts of their PyTorch modules, grey and RGB', async () => {
    // Conv2d(i→o, k): o·i·k² + o; ConvTranspose2d the same; Linear(i→o): i·o + o.
    const conv = (i: number, o: number, k: number) => o * i * k * k + o, linear = (i: number, o: number) => i * o + o;
    const cases: [Parameters<typeof architecture>[0], 1 | 3, number, number][] = [
      ['dcgan28', 1, 784, conv(1, 32, 4) + conv(32, 64, 4) + linear(3136, 40) + linear(20, 3136) + conv(64, 32, 4) + conv(32, 1, 4)],
      ['keras', 1, 784, conv(1, 32, 3) + conv(32, 64, 3) + linear(3136, 16) + linear(16, 40) + linear(20, 3136) + conv(64, 64, 3) + conv(64, 32, 3) + conv(32, 1, 3)],
      ['dcgan32', 3, 3072, conv(3, 32, 4) + conv(32, 64, 4) + conv(64, 128, 4) + linear(2048, 40) + linear(20, 2048) + conv(128, 64, 4) + conv(64, 32, 4) + conv(32, 3, 4)],
      ['dcgan64', 3, 12288, conv(3, 32, 4) + conv(32, 64, 4) + conv(64, 128, 4) + conv(128, 256, 4) + linear(4096, 40) + linear(20, 4096)
        + conv(256, 128, 4) + conv(128, 64, 4) + conv(64, 32, 4) + conv(32, 3, 4)],
    ];
    for (const [name, channels, inputDim, parameters] of cases) {
      const vae = await VAE.create({ ...architecture(name, { latentDim: 20 }), seed: 1 }, { workers: 1 });
      expect(vae.config.inputDim, name).toBe(inputDim);
      expect(vae.config.inputShape?.[0], name).toBe(channels);
      expect(vae.summary().parameters, name).toBe(parameters);
      const x = new Float32Array(2 * inputDim).fill(0.5);
      expect((await vae.reconstruct(x)).length, name).toBe(2 * inputDim);
      await vae.dispose();
    }
    expect(architecture('dcgan28', { channels: 3 }).inputShape).toEqual([3, 28, 28]);
    expect(() => architecture('dcgan99' as never)).toThrow(/architecture must be one of dcgan28, keras, dcgan32, dcgan64/);
  });
});
