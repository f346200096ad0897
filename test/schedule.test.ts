// Schedules: β and the learning rate against their formulas at step boundaries, and proof that
// the per-step values reach the kernels (bit-identical to runs that use those values directly,
// with 1 and 2 workers); plateau reductions; early stopping restores the best epoch's parameters.
import { describe, expect, it } from 'vitest';
import { ConfigError, VAE } from '../src/index.js';
import { newWatch, watchValidation } from '../src/train/monitors.js';
import { betaAt, learningRateAt, type StepSchedule } from '../src/train/schedule.js';
import { randomArray, rng } from './helpers.js';

const base: StepSchedule = { beta: 2, learningRate: 0.01, horizon: 8 };
const small = { inputDim: 12, hidden: [10], latentDim: 3, seed: 4 };
const same = (a: Record<string, Float32Array>, b: Record<string, Float32Array>) =>
  Object.keys(a).every((k) => Buffer.from(a[k].buffer).equals(Buffer.from(b[k].buffer)));

describe('schedule formulas', () => {
  it('β: linear warm-up and cyclical annealing (Fu et al. 2019)', () => {
    const warm = { ...base, betaSchedule: { warmup: 2 } };
    expect([0, 0.5, 1, 2, 5].map((p) => betaAt(warm, p))).toEqual([0, 0.5, 1, 2, 2]);
    const cyc = { ...base, betaSchedule: { cycles: 4, ratio: 0.5 } }; // period 2 epochs, rising over the first 1
    expect([0, 0.5, 1, 1.9, 2, 2.5, 7.5].map((p) => betaAt(cyc, p))).toEqual([0, 1, 2, 2, 0, 1, 2]);
    expect(betaAt(base, 3.3)).toBe(2);
  });

  it('learning rate: step, exponential and cosine decay', () => {
    const step = { ...base, learningRateSchedule: { kind: 'step' as const, every: 2, gamma: 0.5 } };
    expect([0, 1.99, 2, 4.5].map((p) => learningRateAt(step, p))).toEqual([0.01, 0.01, 0.005, 0.0025]);
    const exp = { ...base, learningRateSchedule: { kind: 'exponential' as const, gamma: 0.9 } };
    expect(learningRateAt(exp, 1.5)).toBeCloseTo(0.01 * 0.9 ** 1.5, 15);
    const cos = { ...base, horizon: 10, learningRateSchedule: { kind: 'cosine' as const, min: 1e-4 } };
    expect(learningRateAt(cos, 0)).toBeCloseTo(0.01, 15);
    expect(learningRateAt(cos, 5)).toBeCloseTo((0.01 + 1e-4) / 2, 15);
    expect(learningRateAt(cos, 10)).toBeCloseTo(1e-4, 15);
    expect(learningRateAt(cos, 12)).toBeCloseTo(1e-4, 15);
  });

  it('plateau: the factor applies after `patience` epochs without improvement, not below min; early stopping counts alike', () => {
    const w = newWatch();
    const lr = { kind: 'plateau' as const, patience: 2, factor: 0.5, min: 0.002 };
    const seen = [10, 9, 9.5, 9.2, 9.1, 9.3, 9.4, 9.5].map((v, i) => ({ ...watchValidation(w, v, i + 1, 0.01, lr, { patience: 3 }), f: w.lrFactor }));
    // Reductions after epochs 4 and 6 (two epochs each without beating 9), then the floor 0.002 / 0.01.
    expect(seen.map((s) => s.f)).toEqual([1, 1, 1, 0.5, 0.5, 0.25, 0.25, 0.2]);
    expect(seen.map((s) => s.best)).toEqual([true, true, false, false, false, false, false, false]);
    expect(seen.map((s) => s.stop)).toEqual([false, false, false, false, true, true, true, true]); // 3 epochs without beating epoch 2
    expect(w.bestEpoch).toBe(2);
  });
});

describe('schedules in training', () => {
  const x = randomArray(64 * 12, rng(8), 0, 1);

  it.each([1, 2])('β reaches the kernels per step (%i worker(s)): a warm-up\'s first step equals a step with β = 0; logs carry β', async (workers) => {
    const warm = await VAE.create({ ...small, beta: 1 });
    const logs: number[] = [];
    const h = await warm.fit(x, { epochs: 1, batchSize: 64, workers, betaSchedule: { warmup: 2 }, onBatchEnd: (b) => { logs.push(b.loss - b.reconstruction); } });
    const zero = await VAE.create({ ...small, beta: 0 });
    await zero.fit(x, { epochs: 1, batchSize: 64, workers });
    expect(same(warm.getParameters(), zero.getParameters())).toBe(true);
    expect(logs[0]).toBe(0); // the batch loss used β = 0
    expect(h.epochs[0].beta).toBe(0);
    // Half-way through the warm-up β is half the target.
    const h2 = await warm.fit(x, { epochs: 1, batchSize: 64, workers, betaSchedule: { warmup: 2 } });
    expect(h2.epochs[0].beta).toBe(0.5);
    await Promise.all([warm.dispose(), zero.dispose()]);
  });

  it.each([1, 2])('the learning rate reaches the optimiser per epoch (%i worker(s)): step decay equals a second fit at the decayed rate', async (workers) => {
    const scheduled = await VAE.create(small);
    const h = await scheduled.fit(x, { epochs: 2, batchSize: 16, learningRate: 0.01, workers, learningRateSchedule: { kind: 'step', every: 1, gamma: 0.5 } });
    expect(h.epochs.map((e) => e.learningRate)).toEqual([0.01, 0.005]);
    const byHand = await VAE.create(small);
    await byHand.fit(x, { epochs: 1, batchSize: 16, learningRate: 0.01, workers });
    await byHand.fit(x, { epochs: 1, batchSize: 16, learningRate: 0.005, workers });
    expect(same(scheduled.getParameters(), byHand.getParameters())).toBe(true);
    await Promise.all([scheduled.dispose(), byHand.dispose()]);
  });

  it('early stopping restores the best epoch\'s parameters: the same bits as a run of exactly that many epochs', async () => {
    const train = randomArray(48 * 12, rng(11), 0, 1), val = randomArray(16 * 12, rng(12), 0, 1);
    const fit = { batchSize: 8, learningRate: 0.05, validation: val };
    const vae = await VAE.create(small);
    const h = await vae.fit(train, { ...fit, epochs: 30, earlyStopping: { patience: 2 } });
    const bestEpoch = h.bestEpoch!;
    expect(bestEpoch).toBeGreaterThan(0);
    const valLosses = h.epochs.map((e) => e.valLoss!);
    expect(valLosses[bestEpoch - 1]).toBe(Math.min(...valLosses));
    console.log(`early stopping: ran ${h.epochs.length} epochs${h.stoppedEarly ? ' (stopped early)' : ''}, best epoch ${bestEpoch}`);
    const exact = await VAE.create(small);
    await exact.fit(train, { ...fit, epochs: bestEpoch });
    expect(same(vae.getParameters(), exact.getParameters())).toBe(true);
    await Promise.all([vae.dispose(), exact.dispose()]);
  });

  it('bad schedules are refused before any work, naming the field', async () => {
    const vae = await VAE.create(small);
    await expect(vae.fit(x, { betaSchedule: { warmup: -1 } })).rejects.toThrow(/betaSchedule.warmup must be a finite number of epochs >= 0, got -1/);
    await expect(vae.fit(x, { betaSchedule: { cycles: 0 } })).rejects.toThrow(/betaSchedule.cycles must be a positive integer/);
    await expect(vae.fit(x, { learningRateSchedule: { kind: 'step', every: 1, gamma: NaN } })).rejects.toThrow(/learningRateSchedule.gamma must be in \(0, 1\], got null/);
    await expect(vae.fit(x, { learningRateSchedule: { kind: 'warm' } as never })).rejects.toThrow(/learningRateSchedule.kind must be/);
    await expect(vae.fit(x, { earlyStopping: { patience: 3 } })).rejects.toThrow(ConfigError);
    await expect(vae.fit(x, { earlyStopping: { patience: 3 } })).rejects.toThrow(/watches the validation loss: pass validation data/);
    expect(vae.progress.step).toBe(0);
    await vae.dispose();
  });
});
