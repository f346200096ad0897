// The package as a user gets it: `npm pack`, installed into an empty directory from the tarball
// (its dependencies from the npm registry), then the README's commands run there: the CLI's
// version and a one-epoch training, the README's library example, and TypeScript type-checking an
// import of 'wasm-vae' and 'wasm-vae/browser'. The tarball must hold LICENSE and no source maps.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DATA_DIR } from './helpers.js';

const ROOT = new URL('..', import.meta.url).pathname;
const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;
let app = '', tarball = '';
// The npm and npx beside this node, and a PATH without this repository's node_modules/.bin (which
// vitest puts first, and where a dev dependency brings an old npm 6).
const BIN = dirname(process.execPath), NPM = join(BIN, 'npm'), NPX = join(BIN, 'npx');
const PATH = [BIN, ...(process.env.PATH ?? '').split(delimiter).filter((p) => !p.startsWith(ROOT))].join(delimiter);

function sh(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): string {
  try {
    return execFileSync(cmd, args, { cwd, env: { ...process.env, PATH, WASM_VAE_DATA: '', ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: string; message: string; status?: number; stdout?: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd} (exit ${e.status}): ${e.message}\n${e.stderr}\n${e.stdout}`);
  }
}

/** The README's library example: the ```js block after the `<!-- library-example -->` marker. */
function readmeExample(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const m = /<!-- library-example -->\s*```js\n([\s\S]*?)```/.exec(readme);
  if (!m) throw new Error('README.md has no <!-- library-example --> block');
  return m[1];
}

beforeAll(() => {
  const packDir = mkdtempSync(join(tmpdir(), 'wasm-vae-pack-'));
  tarball = join(packDir, sh(NPM, ['pack', '--pack-destination', packDir], ROOT).trim().split('\n').at(-1)!);
  app = mkdtempSync(join(tmpdir(), 'wasm-vae-user-'));
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'user-app', version: '1.0.0', type: 'module', private: true }));
  sh(NPM, ['install', '--no-audit', '--no-fund', '--loglevel=error', tarball], app);
}, 300_000);

describe('the packed tarball, installed into an empty directory', () => {
  it('holds LICENSE and the built files, and no source maps or sources', () => {
    const files = sh('tar', ['-tzf', tarball], app).trim().split('\n');
    expect(files).toContain('package/LICENSE');
    expect(files).toContain('package/dist/wasm/kernel.relaxed.wasm');
    expect(files).toContain('package/dist-browser/src/index.js');
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(files.filter((f) => f.startsWith('package/src/') || f.startsWith('package/test/'))).toEqual([]);
  });

  it('npx wasm-vae --version and a one-epoch training run', () => {
    expect(sh(NPX, ['wasm-vae', '--version'], app).trim()).toBe(version);
    sh(NPX, ['wasm-vae', 'train', '--data', DATA_DIR, '--epochs', '1', '--out', 'o'], app);
    expect(readdirSync(join(app, 'o')).sort()).toEqual(['checkpoint.safetensors', 'history.json', 'latent.svg', 'loss.svg',
      'model.safetensors', 'reconstructions.png', 'samples.png']);
  });

  it("the README's library example runs (MNIST from a prepared download cache)", () => {
    const cache = join(app, 'cache');
    mkdirSync(cache);
    for (const f of readdirSync(DATA_DIR).filter((n) => n.endsWith('.gz'))) copyFileSync(join(DATA_DIR, f), join(cache, f));
    writeFileSync(join(app, 'example.mjs'), readmeExample());
    const out = sh(process.execPath, ['example.mjs'], app, { WASM_VAE_CACHE: cache });
    expect(out).toMatch(/epoch 1: test loss \d+\.\d\d nats/);
    expect(readdirSync(app)).toContain('mnist-vae.safetensors');
  });

  it("TypeScript sees types for 'wasm-vae' and 'wasm-vae/browser'", () => {
    writeFileSync(join(app, 'check.ts'), `import { VAE, type FitOptions, type RuntimeInfo } from 'wasm-vae';
import { VAE as BrowserVAE, lossChart } from 'wasm-vae/browser';
const options: FitOptions = { epochs: 2, batchSize: 64, learningRate: 1e-3 };
export async function run(): Promise<RuntimeInfo> {
  const vae: VAE = await VAE.create({ inputDim: 4, hidden: [3], latentDim: 2 });
  await vae.fit(new Float32Array(8), options);
  const svg: string = lossChart([], []);
  const same: typeof VAE = BrowserVAE;
  return same === VAE && svg.length > 0 ? vae.runtime : vae.runtime;
}
// @ts-expect-error: a misspelt option is a type error too
export const bad: FitOptions = { lr: 0.1 };
`);
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    for (const resolution of [['--module', 'NodeNext', '--moduleResolution', 'NodeNext'], ['--module', 'ESNext', '--moduleResolution', 'Bundler']]) {
      sh(process.execPath, [tsc, '--noEmit', '--strict', '--skipLibCheck', '--target', 'ES2022', '--lib', 'ES2022,DOM', ...resolution, 'check.ts'], app);
    }
  });
});
