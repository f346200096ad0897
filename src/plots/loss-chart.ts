// The training chart (loss, reconstruction, KL over epochs), shared by the CLI's loss.svg and the
// browser demo's live chart.
import type { EpochLog } from '../train/options.js';
import { lineChart, type Panel } from './line-chart.js';
import { TAB10 } from './svg.js';

const TRAIN = TAB10[0], TEST = TAB10[3];

/** One training batch for the curves: x in epochs (fractional), and its loss, reconstruction and KL per example. */
export interface BatchPoint {
  x: number;
  values: [number, number, number];
}

/**
 * The training chart as an SVG document: the loss, the reconstruction term and the KL per example
 * over epochs, for training (every batch, and each epoch's mean) and the validation set; x in
 * epochs on every panel. Works in browsers too (the demo draws it live).
 */
export function lossChart(epochs: EpochLog[], batches: BatchPoint[], options: { width?: number; panelHeight?: number } = {}): string {
  // A training mean summarises the whole epoch, so it sits at the epoch's middle; a test figure is
  // measured at the epoch's end.
  const per = (f: (e: EpochLog) => number | undefined, at = 0) => epochs.map((e) => [e.epoch - at, f(e) ?? NaN] as [number, number]);
  const last = Math.max(epochs.length ? epochs[epochs.length - 1].epoch : 0, batches.length ? batches[batches.length - 1].x : 0, 1e-3);
  const first = Math.min(epochs.length ? epochs[0].epoch - 1 : 0, batches.length ? Math.floor(batches[0].x) : 0);
  const panel = (title: string, f: (e: EpochLog) => number | undefined, g: (e: EpochLog) => number | undefined, column: 1 | 2 | 3): Panel => ({
    title, yLabel: 'nats per example',
    series: [
      ...(batches.length ? [{ label: 'train (each batch)', color: '#9ecae1', points: batches.map((b) => [b.x, b.values[column - 1]] as [number, number]), width: 1, noisy: true }] : []),
      { label: 'train (epoch mean)', color: TRAIN, points: per(f, 0.5), markers: true },
      { label: 'test (epoch end)', color: TEST, points: per(g), markers: true },
    ],
  });
  const pad = 0.02 * Math.max(1, last - first); // room for the markers at both ends
  const svg = lineChart([panel('Negative ELBO (loss)', (e) => e.loss, (e) => e.valLoss, 1),
    panel('Reconstruction term', (e) => e.reconstruction, (e) => e.valReconstruction, 2),
    panel('KL(q(z|x) ‖ p(z))', (e) => e.kl, (e) => e.valKl, 3)], { xLabel: 'epoch', xDomain: [first - pad, last + pad], ...options });
  return svg;
}

