// IDX parsing on good and bad files, the directory loader, and the downloader against a local
// HTTP server (nothing here reaches the internet).
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError, DownloadError, FileFormatError, loadMnist, MNIST_FILES, parseIdx } from '../src/index.js';
import { DATA_DIR } from './helpers.js';

function idx(dims: number[], fill = 7): Uint8Array {
  const header = new DataView(new ArrayBuffer(4 + 4 * dims.length));
  header.setUint8(2, 8); header.setUint8(3, dims.length);
  dims.forEach((d, i) => header.setUint32(4 + 4 * i, d));
  const body = new Uint8Array(dims.reduce((a, b) => a * b, 1)).fill(fill);
  return new Uint8Array([...new Uint8Array(header.buffer), ...body]);
}

describe('IDX reader', () => {
  it('reads dimensions and data', () => {
    const a = parseIdx(idx([2, 3, 4]), 'x', 3);
    expect(a.dims).toEqual([2, 3, 4]);
    expect(a.data.length).toBe(24);
  });
  it('rejects wrong magic, wrong type, wrong dimension count, truncation and trailing bytes with file and offset', () => {
    const good = idx([2, 3, 4]);
    const wrongMagic = good.slice(); wrongMagic[0] = 0x1f;
    expect(() => parseIdx(wrongMagic, 'a.idx')).toThrow(/a\.idx at byte 0: bad magic/);
    const wrongType = good.slice(); wrongType[2] = 0x0d;
    expect(() => parseIdx(wrongType, 'b.idx')).toThrow(/at byte 2: value type 0xd/);
    expect(() => parseIdx(good, 'c.idx', 1)).toThrow(/at byte 3: magic 2051 means 3 dimensions, expected 1/);
    expect(() => parseIdx(good.subarray(0, 30), 'd.idx')).toThrow(/d\.idx at byte 30: truncated/);
    expect(() => parseIdx(good.subarray(0, 10), 'e.idx')).toThrow(/truncated header/);
    expect(() => parseIdx(new Uint8Array([...good, 1, 2]), 'f.idx')).toThrow(/at byte 40: 2 unexpected bytes/);
    expect(() => parseIdx(new Uint8Array(2), 'g.idx')).toThrow(FileFormatError);
    const zeroDim = idx([2, 3, 4]); zeroDim[7] = 0;
    expect(() => parseIdx(zeroDim, 'h.idx')).toThrow(/dimension 0 is 0/);
  });
});

describe('IDX fuzz', () => {
  it('3000 random mutations and truncations of a valid IDX file give only a parse or a FileFormatError', () => {
    const good = idx([3, 5, 4]);
    let state = 12345;
    const next = (n: number) => { state = (Math.imul(state, 1664525) + 1013904223) >>> 0; return state % n; };
    let rejected = 0;
    for (let i = 0; i < 3000; i++) {
      const bytes = good.slice();
      for (let e = 0; e <= next(3); e++) bytes[next(24)] = next(256); // mostly the header
      const input = next(10) === 0 ? bytes.subarray(0, next(bytes.length)) : bytes;
      try {
        const parsed = parseIdx(input, 'fuzz.idx');
        expect(parsed.data.length).toBe(parsed.dims.reduce((a, b) => a * b, 1));
      } catch (err) {
        expect(err).toBeInstanceOf(FileFormatError);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(500);
  });
});

describe('loadMnist from a directory', () => {
  it('reads the genuine MNIST .gz files', async () => {
    const m = await loadMnist({ dir: DATA_DIR });
    expect([m.train.count, m.test.count, m.train.dim, m.train.rows, m.train.cols]).toEqual([60000, 10000, 784, 28, 28]);
    expect(m.train.images.length).toBe(60000 * 784);
    expect(Math.max(...m.test.images.subarray(0, 784))).toBe(1);
    expect(m.train.labels[0]).toBe(5); // the first training digit is a 5
    expect(m.test.bytes[0 * 784 + 202]).toBe(Math.round(m.test.images[202] * 255));
  });

  it('names missing files, corrupt gzip and mismatched label counts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mnist-bad-'));
    await expect(loadMnist({ dir })).rejects.toThrow(DataError);
    await expect(loadMnist({ dir })).rejects.toThrow(/train-images-idx3-ubyte\(\.gz\) not found/);
    await writeFile(join(dir, 'train-images-idx3-ubyte.gz'), new Uint8Array([0x1f, 0x8b, 1, 2, 3]));
    for (const f of ['train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) await writeFile(join(dir, f), idx([3]));
    await expect(loadMnist({ dir })).rejects.toThrow(/train-images-idx3-ubyte\.gz: corrupt gzip/);
    await writeFile(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(idx([2, 2, 2])));
    await expect(loadMnist({ dir })).rejects.toThrow(/has 3 labels but .* has 2 images/);
    await rm(dir, { recursive: true });
  });
});

describe('MNIST downloader (local mirror)', () => {
  let server: Server;
  let base = '';
  const requests: string[] = [];
  let corrupt = false;

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      requests.push(req.url!);
      try {
        const bytes = await readFile(join(DATA_DIR, req.url!.replace(/^\/good\//, '')));
        if (corrupt) bytes[bytes.length - 20] ^= 0xff;
        res.writeHead(200).end(bytes);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address() as { port: number };
    base = `http://127.0.0.1:${address.port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('downloads into the cache, verifies checksums, then reuses the cache without requests', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'mnist-cache-'));
    const messages: string[] = [];
    const mirrors = [`${base}/missing/`, `${base}/good/`];
    const m = await loadMnist({ cacheDir, mirrors, onProgress: (s) => messages.push(s) });
    expect(m.train.count).toBe(60000);
    expect((await readdir(cacheDir)).sort()).toEqual(Object.values(MNIST_FILES).map((f) => `${f.name}.gz`).sort());
    expect(requests.filter((r) => r.startsWith('/missing/')).length).toBe(4); // first mirror failed, second served
    const before = requests.length;
    const again = await loadMnist({ cacheDir, mirrors });
    expect(requests.length).toBe(before);
    expect(again.test.labels[0]).toBe(m.test.labels[0]);
    await rm(cacheDir, { recursive: true });
  });

  it('rejects a corrupted download by checksum, keeps nothing, and says how to pass a directory', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'mnist-cache-'));
    corrupt = true;
    try {
      const err = await loadMnist({ cacheDir, mirrors: [`${base}/good/`] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DownloadError);
      expect(String(err)).toMatch(/(checksum mismatch|corrupt gzip).*--data DIR/);
      expect(await readdir(cacheDir)).toEqual([]);
    } finally {
      corrupt = false;
    }
    await expect(loadMnist({ cacheDir, download: false })).rejects.toThrow(/download is off/);
    await rm(cacheDir, { recursive: true });
  });
});
