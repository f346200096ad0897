// The package's version, read from its package.json (Node only: the CLI and history.json use it).
import { readFileSync } from 'node:fs';

let version: string | undefined;

/** The installed wasm-vae's version, e.g. '0.1.0'. */
export function packageVersion(): string {
  version ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return version;
}
