// Hostile files. Every mutation of a small real model file and of small real MNIST files must load
// or fail with a WasmVaeError (never another exception, a hang or a crash), and no case may make
// the process allocate more than a few times its input. FUZZ_CASES (default 20,000 per parser)
// sets the count: `FUZZ_CASES=100000 npx vitest run test/fuzz.test.ts` is the long run.
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMnist, VAE, WasmVaeError } from '../src/index.js';
import { decode, type FileKey, MNIST_FILES, mnistFromFiles } from '../src/data/mnist.js';
import { DATA_DIR, rng } from './helpers.js';

const CASES = Number(process.env.FUZZ_CASES ?? 20_000);
/** RSS may grow by this much over a whole run (garbage between collections), far below any real blow-up. */
const SLACK_MB = 96;

type Mutator = (b: Uint8Array, next: (lo?: number, hi?: number) => number) => Uint8Array;
const int = (next: (lo?: number, hi?: number) => number, n: number) => Math.floor(next(0, n));

/** Byte flips, random bytes, truncation, growth, spliced repeats: the mutations of a dumb fuzzer. */
const MUTATORS: Mutator[] = [
  (b, next) => { const c = b.slice(); c[int(next, c.length)] ^= 1 << int(next, 8); return c; },
  (b, next) => { const c = b.slice(); for (let i = int(next, 8) + 1; i > 0; i--) c[int(next, c.length)] = int(next, 256); return c; },
  (b, next) => b.slice(0, int(next, b.length)),
  (b, next) => { const c = new Uint8Array(b.length + int(next, 64) + 1); c.set(b); for (let i = b.length; i < c.length; i++) c[i] = int(next, 256); return c; },
  (b, next) => { const at = int(next, b.length), len = int(next, 32) + 1; const c = new Uint8Array(b.length + len); c.set(b.subarray(0, at)); c.set(b.subarray(at, at + len), at); c.set(b.subarray(at), at + Math.min(len, b.length - at)); return c; },
  (b, next) => { const c = b.slice(); const at = int(next, Math.max(1, Math.min(c.length, 64))); c[at] = [0, 0xff, 0x7f, 0x80][int(next, 4)]; return c; },
];

function mutate(b: Uint8Array, next: (lo?: number, hi?: number) => number): Uint8Array {
  let c = b;
  for (let i = int(next, 3) + 1; i > 0 && c.length > 0; i--) c = MUTATORS[int(next, MUTATORS.length)](c, next);
  return c;
}

/** A header mutation a dumb fuzzer rarely finds: one field of the config set to a hostile value. */
function configMutation(bytes: Uint8Array, next: (lo?: number, hi?: number) => number): Uint8Array {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  const config = JSON.parse(header.__metadata__['wasm_vae.config']);
  const hostile: [string, unknown][] = [['hidden', [120000]], ['hidden', [1e9]], ['latentDim', 1e9], ['inputDim', 1e7], ['hidden', [-1]],
    ['latentDim', 0], ['beta', 'NaN'], ['seed', -1], ['activation', 'gelu'], ['hidden', 'x'], ['decoderHidden', [3e5, 3e5]], ['likelihood', 'gaussian']];
  const [key, value] = hostile[int(next, hostile.length)];
  config[key] = value;
  header.__metadata__['wasm_vae.config'] = JSON.stringify(config);
  if (next() < 0.3) header.__metadata__['wasm_vae.partial_epoch'] = '{"rows":1e300,"batchSize":-1}';
  const text = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + text.length + bytes.length - 8 - n);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8); out.set(bytes.subarray(8 + n), 8 + text.length);
  return out;
}

async function outcome(run: () => Promise<unknown>): Promise<'ok' | 'typed'> {
  try {
    await run();
    return 'ok';
  } catch (err) {
    if (err instanceof WasmVaeError) return 'typed';
    throw new Error(`not a WasmVaeError: ${(err as Error)?.stack ?? String(err)}`);
  }
}

const maxRssMB = () => process.resourceUsage().maxRSS / 1024;

describe(`fuzzing (${CASES} cases per parser)`, () => {
  let model: Uint8Array;
  const files = {} as Record<FileKey, { raw: Uint8Array; gz: Uint8Array }>;

  beforeAll(async () => {
    const vae = await VAE.create({ inputDim: 12, hidden: [10], latentDim: 3, seed: 1 });
    await vae.fit(new Float32Array(12 * 40).map((_, i) => (i % 7) / 7), { epochs: 1, batchSize: 8 });
    model = vae.toBytes({ optimizer: true });
    await vae.dispose();
    // 100 real images and labels per split, as IDX files, raw and gzipped.
    const mnist = await loadMnist({ dir: DATA_DIR });
    const idx = (dims: number[], data: Uint8Array) => {
      const out = new Uint8Array(4 + 4 * dims.length + data.length);
      out[2] = 8; out[3] = dims.length;
      dims.forEach((d, i) => new DataView(out.buffer).setUint32(4 + 4 * i, d));
      out.set(data, 4 + 4 * dims.length);
      return out;
    };
    const put = (key: FileKey, raw: Uint8Array) => { files[key] = { raw, gz: new Uint8Array(gzipSync(raw)) }; };
    put('trainImages', idx([100, 28, 28], mnist.train.bytes.subarray(0, 78_400)));
    put('trainLabels', idx([100], mnist.train.labels.subarray(0, 100)));
    put('testImages', idx([100, 28, 28], mnist.test.bytes.subarray(0, 78_400)));
    put('testLabels', idx([100], mnist.test.labels.subarray(0, 100)));
  });

  it('gzip bombs stop at what their IDX header implies, or at the header', async () => {
    const bomb = (header: number[], zeros: number) => {
      const raw = new Uint8Array(4 + 4 * header.length + zeros);
      raw[2] = 8; raw[3] = header.length;
      header.forEach((d, i) => new DataView(raw.buffer).setUint32(4 + 4 * i, d));
      return new Uint8Array(gzipSync(raw, { level: 9 }));
    };
    const before = maxRssMB();
    // 100 labels declared, 300 MB of zeros behind them (the compressed file is about 300 kB).
    const labels = bomb([100], 300e6);
    await expect(decode(labels, 'labels.gz', { dims: 1, maxCount: 100 })).rejects.toThrow(/decompress to more than the 108 bytes their header describes/);
    // A labels header claiming more labels than there are images is refused at the header.
    await expect(decode(bomb([1e9], 1e6), 'labels.gz', { dims: 1, maxCount: 60000 })).rejects.toThrow(/claims 1000000000 entries, but there are only 60000/);
    // Images declaring 7.8 GB are refused at the header.
    await expect(decode(bomb([1e7, 28, 28], 1e6), 'images.gz', { dims: 3, maxCount: Infinity })).rejects.toThrow(/claims 7840000000 bytes of data/);
    const grown = maxRssMB() - before;
    console.log(`gzip bombs (run first: peak RSS is a high-water mark): peak RSS grew ${grown.toFixed(0)} MB while refusing 300 MB of zeros behind a 108-byte header`);
    expect(grown).toBeLessThan(SLACK_MB);
  });

  it('model files (safetensors, including the config metadata): every mutation loads or gives a WasmVaeError', async () => {
    const next = rng(20261202);
    const counts = { ok: 0, typed: 0 };
    const before = maxRssMB();
    let largest = 0;
    for (let i = 0; i < CASES; i++) {
      const bytes = i % 10 === 0 ? configMutation(model, next) : mutate(model, next);
      largest = Math.max(largest, bytes.length);
      counts[await outcome(async () => { const vae = await VAE.fromBytes(bytes, { file: `case ${i}` }); await vae.dispose(); })]++;
    }
    const grown = maxRssMB() - before;
    console.log(`fuzz safetensors: ${CASES} cases, ${counts.ok} loaded, ${counts.typed} refused with a WasmVaeError; peak RSS grew ${grown.toFixed(0)} MB`);
    expect(counts.ok + counts.typed).toBe(CASES);
    expect(counts.typed).toBeGreaterThan(CASES / 4);
    expect(grown).toBeLessThan(SLACK_MB + (4 * largest) / 1e6);
  });

  it('MNIST files (IDX, raw and gzipped): every mutation loads or gives a WasmVaeError', async () => {
    const next = rng(977);
    const counts = { ok: 0, typed: 0 };
    const before = maxRssMB();
    const keys = Object.keys(MNIST_FILES) as FileKey[];
    for (let i = 0; i < CASES; i++) {
      const victim = keys[i % 4], gz = i % 2 === 0;
      const bytes = mutate(gz ? files[victim].gz : files[victim].raw, next);
      counts[await outcome(() => mnistFromFiles(async (key) => (key === victim ? bytes : gz ? files[key].gz : files[key].raw), `case ${i}`))]++;
    }
    const grown = maxRssMB() - before;
    console.log(`fuzz IDX: ${CASES} cases, ${counts.ok} loaded, ${counts.typed} refused with a WasmVaeError; peak RSS grew ${grown.toFixed(0)} MB`);
    expect(counts.ok + counts.typed).toBe(CASES);
    expect(grown).toBeLessThan(SLACK_MB);
  });

});
