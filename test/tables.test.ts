// Arrays and tables people bring: .npy (read and written) and CSV, against bytes written by hand
// from the format's specification, numpy itself where installed, and hostile mutations.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, DataError, encodeNpy, parseCsv, parseNpy, WasmVaeError } from '../src/index.js';
import { loadCsv, loadNpy } from '../src/node.js';
import { rng } from './helpers.js';

/** A version-1.0 .npy file written from the specification: magic, version, header length, header padded to 64 bytes with \n, values. */
function npyByHand(descr: string, shape: string, values: Uint8Array): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  while ((10 + header.length + 1) % 64 !== 0) header += ' ';
  header += '\n';
  return new Uint8Array([0x93, ...Buffer.from('NUMPY'), 1, 0, header.length & 255, header.length >> 8, ...Buffer.from(header, 'latin1'), ...values]);
}

const hasNumpy = spawnSync('/usr/bin/python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;

describe('.npy', () => {
  it('reads float32, float64 and uint8 arrays of any rank, C order', () => {
    const f32 = new Float32Array([1.5, -2, 3.25, 0, 7, 1e-3]);
    const a = parseNpy(npyByHand('<f4', '(2, 3)', new Uint8Array(f32.buffer)));
    expect(a.shape).toEqual([2, 3]);
    expect(a.dtype).toBe('<f4');
    expect(Array.from(a.data)).toEqual(Array.from(f32));
    const b = parseNpy(npyByHand('<f8', '(3,)', new Uint8Array(new Float64Array([0.1, -1e30, 2]).buffer)));
    expect(b.shape).toEqual([3]);
    expect(Array.from(b.data)).toEqual(Array.from(new Float32Array([0.1, -1e30, 2])));
    const c = parseNpy(npyByHand('|u1', '(1, 2, 2)', new Uint8Array([0, 255, 9, 10])));
    expect(c.data).toBeInstanceOf(Uint8Array);
    expect(c.shape).toEqual([1, 2, 2]);
  });

  it('writes what it reads, the values on a 64-byte boundary', () => {
    const values = Float32Array.from({ length: 35 }, (_, i) => i / 7 - 2);
    const bytes = encodeNpy(values, [5, 7]);
    expect((bytes.length - 4 * 35) % 64).toBe(0);
    const back = parseNpy(bytes);
    expect(back.shape).toEqual([5, 7]);
    expect(Array.from(back.data)).toEqual(Array.from(values));
    expect(() => encodeNpy(values, [5, 6])).toThrow(/shape \(5, 6\) holds 30 values, got 35/);
  });

  it.skipIf(!hasNumpy)('numpy reads what encodeNpy writes, and wasm-vae reads what numpy writes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasm-vae-npy-'));
    writeFileSync(join(dir, 'ours.npy'), encodeNpy(Int32Array.from([3, -1, 4, 1, 5, 9]), [2, 3]));
    const out = spawnSync('/usr/bin/python3', ['-c', `
import numpy as np, sys
a = np.load(sys.argv[1] + '/ours.npy'); print(a.dtype, a.shape, a.tolist())
np.save(sys.argv[1] + '/theirs.npy', np.arange(12, dtype=np.float32).reshape(3, 4) / 4)
np.save(sys.argv[1] + '/bytes.npy', np.arange(6, dtype=np.uint8).reshape(2, 3))`, dir]).stdout.toString().trim();
    expect(out).toBe('int32 (2, 3) [[3, -1, 4], [1, 5, 9]]');
    return Promise.all([loadNpy(join(dir, 'theirs.npy')), loadNpy(join(dir, 'bytes.npy'))]).then(([t, b]) => {
      expect(t.shape).toEqual([3, 4]);
      expect(Array.from(t.data)).toEqual(Array.from({ length: 12 }, (_, i) => i / 4));
      expect(Array.from(b.data)).toEqual([0, 1, 2, 3, 4, 5]);
    });
  });

  it('refuses what it cannot read, saying what and why', () => {
    const ok = npyByHand('<f4', '(2,)', new Uint8Array(8));
    expect(() => parseNpy(new Uint8Array(20))).toThrow(/not a \.npy file/);
    expect(() => parseNpy(npyByHand('>f4', '(2,)', new Uint8Array(8)))).toThrow(/dtype >f4 is not read/);
    expect(() => parseNpy(npyByHand('<f4', '(3,)', new Uint8Array(8)))).toThrow(/shape \(3\) of <f4 needs 12 bytes of values, the file has 8/);
    expect(() => parseNpy(npyByHand('<f4', '(2,)', new Uint8Array(8)).map((b, i) => (i === 6 ? 9 : b)))).toThrow(/version 9/);
    const fortran = new TextDecoder('latin1').decode(ok).replace('False', 'True ');
    expect(() => parseNpy(Uint8Array.from(fortran, (c) => c.charCodeAt(0)))).toThrow(/Fortran-ordered/);
    // Mutations of a valid file: every outcome is an array or a DataError, never another exception.
    const next = rng(5);
    for (let i = 0; i < 3000; i++) {
      const m = ok.slice(0, Math.max(1, Math.floor(next(0, 1) * (ok.length + 8))));
      for (let f = 0; f < 3; f++) m[Math.floor(next(0, 1) * m.length)] = Math.floor(next(0, 256));
      try { parseNpy(m); } catch (err) { expect(err, String(err)).toBeInstanceOf(WasmVaeError); }
    }
  });

  it('loadNpy says the file and refuses one above maxBytes before reading it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasm-vae-npy-'));
    writeFileSync(join(dir, 'a.npy'), encodeNpy(new Float32Array(100), [100]));
    await expect(loadNpy(join(dir, 'a.npy'), { maxBytes: 100 })).rejects.toThrow(/a\.npy is 528 bytes, more than maxBytes \(100 bytes\)/);
    await expect(loadNpy(join(dir, 'missing.npy'))).rejects.toThrow(DataError);
  });
});

describe('CSV', () => {
  it('reads numeric columns with or without a header, and a label column by name or index', () => {
    const t = parseCsv('a,b,label,c\n1,2,0,3\n\n-4.5,1e-3,2,6\n', { labelColumn: 'label' });
    expect(t.columns).toEqual(['a', 'b', 'c']);
    expect([t.rows, t.dim]).toEqual([2, 3]);
    expect(Array.from(t.data)).toEqual(Array.from(new Float32Array([1, 2, 3, -4.5, 1e-3, 6])));
    expect(Array.from(t.labels!)).toEqual([0, 2]);
    const bare = parseCsv('1;2\r\n3;4', { delimiter: ';', labelColumn: 0 });
    expect(bare.columns).toEqual(['column 2']);
    expect(Array.from(bare.data)).toEqual([2, 4]);
    expect(Array.from(bare.labels!)).toEqual([1, 3]);
  });

  it('a bad cell, a short row or an unknown label column is a typed error naming line and column', async () => {
    expect(() => parseCsv('x,y\n1,2\n3,abc\n')).toThrow(/line 3, column 2 \(y\): 'abc' is not a finite number/);
    expect(() => parseCsv('x,y\n1,2\n3\n')).toThrow(/line 3: 1 cells, expected 2/);
    expect(() => parseCsv('x,y\n1,NaN\n')).toThrow(DataError);
    expect(() => parseCsv('x,y\n1,2\n', { labelColumn: 'z' })).toThrow(ConfigError);
    expect(() => parseCsv('x,y\n1.5,2\n', { labelColumn: 'x' })).toThrow(/label '1.5' is not a class index/);
    expect(() => parseCsv('')).toThrow(/no rows/);
    const dir = mkdtempSync(join(tmpdir(), 'wasm-vae-csv-'));
    writeFileSync(join(dir, 't.csv'), 'p,q\n1,2\n3,x\n');
    await expect(loadCsv(join(dir, 't.csv'))).rejects.toThrow(/t\.csv, line 3, column 2 \(q\)/);
  });
});

describe('wasm-vae train --table', () => {
  it('trains a Gaussian model on a CSV with a label column, writes the curves and the latent plot (no image grids), and embeds the table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasm-vae-table-')), next = rng(8);
    // Three clusters in 6 standardised-scale columns, the label in the middle column.
    const lines = ['a,b,c,label,d,e,f'];
    for (let r = 0; r < 600; r++) {
      const c = r % 3, v = Array.from({ length: 6 }, (_, j) => (j % 3 === c ? 1.5 : -0.75) + next(-0.5, 0.5));
      lines.push([...v.slice(0, 3), c, ...v.slice(3)].map((x) => (typeof x === 'number' ? x.toFixed(4) : x)).join(','));
    }
    writeFileSync(join(dir, 't.csv'), `${lines.join('\n')}\n`);
    const cli = new URL('../dist/src/cli.js', import.meta.url).pathname, out = join(dir, 'run');
    const { stderr } = await promisify(execFile)('node', [cli, 'train', '--table', join(dir, 't.csv'), '--label-column', 'label', '--likelihood', 'gaussian',
      '--hidden', '16', '--latent', '2', '--epochs', '3', '--batch-size', '50', '--workers', '1', '--out', out]);
    expect(stderr).toMatch(/540 training and 60 test rows of 6 values from .*t\.csv \(6 columns\)/);
    expect(['loss.svg', 'latent.svg', 'model.safetensors'].every((f) => existsSync(join(out, f)))).toBe(true);
    expect(existsSync(join(out, 'samples.png'))).toBe(false);
    await promisify(execFile)('node', [cli, 'embed', '--model', join(out, 'model.safetensors'), '--table', join(dir, 't.csv'), '--label-column', 'label', '--out', join(dir, 'z.csv')]);
    const rows = readFileSync(join(dir, 'z.csv'), 'utf8').trim().split('\n');
    expect(rows[0]).toBe('label,z0,z1');
    expect(rows).toHaveLength(541);
    const refused = await promisify(execFile)('node', [cli, 'train', '--table', join(dir, 't.csv'), '--data', dir, '--out', join(dir, 'x')]).catch((e: { code: number; stderr: string }) => e);
    expect((refused as { code: number }).code).toBe(2);
    expect((refused as { stderr: string }).stderr).toMatch(/give one of --data DIR .*--images DIR .*--table FILE/);
  });
});
