// Live throughput: BatchLog readouts during an epoch agree with the epoch's true rate (rows / wall
// seconds): the median within 20 %, none off by 2× (the machine's own load moves the true rate
// within an epoch). Callbacks arrive in bursts with workers; the old readout (one batch over the
// time since the previous callback) was off by 10^5.
import { describe, expect, it } from 'vitest';
import { loadMnist, VAE } from '../src/index.js';
import type { BatchLog } from '../src/index.js';
import { RateMeter } from '../src/train/rate.js';
import { formatDuration, progressBar, progressLine } from '../src/cli/progress.js';
import { DATA_DIR, rateAgreement } from './helpers.js';

describe('progress readouts', () => {
  it('the windowed rate, the epoch mean and the ETA follow the rows complete at each reading', () => {
    const m = new RateMeter(1000, 0, 0, 1);
    expect(m.read(100, 20).samplesPerSecond).toBeNaN(); // too little timed yet: shown as '?'
    expect(m.read(500, 100)).toMatchObject({ samplesPerSecond: 200, epochSamplesPerSecond: 200, elapsedSeconds: 0.5, etaSeconds: 4.5 });
    m.read(1000, 200);
    // Window of 1 s: from the newest mark at or before 1400 ms (1000 ms, 200 rows) to 2400 ms.
    m.read(1500, 300);
    const r = m.read(2400, 800);
    expect(r.samplesPerSecond).toBeCloseTo(600 / 1.4, 6);
    expect(r.epochSamplesPerSecond).toBeCloseTo(800 / 2.4, 6);
    expect(r.etaSeconds).toBeCloseTo(200 / (600 / 1.4), 6);
  });

  it.each([1, 2])('with %i worker(s), the readouts agree with the epoch rate', async (workers) => {
    const mnist = await loadMnist({ dir: DATA_DIR });
    const vae = await VAE.create({ inputDim: 784, hidden: [200], latentDim: 10, seed: 1 });
    try {
      const x = mnist.train.bytes; // an epoch of 1.3–4 s
      await vae.fit(x.subarray(0, 784 * 2560), { epochs: 1, workers }); // warm the pool and the compiled code
      const logs: BatchLog[] = [];
      const h = await vae.fit(x, { epochs: 1, workers, onBatchEnd: (b) => { logs.push(b); } });
      const truth = h.epochs[0].samplesPerSecond;
      const timed = logs.filter((l) => !Number.isNaN(l.samplesPerSecond));
      const window = rateAgreement(timed.map((l) => l.samplesPerSecond), truth);
      const mean = rateAgreement(timed.map((l) => l.epochSamplesPerSecond), truth);
      const worst = window.worst, worstMean = mean.worst;
      console.log(`progress (${workers} worker(s)): epoch ${Math.round(truth)} samples/s; ${timed.length} of ${logs.length} readouts timed, `
        + `${Math.round(Math.min(...timed.map((l) => l.samplesPerSecond)))}–${Math.round(Math.max(...timed.map((l) => l.samplesPerSecond)))}; `
        + `worst deviation ${(100 * worst).toFixed(1)} % (window), ${(100 * worstMean).toFixed(1)} % (epoch mean)`);
      expect(logs).toHaveLength(469);
      // Enough readouts for the medians below (the epoch now takes 1.3–4 s; the first 0.5 s are untimed).
      expect(timed.length).toBeGreaterThan(logs.length / 4);
      // Only the first half second is untimed: every later readout is a number.
      expect(logs.every((l) => l.elapsedSeconds < 0.5 || !Number.isNaN(l.samplesPerSecond))).toBe(true);
      // The median readout within 20 % of the epoch rate, none off by 2× (see rateAgreement).
      expect(window.median).toBeLessThan(0.2);
      expect(mean.median).toBeLessThan(0.2);
      expect(worst).toBeLessThan(1);
      expect(worstMean).toBeLessThan(1);
      expect(logs.at(-1)!.etaSeconds).toBe(0);
      expect(logs.at(-1)!.elapsedSeconds).toBeCloseTo(h.epochs[0].seconds, 1);
    } finally {
      await vae.dispose();
    }
  });
});

describe('the CLI progress line', () => {
  it('shows the bar, counts, ETA, elapsed time, losses and rate; "?" before the rate is timed', () => {
    const b = { epoch: 3, batch: 212, batches: 469, loss: 108.416, reconstruction: 82.1, kl: 26.316,
      samplesPerSecond: 23412.3, epochSamplesPerSecond: 23000, elapsedSeconds: 8.12, etaSeconds: 75.4 };
    expect(progressLine(b, 10)).toBe('epoch 3/10 [=========>..........] 212/469  ETA 1:15  8.1 s  loss 108.42 (rec 82.10, kl 26.32)  23,412 samples/s');
    expect(progressLine({ ...b, samplesPerSecond: NaN, etaSeconds: NaN }, 10)).toMatch(/ETA \?.*  \? samples\/s$/);
    expect(formatDuration(4000)).toBe('1:06:40');
    expect(progressBar(469, 469)).toBe(`[${'='.repeat(20)}]`);
  });
});
