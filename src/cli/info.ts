// wasm-vae info FILE: what a model file holds — the model summary Keras users know.
import { decodeSafetensors } from '../model/safetensors.js';
import { readFileBytes } from '../platform.node.js';
import { VAE } from '../vae.js';
import { parse, UsageError } from './common.js';

export const INFO_HELP = `Usage: wasm-vae info FILE [--json]

Prints a model file's architecture, its tensors with their shapes and parameter counts (PyTorch
names), and its training progress (epochs, optimiser steps, whether it holds the optimiser state
that --resume needs). FILE is a .safetensors file written by wasm-vae (model or checkpoint).

Options:
  --json      one JSON object on stdout
  --verbose   stack traces on errors
  -h, --help  this text`;

export async function info(argv: string[]): Promise<void> {
  const files = argv.filter((a) => !a.startsWith('-'));
  const v = parse(argv.filter((a) => a.startsWith('-')), {});
  if (v.help) { console.log(INFO_HELP); return; }
  if (files.length !== 1) throw new UsageError(`expected one model file, got ${files.length}`);
  const file = files[0];
  const bytes = await readFileBytes(file);
  const vae = await VAE.fromBytes(bytes, { file });
  try {
    const c = vae.config;
    const tensors = vae.layout.tensors.map((t) => ({ name: t.name, shape: t.shape, parameters: t.size }));
    const total = tensors.reduce((s, t) => s + t.parameters, 0);
    const optimizer = decodeSafetensors(bytes, file).metadata['wasm_vae.optimizer'] === '1';
    const summary = { file, bytes: bytes.length, config: c, tensors, parameters: total, progress: vae.progress, optimizerState: optimizer };
    if (v.json) { console.log(JSON.stringify(summary)); return; }
    const arrow = (dims: number[]) => dims.map(String).join(' → ');
    const lines = [
      `${file}: ${(bytes.length / 1e6).toFixed(2)} MB, safetensors written by wasm-vae`,
      `VAE ${arrow([c.inputDim, ...c.hidden])} → (μ, log σ²) ${c.latentDim} → z ${c.latentDim} → ${arrow([...c.decoderHidden, c.inputDim])}`,
      `  activation ${c.activation}, ${c.likelihood} likelihood, β = ${c.beta}, seed ${c.seed}`,
      '',
    ];
    const nameWidth = Math.max(6, ...tensors.map((t) => t.name.length)), shapeWidth = Math.max(5, ...tensors.map((t) => `[${t.shape.join(', ')}]`.length));
    lines.push(`${'tensor'.padEnd(nameWidth)}  ${'shape'.padEnd(shapeWidth)}  ${'parameters'.padStart(12)}`);
    lines.push('-'.repeat(nameWidth + shapeWidth + 16));
    for (const t of tensors) {
      lines.push(`${t.name.padEnd(nameWidth)}  ${`[${t.shape.join(', ')}]`.padEnd(shapeWidth)}  ${t.parameters.toLocaleString('en-US').padStart(12)}`);
    }
    lines.push('-'.repeat(nameWidth + shapeWidth + 16));
    lines.push(`${'total'.padEnd(nameWidth + shapeWidth + 2)}  ${total.toLocaleString('en-US').padStart(12)}  (${((4 * total) / 1e6).toFixed(2)} MB of float32)`);
    lines.push('');
    lines.push(`trained ${vae.progress.epoch} epoch(s), ${vae.progress.step.toLocaleString('en-US')} optimiser steps; `
      + (optimizer ? 'holds the optimiser state (train --resume continues exactly)' : 'no optimiser state (a model file; checkpoints have it)'));
    console.log(lines.join('\n'));
  } finally {
    await vae.dispose();
  }
}
