// Runs a PyTorch peer script of bench/ with Debian's /usr/bin/python3, using Debian's OpenBLAS
// (libopenblas0-openmp) when it is installed, as a PyTorch user on this machine would; returns
// the JSON object of its last stdout line. Its stderr (progress) goes to ours.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const OPENBLAS = '/usr/lib/x86_64-linux-gnu/openblas-openmp';

/** The parsed last line of `script` (a file of bench/) run with `args`; throws when python3 or torch is missing. */
export function runPythonPeer(script, args, { quiet = false } = {}) {
  const env = existsSync(OPENBLAS) ? { ...process.env, LD_LIBRARY_PATH: OPENBLAS } : process.env;
  const out = execFileSync('/usr/bin/python3', [new URL(script, import.meta.url).pathname, ...args.map(String)],
    { env, stdio: ['ignore', 'pipe', quiet ? 'ignore' : 'inherit'] }).toString();
  return JSON.parse(out.trim().split('\n').at(-1));
}
