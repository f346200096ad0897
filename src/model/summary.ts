// The model summary Keras users know: the layers in order with their output widths and
// parameters, the tensors with their shapes, the totals and where training stands.
import { ACTIVATIONS, type ResolvedConfig } from './config.js';
import type { ParameterLayout } from './layout.js';

export interface ModelSummary {
  config: ResolvedConfig;
  /** The layers in the order data flows through them. */
  layers: { name: string; kind: string; input: number; output: number; activation: string; parameters: number }[];
  /** Every parameter tensor under its PyTorch name. */
  tensors: { name: string; shape: number[]; parameters: number }[];
  parameters: number;
  progress: { epoch: number; step: number };
}

export function summarize(config: ResolvedConfig, layout: ParameterLayout, progress: { epoch: number; step: number }): ModelSummary {
  const tensors = layout.tensors.map((t) => ({ name: t.name, shape: t.shape, parameters: t.size }));
  const { graph } = layout;
  const layers: ModelSummary['layers'] = [];
  for (const spec of graph.ops) {
    if (spec.kind === 'dense') {
      const activation = spec.output === graph.head ? 'none: [μ | log σ²]'
        : spec.output === graph.output ? `none: ${config.likelihood === 'bernoulli' ? 'logits' : 'means'}` : ACTIVATIONS[spec.act];
      layers.push({ name: spec.name, kind: 'dense', input: spec.inDim, output: spec.outDim, activation, parameters: spec.inDim * spec.outDim + spec.outDim });
    } else if (spec.kind === 'latent') {
      layers.push({ name: 'z = μ + σ·ε', kind: 'sample', input: 2 * spec.latent, output: spec.latent, activation: '', parameters: 0 });
    } else if (spec.kind === 'gaussian') {
      layers.push({ name: 'output_log_var', kind: 'gaussian', input: spec.dim, output: spec.dim, activation: '', parameters: spec.dim });
    }
  }
  return { config, layers, tensors, parameters: tensors.reduce((s, t) => s + t.parameters, 0), progress };
}

/** The summary as a table of text. */
export function formatSummary(s: ModelSummary): string {
  const n = (v: number) => v.toLocaleString('en-US');
  const rows = s.layers.map((l) => [l.name, l.kind, `${l.input} → ${l.output}`, l.activation, n(l.parameters)]);
  const head = ['layer', 'kind', 'shape', 'activation', 'parameters'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 4 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  const rule = '-'.repeat(widths.reduce((a, b) => a + b + 2, -2));
  const c = s.config;
  return [
    `VAE: ${c.likelihood} likelihood, β = ${c.beta}, seed ${c.seed}`,
    line(head), rule, ...rows.map(line), rule,
    `${n(s.parameters)} parameters (${((4 * s.parameters) / 1e6).toFixed(2)} MB of float32) in ${s.tensors.length} tensors; `
      + `trained ${s.progress.epoch} epoch(s), ${n(s.progress.step)} optimiser steps`,
  ].join('\n');
}
