// Files are written whole or not at all: never through a planted symlink, temporaries of killed
// writers cleaned up, impossible output directories refused at once with the path named, and a
// kill between the history and checkpoint writes loses no epoch on --resume.
import { execFile, spawnSync } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { FileSystemError } from '../src/errors.js';
import { DATA_DIR } from './helpers.js';

// A predictable "random" suffix, so that the test can plant a symlink where the temporary file goes.
vi.mock('node:crypto', async (importOriginal) => ({
  ...(await importOriginal<object>()),
  randomBytes: (n: number) => Buffer.alloc(n, 0xab),
}));
const { writeFileAtomic } = await import('../src/files.node.js');

const CLI = new URL('../dist/src/cli.js', import.meta.url).pathname;
async function cli(args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], { env: { ...process.env, WASM_VAE_DATA: '' }, timeout: 60_000 });
    return { code: 0, stderr };
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

describe('files', () => {
  it('a symlink planted at the temporary path is never followed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wasm-vae-files-'));
    const victim = join(dir, 'victim.txt');
    await writeFile(victim, 'precious');
    await writeFile(join(dir, 'model.safetensors'), 'old model');
    await symlink(victim, join(dir, `.model.safetensors.${process.pid}.${'ab'.repeat(8)}.tmp`));
    const err = await writeFileAtomic(join(dir, 'model.safetensors'), 'new model').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileSystemError);
    expect((err as FileSystemError).message).toMatch(/could not create a temporary file for .*model.safetensors: already exists \(EEXIST\)/);
    expect(await readFile(victim, 'utf8')).toBe('precious');
    expect(await readFile(join(dir, 'model.safetensors'), 'utf8')).toBe('old model');
  });

  it('temporary files of writers that were killed are removed by the next write; a living writer\'s are kept', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wasm-vae-files-'));
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!; // a process that has exited
    const stale = `.checkpoint.safetensors.${dead}.0123456789abcdef.tmp`, live = `.history.json.${process.pid}.fedcba9876543210.tmp`;
    await writeFile(join(dir, stale), 'partial');
    await writeFile(join(dir, live), 'in progress');
    await writeFileAtomic(join(dir, 'checkpoint.safetensors'), 'whole');
    const names = await readdir(dir);
    expect(names).not.toContain(stale);
    expect(names).toContain(live);
    expect(await readFile(join(dir, 'checkpoint.safetensors'), 'utf8')).toBe('whole');
  });

  it('an impossible --out fails at once, naming the path, exit 1', async () => {
    for (const [out, reason] of [['/proc/wasm-vae-x', /could not create the directory \/proc\/wasm-vae-x: no such file or directory \(ENOENT\)/],
      ['/dev/null/x', /\/dev\/null is a file/]] as const) {
      const t = performance.now();
      const r = await cli(['train', '--out', out, '--epochs', '1', '--data', DATA_DIR]);
      expect(r.code, out).toBe(1);
      expect(r.stderr.trim(), out).toMatch(reason);
      expect(performance.now() - t).toBeLessThan(30_000); // it hung forever before
    }
  });

  it('a kill between the history and the checkpoint writes loses no epoch on --resume', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wasm-vae-files-'));
    const flags = ['--data', DATA_DIR, '--hidden', '32', '--latent', '2', '--limit', '2000', '--batch-size', '100', '--workers', '1'];
    expect((await cli(['train', ...flags, '--epochs', '1', '--out', join(dir, 'one')])).code).toBe(0);
    expect((await cli(['train', ...flags, '--epochs', '2', '--out', join(dir, 'cut')])).code).toBe(0);
    // The state a kill leaves after writing epoch 2's history but before its checkpoint.
    await copyFile(join(dir, 'one', 'checkpoint.safetensors'), join(dir, 'cut', 'checkpoint.safetensors'));
    expect((await cli(['train', ...flags, '--epochs', '3', '--out', join(dir, 'cut'), '--resume'])).code).toBe(0);
    expect((await cli(['train', ...flags, '--epochs', '3', '--out', join(dir, 'whole')])).code).toBe(0);
    const history = JSON.parse(await readFile(join(dir, 'cut', 'history.json'), 'utf8'));
    expect(history.epochs.map((e: { epoch: number }) => e.epoch)).toEqual([1, 2, 3]);
    const [a, b] = await Promise.all([readFile(join(dir, 'whole', 'model.safetensors')), readFile(join(dir, 'cut', 'model.safetensors'))]);
    expect(Buffer.compare(a, b)).toBe(0);
  });
});
