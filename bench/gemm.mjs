// GFLOP/s of each GEMM layout at the reference model's batch-128 shapes (and a few larger ones),
// for the plain and the relaxed build, with % of that build's ceiling measured in the same run.
// Usage: node --experimental-wasm-relaxed-simd bench/gemm.mjs [--json]
import { measureCeiling, measureGemms } from '../dist/src/bench.js';

const all = [];
for (const build of ['simd', 'relaxed']) {
  let ceiling;
  try { ceiling = await measureCeiling(build); } catch { console.log(`${build}: not available in this engine`); continue; }
  console.log(`\n${build} build: ceiling ${ceiling.gflops.toFixed(1)} GFLOP/s`);
  const rows = await measureGemms(build, ceiling.gflops);
  for (const g of rows) {
    console.log(`  gemm_${g.layout} ${`${g.m}x${g.n}x${g.k}`.padEnd(14)} ${g.gflops.toFixed(1).padStart(6)} GFLOP/s ${g.percentOfCeiling.toFixed(0).padStart(4)}%  ${g.what}`);
  }
  all.push({ build, ceiling: ceiling.gflops, gemms: rows });
}
if (process.argv.includes('--json')) console.log(JSON.stringify(all));
