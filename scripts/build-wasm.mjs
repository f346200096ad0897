// Builds the plain-SIMD and relaxed-SIMD kernels from one source, refuses a build that links the
// AssemblyScript runtime (kernels must never allocate), and copies the .wasm files to dist/wasm so
// that '../wasm/…' resolves the same from src/ and from dist/src/.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';

const asc = (target) => execFileSync(process.execPath,
  ['node_modules/assemblyscript/bin/asc.js', '--config', 'asconfig.json', '--target', target], { stdio: 'inherit' });

for (const target of ['release', 'relaxed']) asc(target);
for (const name of ['kernel', 'kernel.relaxed']) {
  const wat = readFileSync(`wasm/${name}.wat`, 'utf8');
  if (wat.includes('~lib/rt')) throw new Error(`wasm/${name}.wat links ~lib/rt: a kernel allocates`);
}
const relaxedOps = (readFileSync('wasm/kernel.relaxed.wat', 'utf8').match(/relaxed_madd/g) ?? []).length;
const plainOps = (readFileSync('wasm/kernel.wat', 'utf8').match(/relaxed_madd/g) ?? []).length;
if (relaxedOps === 0 || plainOps !== 0) throw new Error(`relaxed_madd count: relaxed ${relaxedOps}, plain ${plainOps}`);
mkdirSync('dist/wasm', { recursive: true });
for (const name of ['kernel.wasm', 'kernel.relaxed.wasm']) copyFileSync(`wasm/${name}`, `dist/wasm/${name}`);
console.log(`wasm: built kernel.wasm and kernel.relaxed.wasm (${relaxedOps} relaxed_madd), no runtime linked`);
