import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'], // not the default glob: it would pick up as-pect's *.spec.ts
    setupFiles: ['./test/setup.ts'],
    testTimeout: 120_000,
    // One test file at a time: several start worker pools, child processes or a browser, and on
    // 2 cores running them side by side made a 0.6 s browser test take 104 s and would bias the
    // throughput readouts that test/progress.test.ts compares.
    fileParallelism: false,
    hookTimeout: 120_000,
  },
});
