// The training progress line, in the manner of Keras's bar:
//   epoch 3/10 [=========>..........] 212/469  ETA 0:04  8.1 s  loss 108.42 (rec 82.10, kl 26.32)  23,412 samples/s
// rewritten in place on a terminal, with the rest of the line cleared.
import type { BatchLog } from '../train/options.js';

/** ANSI: erase from the cursor to the end of the line (so a shorter line leaves nothing behind). */
export const CLEAR_TO_END = '\x1b[K';

/** 75 -> '1:15', 4000 -> '1:06:40', NaN -> '?'. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(r).padStart(2, '0')}`;
}

/** 23412.3 -> '23,412', NaN -> '?'. */
export function formatRate(perSecond: number): string {
  return Number.isFinite(perSecond) ? Math.round(perSecond).toLocaleString('en-US') : '?';
}

export function progressBar(done: number, total: number, width = 20): string {
  const filled = Math.min(width, Math.floor((done / total) * width));
  const head = filled < width ? '>' : '';
  return `[${'='.repeat(filled)}${head}${'.'.repeat(Math.max(0, width - filled - head.length))}]`;
}

/**
 * The loss terms as a line shows them: (rec, kl) for the ELBO; for the IWAE bound with k samples
 * the loss is the negative bound, whose rest beyond the mean reconstruction is no KL term.
 */
export function lossTerms(l: { loss: number; reconstruction: number; kl: number }, iwaeSamples = 1): string {
  return iwaeSamples > 1 ? `loss ${l.loss.toFixed(2)} (−IWAE bound, k = ${iwaeSamples}; rec ${l.reconstruction.toFixed(2)})`
    : `loss ${l.loss.toFixed(2)} (rec ${l.reconstruction.toFixed(2)}, kl ${l.kl.toFixed(2)})`;
}

/** One progress line for a batch log; `epochs` is the run's total epoch count. */
export function progressLine(b: BatchLog, epochs: number, iwaeSamples = 1): string {
  const width = String(b.batches).length;
  return `epoch ${b.epoch}/${epochs} ${progressBar(b.batch, b.batches)} ${String(b.batch).padStart(width)}/${b.batches}`
    + `  ETA ${formatDuration(b.etaSeconds)}  ${b.elapsedSeconds.toFixed(1)} s`
    + `  ${lossTerms(b, iwaeSamples)}`
    + `  ${formatRate(b.samplesPerSecond)} samples/s`;
}
