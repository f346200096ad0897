// The peak GFLOP/s of one thread's WebAssembly SIMD on this CPU: 12 independent f32x4 chains
// a <- a*y + x in registers (plain build: mul+add; relaxed build: relaxed_madd), and the GEMM's
// 4x8 micro-kernel on packed panels resident in L1; the larger of the two is the ceiling.
// Usage: node [--experimental-wasm-relaxed-simd] bench/ceiling.mjs [--json]
import { measureCeiling } from '../dist/src/bench.js';

const results = [await measureCeiling('simd')];
try { results.push(await measureCeiling('relaxed')); } catch { /* relaxed SIMD not validated by this engine */ }
for (const r of results) {
  console.log(`ceiling (${r.relaxedSimd ? 'relaxed_madd' : 'f32x4 mul+add'}): ${r.gflops.toFixed(1)} GFLOP/s per thread `
    + `(12 chains a <- a*y + x: ${r.chains.toFixed(1)}; 4x8 GEMM micro-kernel on L1-resident panels: ${r.tile.toFixed(1)})`);
}
if (results.length === 1) console.log('relaxed SIMD: not available (on Node 20 run node --experimental-wasm-relaxed-simd)');
if (process.argv.includes('--json')) console.log(JSON.stringify(results));
