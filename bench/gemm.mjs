// GFLOP/s of each GEMM layout at the reference model's batch-128 shapes (and a few larger ones),
// for the plain and the relaxed build, with % of that build's ceiling measured in the same run;
// then the forward GEMMs as training runs them (bias and ReLU fused) against GEMM + bias_act.
// Usage: node --experimental-wasm-relaxed-simd bench/gemm.mjs [--json]
import { measureCeiling, measureForward, measureGemms } from '../dist/src/bench.js';

const all = [];
for (const build of ['simd', 'relaxed']) {
  let ceiling;
  try { ceiling = await measureCeiling(build); } catch { console.log(`${build}: not available in this engine`); continue; }
  console.log(`\n${build} build: ceiling ${ceiling.gflops.toFixed(1)} GFLOP/s`);
  const rows = await measureGemms(build, ceiling.gflops);
  for (const g of rows) {
    console.log(`  gemm_${g.layout} ${`${g.m}x${g.n}x${g.k}`.padEnd(14)} ${g.gflops.toFixed(1).padStart(6)} GFLOP/s ${g.percentOfCeiling.toFixed(0).padStart(4)}%  ${g.what}`);
  }
  const forward = await measureForward(build);
  console.log('  forward as trained, ReLU(X·Wᵀ + b): fused into the tile stores / bare GEMM / GEMM + separate bias_act');
  for (const f of forward) {
    console.log(`    ${`${f.m}x${f.n}x${f.k}`.padEnd(14)} ${f.fusedUs.toFixed(0).padStart(6)} / ${f.gemmUs.toFixed(0).padStart(6)} / ${f.separateUs.toFixed(0).padStart(6)} µs  ${f.what}`);
  }
  all.push({ build, ceiling: ceiling.gflops, gemms: rows, forward });
}
if (process.argv.includes('--json')) console.log(JSON.stringify(all));
