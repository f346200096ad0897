// Runs a PyTorch peer script of bench/ with Debian's /usr/bin/python3, using Debian's OpenBLAS
// (libopenblas0-openmp) when it is installed, as a PyTorch user on this machine would; returns
// the JSON object of its last stdout line. Its stderr (progress) goes to ours.
import { execFileSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync } from 'node:fs';

export const OPENBLAS = '/usr/lib/x86_64-linux-gnu/openblas-openmp';

/** The parsed last line of `script` (a file of bench/) run with `args`; throws when python3 or torch is missing. */
export function runPythonPeer(script, args, { quiet = false } = {}) {
  const env = existsSync(OPENBLAS) ? { ...process.env, LD_LIBRARY_PATH: OPENBLAS } : process.env;
  const out = execFileSync('/usr/bin/python3', [new URL(script, import.meta.url).pathname, ...args.map(String)],
    { env, stdio: ['ignore', 'pipe', quiet ? 'ignore' : 'inherit'] }).toString();
  return JSON.parse(out.trim().split('\n').at(-1));
}

/**
 * `script` run with `args` as a long-lived peer: `ready` resolves with the first line it prints
 * (when it has loaded, so that its start does not share the CPU with what we time); step()
 * writes a line to its stdin and resolves with the JSON of the next line it prints (one epoch,
 * say); close() ends its stdin and resolves with the JSON of its last line. These reject when the
 * process exits early (python3 or torch missing).
 */
export function startPythonPeer(script, args) {
  const env = existsSync(OPENBLAS) ? { ...process.env, LD_LIBRARY_PATH: OPENBLAS } : process.env;
  const child = spawn('/usr/bin/python3', [new URL(script, import.meta.url).pathname, ...args.map(String)], { env, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const waiting = [];
  let last = null, failure = null;
  lines.on('line', (line) => { last = line; waiting.shift()?.resolve(JSON.parse(line)); });
  const fail = (err) => { failure = err; for (const w of waiting.splice(0)) w.reject(err); };
  child.on('error', fail);
  child.on('exit', (code) => { if (waiting.length) fail(new Error(`${script} exited with code ${code}`)); });
  const next = () => new Promise((resolve, reject) => (failure ? reject(failure) : waiting.push({ resolve, reject })));
  return {
    ready: next(),
    step() { const line = next(); child.stdin.write('epoch\n'); return line; },
    close() {
      return new Promise((resolve, reject) => {
        child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(last)) : reject(new Error(`${script} exited with code ${code}`))));
        child.stdin.end();
      });
    },
  };
}
