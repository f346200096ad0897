export { VAE, resolveWorkers, type CreateOptions, type RuntimeInfo, type LossReport, type GradientReport } from './vae.js';
export type { VAEConfig, Activation, Likelihood } from './model/config.js';
export type { FitOptions, History, EpochLog, BatchLog, WorkerCount } from './train/options.js';
export type { DataInput } from './input.js';
export * from './errors.js';
export { parseIdx, type IdxArray } from './data/idx.js';
export { loadMnist, MNIST_FILES, type MnistData, type MnistSplit, type LoadMnistOptions } from './data/mnist.js';
export type { ProfileEntry } from './profile.js';
export { lossChart, type BatchPoint } from './plots/loss-chart.js';
