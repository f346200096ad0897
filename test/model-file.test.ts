// safetensors model files: round trip, exact resume, other architectures, hostile files, fuzz.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileFormatError, ModelMismatchError, VAE, WasmVaeError } from '../src/index.js';
import { decodeSafetensors, encodeSafetensors } from '../src/model/safetensors.js';
import { randomArray, rng } from './helpers.js';

const config = { inputDim: 12, hidden: [9], latentDim: 3, seed: 4 };
const data = randomArray(80 * 12, rng(1), 0, 1);

function sameParams(a: VAE, b: VAE): boolean {
  const pa = a.getParameters(), pb = b.getParameters();
  return Object.keys(pa).every((k) => Buffer.from(pa[k].buffer).equals(Buffer.from(pb[k].buffer)));
}

describe('model files (safetensors)', () => {
  it('round-trips parameters and config; PyTorch names and [out, in] shapes in the header', async () => {
    const vae = await VAE.create(config);
    await vae.fit(data, { epochs: 1, batchSize: 16 });
    const bytes = vae.toBytes();
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true)))));
    expect(header['encoder.0.weight']).toMatchObject({ dtype: 'F32', shape: [9, 12] });
    expect(header['encoder.2.weight'].shape).toEqual([6, 9]);
    expect(header['decoder.2.bias'].shape).toEqual([12]);
    expect(JSON.parse(header.__metadata__['wasm_vae.config'])).toMatchObject(config);
    const copy = await VAE.fromBytes(bytes);
    expect(sameParams(vae, copy)).toBe(true);
    expect((await copy.evaluate(data)).loss).toBe((await vae.evaluate(data)).loss);
    await vae.dispose(); await copy.dispose();
  });

  it('save() writes atomically; resuming from a checkpoint with optimiser state reaches exactly the uninterrupted parameters', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wasm-vae-model-'));
    const straight = await VAE.create(config);
    await straight.fit(data, { epochs: 3, batchSize: 16 });
    const first = await VAE.create(config);
    await first.fit(data, { epochs: 1, batchSize: 16 });
    const path = join(dir, 'model.safetensors');
    await first.save(path, { optimizer: true });
    expect(await readdir(dir)).toEqual(['model.safetensors']); // no temporary file left behind
    const resumed = await VAE.load(path);
    expect(resumed.progress.epoch).toBe(1);
    await resumed.fit(data, { epochs: 2, batchSize: 16 });
    expect(sameParams(straight, resumed)).toBe(true);
    for (const v of [straight, first, resumed]) await v.dispose();
    await rm(dir, { recursive: true });
  });

  it('refuses a model of another architecture with a typed error', async () => {
    const other = await VAE.create({ ...config, hidden: [7] });
    const vae = await VAE.create(config);
    expect(() => vae.loadBytes(other.toBytes(), 'other.safetensors')).toThrow(ModelMismatchError);
    expect(() => vae.loadBytes(other.toBytes(), 'other.safetensors')).toThrow(/another architecture/);
    // Same names, wrong shape, without the config: still caught, by tensor.
    const bytes = encodeSafetensors([['encoder.0.weight', { shape: [9, 11], data: new Float32Array(99) }]], {});
    expect(() => vae.loadBytes(bytes, 'x')).toThrow(/encoder.0.weight has shape \[9, 11\], this model needs \[9, 12\]/);
    await other.dispose(); await vae.dispose();
  });

  it('rejects hostile files: header past the end, bad JSON, wrong dtype, offsets outside or overlapping', () => {
    const tensor = { shape: [2], data: new Float32Array([1, 2]) };
    const good = encodeSafetensors([['a', tensor], ['b', tensor]], {});
    const huge = good.slice(); new DataView(huge.buffer).setBigUint64(0, 1n << 60n, true);
    expect(() => decodeSafetensors(huge, 'f')).toThrow(/header length .* runs past the end/);
    expect(() => decodeSafetensors(good.subarray(0, 5), 'f')).toThrow(/truncated/);
    const edit = (mutate: (h: Record<string, any>) => void) => {
      const n = Number(new DataView(good.buffer).getBigUint64(0, true));
      const h = JSON.parse(new TextDecoder().decode(good.subarray(8, 8 + n)));
      mutate(h);
      const head = new TextEncoder().encode(JSON.stringify(h));
      const out = new Uint8Array(8 + head.length + 16);
      new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
      out.set(head, 8);
      return out;
    };
    expect(() => decodeSafetensors(edit((h) => { h.a.dtype = 'F16'; }), 'f')).toThrow(/dtype F16/);
    expect(() => decodeSafetensors(edit((h) => { h.a.data_offsets = [0, 64]; h.a.shape = [16]; }), 'f')).toThrow(/outside the 16 data bytes/);
    expect(() => decodeSafetensors(edit((h) => { h.b.data_offsets = [4, 12]; }), 'f')).toThrow(/overlap/);
    expect(() => decodeSafetensors(edit((h) => { h.a.shape = [3]; }), 'f')).toThrow(/needs 12 bytes, offsets give 8/);
    expect(() => decodeSafetensors(edit((h) => { h.a.shape = [-1]; }), 'f')).toThrow(FileFormatError);
    const notJson = good.slice(); notJson[9] = 0xff;
    expect(() => decodeSafetensors(notJson, 'f')).toThrow(/not valid UTF-8 JSON/);
  });

  it('fuzz: 3000 random mutations of a valid model file give only typed errors or a valid model', async () => {
    const vae = await VAE.create(config);
    const good = vae.toBytes({ optimizer: true });
    const next = rng(77);
    let typed = 0, loaded = 0;
    for (let i = 0; i < 3000; i++) {
      const bytes = good.slice();
      const edits = 1 + Math.floor(next(0, 4));
      for (let e = 0; e < edits; e++) {
        // Bias the mutations toward the header, where the structure is.
        const at = next(0, 1) < 0.7 ? Math.floor(next(0, Math.min(bytes.length, 900))) : Math.floor(next(0, bytes.length));
        bytes[at] = Math.floor(next(0, 256));
      }
      const cut = next(0, 1) < 0.1 ? bytes.subarray(0, Math.floor(next(0, bytes.length))) : bytes;
      try {
        vae.loadBytes(cut, 'fuzz');
        loaded++;
      } catch (err) {
        if (!(err instanceof WasmVaeError)) throw new Error(`mutation ${i}: untyped ${String(err)}`);
        typed++;
      }
    }
    expect(typed + loaded).toBe(3000);
    expect(typed).toBeGreaterThan(100);
    await vae.dispose();
  });
});
