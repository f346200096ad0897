// Models given as layer lists: the lists against the width shorthand, bad lists refused.
// (Finite differences through layer-list models are in gradient.test.ts.)
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadMnist, VAE, type VAEConfig } from '../src/index.js';
import { DATA_DIR } from './helpers.js';

let images: Uint8Array;
beforeAll(async () => {
  images = (await loadMnist({ dir: DATA_DIR })).train.bytes.subarray(0, 784 * 1200);
});

/** The parameter values in layout order. */
function values(vae: VAE): Buffer[] {
  const p = vae.getParameters();
  return vae.layout.tensors.map((t) => Buffer.from(p[t.name].buffer, p[t.name].byteOffset, p[t.name].byteLength));
}

async function trained(config: VAEConfig, workers: number): Promise<VAE> {
  const vae = await VAE.create(config);
  await vae.fit(images, { epochs: 2, batchSize: 50, workers });
  return vae;
}

const LISTS: VAEConfig = { inputDim: 784, latentDim: 8, seed: 3, activation: 'tanh',
  encoder: [{ type: 'dense', units: 64 }, { type: 'dense', units: 32, activation: 'relu' }], decoder: [{ type: 'dense', units: 64 }, { type: 'dense', units: 784 }] };

describe('layer lists', () => {
  it('the width shorthand and the same layer list are one model: same names, same bits after training', async () => {
    const widths = await trained({ inputDim: 784, hidden: [64], latentDim: 8, seed: 3 }, 1);
    const lists = await trained({ inputDim: 784, latentDim: 8, seed: 3, encoder: [{ type: 'dense', units: 64 }],
      decoder: [{ type: 'dense', units: 64 }, { type: 'dense', units: 784 }] }, 1);
    expect(lists.layout.tensors.map((t) => t.name)).toEqual(widths.layout.tensors.map((t) => t.name));
    expect(values(lists)).toEqual(values(widths));
    await widths.dispose(); await lists.dispose();
  });

  it('a layer-list model round-trips through its file: the same config, parameters and losses', async () => {
    const vae = await trained(LISTS, 1);
    const copy = await VAE.fromBytes(vae.toBytes());
    expect(copy.config).toEqual(vae.config);
    expect(Object.keys(copy.config)).not.toContain('hidden'); // one way per half: the config resolves to itself
    expect(values(copy)).toEqual(values(vae));
    const x = images.subarray(0, 784 * 50);
    expect(await copy.evaluate(x)).toEqual(await vae.evaluate(x));
    await vae.dispose(); await copy.dispose();
  });

  it('bad layer lists are ConfigErrors naming the layer, before any work', async () => {
    const make = (c: Partial<VAEConfig>) => VAE.create({ inputDim: 20, latentDim: 3, ...c } as VAEConfig);
    const cases: [Partial<VAEConfig>, RegExp][] = [
      [{ encoder: [{ type: 'dense' } as never], decoderHidden: [] }, /encoder\[0\]\.units must be a positive integer, got undefined/],
      [{ encoder: [{ type: 'conv' } as never], decoderHidden: [] }, /encoder\[0\]\.type must be one of dense, got "conv"/],
      [{ encoder: [{ type: 'dense', units: 3, kernel: 3 } as never], decoderHidden: [] }, /encoder\[0\]: unknown option 'kernel'/],
      [{ encoder: [{ type: 'dense', units: 3, activation: 'swish' } as never], decoderHidden: [] }, /encoder\[0\]\.activation must be one of/],
      [{ encoder: ['dense'] as never, decoderHidden: [] }, /encoder\[0\] must be a layer like/],
      [{ encoder: [], decoder: [{ type: 'dense', units: 5 }] }, /decoder's last layer must give inputDim = 20 values per row, got 5/],
      [{ encoder: [] }, /needs a decoder layer list/],
      [{ hidden: [4], encoder: [] }, /not both/],
      [{ decoderHidden: [4], decoder: [] }, /not both/],
    ];
    for (const [config, message] of cases) await expect(make(config), JSON.stringify(config)).rejects.toThrow(ConfigError), await expect(make(config)).rejects.toThrow(message);
  });
});
