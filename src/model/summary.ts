// The model summary Keras users know: the layers in order with their output widths and
// parameters, the tensors with their shapes, the totals and where training stands.
import { opFor } from '../ops/registry.js';
import type { SummaryRow } from '../ops/types.js';
import type { ResolvedConfig } from './config.js';
import type { ParameterLayout } from './layout.js';

export interface ModelSummary {
  config: ResolvedConfig;
  /** The layers in the order data flows through them. */
  layers: SummaryRow[];
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
    const row = opFor(spec).summary(spec);
    if (!row) continue;
    // The two dense layers whose outputs are not activations: say what they give instead.
    if (spec.kind === 'dense' && spec.output === graph.head) row.activation = 'none: [μ | log σ²]';
    if (spec.kind === 'dense' && spec.output === graph.output) row.activation = `none: ${config.likelihood === 'bernoulli' ? 'logits' : 'means'}`;
    layers.push(row);
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
