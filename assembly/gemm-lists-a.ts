// The weight gradient through lists of the output gradient's zeros: C = beta·C + Aᵀ·B with A
// [k×m] mostly zeros (a conv layer's dZ after its ReLU: dcgan28's second conv about 20 % nonzero,
// whose 4-channel steps keep 58 % and whose patches, the other side, 53 %) and B [k×n] dense (the
// patches). Each row of C (a channel) is swept, 28 columns at a time, over the k at which its
// column of A is nonzero, reading B's rows where they are; k is taken in blocks of KB rows, whose
// rows of B (KB × n floats) stay in L2 while every channel sweeps them. The same chains as gemm_tn
// (gemm-lists.ts explains why skipping exact zeros keeps the bits).

import { gemm_scratch_bytes, gemm_tn_skip_a } from './gemm';
import { LIST_BYTES, LIST_CAPACITY, LISTS_END, listNonzeros, scaleForBeta, sweepAny, transposeColumns, W, writeCompactionTable } from './gemm-lists';

/** Rows of B a block of k holds (KB × 512 floats: 512 KiB, in L2). */
const KB: i32 = 256;

function gemmTnListsA(m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32,
                      c: usize, ldc: i32, beta: f32, scratch: usize): void {
  const values = scratch, table = scratch + 2 * LIST_BYTES, starts = table + 256, columns = scratch + LISTS_END;
  const ldaBytes = <usize>lda << 2, ldbBytes = <usize>ldb << 2, ldcBytes = <usize>ldc << 2;
  writeCompactionTable(table);
  scaleForBeta(c, m, n, ldc, beta);
  for (let k0 = 0; k0 < k; k0 += KB) {
    const kb = min(KB, k - k0), first = k0 == 0;
    // Each column of A over this block's rows: entries (value, address of B's row).
    let t = 0;
    store<i32>(starts, 0);
    for (let i = 0; i < m; i += 4) {
      transposeColumns(a + <usize>k0 * ldaBytes + (<usize>i << 2), ldaBytes, kb, columns);
      for (let l = 0; l < 4; l++) {
        t = listNonzeros(columns + ((<usize>l * <usize>kb) << 2), kb, <u32>ldbBytes, values, t, table, <u32>(b + <usize>k0 * ldbBytes));
        store<i32>(starts + (<usize>(i + l + 1) << 2), t);
      }
    }
    for (let i = 0; i < m; i++) {
      const e = values + (<usize>load<i32>(starts + (<usize>i << 2)) << 3);
      const end = values + (<usize>load<i32>(starts + (<usize>(i + 1) << 2)) << 3);
      const row = c + <usize>i * ldcBytes;
      for (let j0 = 0; j0 < n; j0 += W) {
        const nv = min(W, n - j0) >> 2, to = row + (<usize>j0 << 2);
        sweepAny(nv, e, end, <usize>j0 << 2, first && beta == 0 ? 0 : to, to, false, 0, 0, 0);
      }
    }
  }
}

/**
 * gemm_tn_skip_a through lists of each column of A's nonzeros (see above): a weight gradient
 * dW = dZᵀ·X whose output gradient dZ is mostly zeros. The same bits as gemm_tn. C's rows and
 * columns past multiples of 4, and fewer than 28 columns, go to gemm_tn_skip_a.
 */
export function gemm_tn_lists_a(m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32,
                                c: usize, ldc: i32, beta: f32, scratch: usize): void {
  const m4 = m & ~3, n4 = n & ~3;
  if (m4 <= 0 || n4 < W || k <= 0 || m4 * (KB + 4) > LIST_CAPACITY || LISTS_END + (<usize>KB << 4) > <usize>gemm_scratch_bytes()) {
    gemm_tn_skip_a(m, n, k, a, lda, b, ldb, c, ldc, beta, scratch);
    return;
  }
  gemmTnListsA(m4, n4, k, a, lda, b, ldb, c, ldc, beta, scratch);
  if (n4 < n) gemm_tn_skip_a(m4, n - n4, k, a, lda, b + (<usize>n4 << 2), ldb, c + (<usize>n4 << 2), ldc, beta, scratch);
  if (m4 < m) gemm_tn_skip_a(m - m4, n, k, a + (<usize>m4 << 2), lda, b, ldb, c + <usize>m4 * (<usize>ldc << 2), ldc, beta, scratch);
}
