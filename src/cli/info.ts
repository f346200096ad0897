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
    const summary = vae.summary();
    const optimizer = decodeSafetensors(bytes, file).metadata['wasm_vae.optimizer'] === '1';
    if (v.json) {
      const { text: _text, ...rest } = summary;
      console.log(JSON.stringify({ file, bytes: bytes.length, ...rest, optimizerState: optimizer }));
      return;
    }
    const n = (x: number) => x.toLocaleString('en-US');
    const nameWidth = Math.max(6, ...summary.tensors.map((t) => t.name.length));
    const shapeWidth = Math.max(5, ...summary.tensors.map((t) => `[${t.shape.join(', ')}]`.length));
    console.log([
      `${file}: ${(bytes.length / 1e6).toFixed(2)} MB, safetensors written by wasm-vae`,
      summary.text,
      '',
      `${'tensor'.padEnd(nameWidth)}  ${'shape'.padEnd(shapeWidth)}  ${'parameters'.padStart(12)}`,
      ...summary.tensors.map((t) => `${t.name.padEnd(nameWidth)}  ${`[${t.shape.join(', ')}]`.padEnd(shapeWidth)}  ${n(t.parameters).padStart(12)}`),
      `${'total'.padEnd(nameWidth + shapeWidth + 2)}  ${n(summary.parameters).padStart(12)}`,
      '',
      optimizer ? 'holds the optimiser state (train --resume continues exactly)' : 'no optimiser state (a model file; checkpoints have it)',
    ].join('\n'));
  } finally {
    await vae.dispose();
  }
}
