// Files the way wasm-vae writes them (Node only): whole or not at all, never through a planted
// symlink, and every failure naming the file.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { FileSystemError } from './errors.js';

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory', EACCES: 'permission denied', EPERM: 'operation not permitted',
  EROFS: 'read-only file system', ENOSPC: 'no space left on device', EFBIG: 'file too large', EDQUOT: 'disk quota exceeded',
  ENOTDIR: 'a part of the path is not a directory', EISDIR: 'is a directory', EEXIST: 'already exists', EIO: 'input/output error',
};

/** A Node file-system error as a FileSystemError that names the file, what was being done and why. */
export function fileError(err: unknown, action: string, path: string): FileSystemError {
  const code = (err as NodeJS.ErrnoException)?.code ?? 'EIO';
  return new FileSystemError(`could not ${action} ${path}: ${REASONS[code] ?? (err as Error)?.message ?? String(err)} (${code})`, path, code);
}

/** Temporary files are `.<name>.<pid>.<random>.tmp` beside their target. */
const TEMP = /^\.(.+)\.(\d+)\.[0-9a-f]{16}\.tmp$/;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes temporary files in `dir` left by processes that no longer run (a kill during a write). */
export async function removeStaleTemporaries(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const stale = names.filter((n) => { const m = TEMP.exec(n); return m !== null && !alive(Number(m[2])); });
  await Promise.all(stale.map((n) => rm(join(dir, n), { force: true })));
  return stale;
}

/**
 * Writes bytes to path atomically: a temporary file in the same directory, created exclusively
 * (O_CREAT | O_EXCL: never an existing file, never through a symlink) under an unpredictable
 * name, written and flushed, then renamed over the target. A kill leaves either the old file or
 * the new one; the temporary file it may leave is removed by the next write into that directory.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  const dir = dirname(path);
  await makeDirectory(dir);
  await removeStaleTemporaries(dir);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(8).toString('hex')}.tmp`);
  let handle;
  try {
    handle = await open(tmp, 'wx', 0o644);
  } catch (err) {
    throw fileError(err, 'create a temporary file for', path);
  }
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw fileError(err, 'write', path);
  }
  await handle.close();
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw fileError(err, 'replace', path);
  }
}

/**
 * Creates a directory and its missing parents one level at a time. (Node 20's recursive mkdir
 * never returns for some paths: `--out /proc/x` hung forever.)
 */
export async function makeDirectory(path: string): Promise<void> {
  const full = resolve(path);
  const parts = full.split(sep).filter((p) => p !== '');
  let current = full.startsWith(sep) ? sep : '';
  for (const part of parts) {
    current = join(current, part);
    try {
      await mkdir(current);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw fileError(err, 'create the directory', current);
      const s = await stat(current).catch((e: unknown) => { throw fileError(e, 'read', current); });
      if (!s.isDirectory()) throw new FileSystemError(`could not create the directory ${path}: ${current} is a file`, current, 'ENOTDIR');
    }
  }
}

/** Creates `dir` if needed and proves it writable now (a read-only disk or a full one fails here, not after an epoch). */
export async function checkWritableDirectory(dir: string): Promise<void> {
  await makeDirectory(dir);
  const probe = join(dir, `.wasm-vae-probe.${process.pid}.${randomBytes(8).toString('hex')}.tmp`);
  try {
    const handle = await open(probe, 'wx', 0o644);
    try {
      await handle.writeFile(new Uint8Array(4096));
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (err) {
    throw fileError(err, 'write into', dir);
  } finally {
    await rm(probe, { force: true });
  }
}

/** Reads a whole file; FileSystemError names it. */
export async function readFileBytes(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (err) {
    throw fileError(err, 'read', path);
  }
}
