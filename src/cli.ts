#!/usr/bin/env node
// The wasm-vae command.
import { bench, BENCH_HELP, evaluate, EVAL_HELP, reconstruct, RECONSTRUCT_HELP, sample, SAMPLE_HELP } from './cli/commands.js';
import { info, INFO_HELP } from './cli/info.js';
import { edit, EDIT_HELP, embed, EMBED_HELP, interpolate, INTERPOLATE_HELP, traverse, TRAVERSE_HELP } from './cli/latent-commands.js';
import { UsageError } from './cli/common.js';
import { train, TRAIN_HELP } from './cli/train.js';
import { WasmVaeError } from './errors.js';
import { packageVersion } from './version.js';

/** A command resolves with its exit code (default 0) or throws. */
const COMMANDS: Record<string, { run: (argv: string[]) => Promise<number | void>; help: string }> = {
  train: { run: train, help: TRAIN_HELP },
  eval: { run: evaluate, help: EVAL_HELP },
  sample: { run: sample, help: SAMPLE_HELP },
  reconstruct: { run: reconstruct, help: RECONSTRUCT_HELP },
  interpolate: { run: interpolate, help: INTERPOLATE_HELP },
  traverse: { run: traverse, help: TRAVERSE_HELP },
  edit: { run: edit, help: EDIT_HELP },
  embed: { run: embed, help: EMBED_HELP },
  info: { run: info, help: INFO_HELP },
  bench: { run: bench, help: BENCH_HELP },
};

const HELP = `Usage: wasm-vae <command> [options]

Variational Autoencoders on the CPU in WebAssembly SIMD.

Commands:
  train         train on MNIST-format data or an image folder; write the model, checkpoints and pictures
  eval          loss, reconstruction and KL of a model on the test split
  sample        draw images from a model's prior into a PNG grid
  reconstruct   test images above their reconstructions, as a PNG
  interpolate   decode the path between two images' latent codes
  traverse      one latent dimension at a time, for the most active dimensions
  edit          move an image from one class towards another in the latent space
  embed         posterior means of a split, as .npy or .csv
  info          a model file's architecture, parameter count and training progress
  bench         SIMD ceiling, GEMM GFLOP/s and training samples/s on this machine

Options: --version, --help. Run 'wasm-vae <command> --help' for a command's options.`;

/** Runs the command line; returns the exit code (0 ok, 1 failure, 2 usage). */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const verbose = rest.includes('--verbose');
  if (name === undefined) { console.error(HELP); return 2; }
  if (name === '-h' || name === '--help' || name === 'help') { console.log(HELP); return 0; }
  if (name === '-v' || name === '--version' || name === 'version') { console.log(packageVersion()); return 0; }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`wasm-vae: unknown command '${name}'; the commands are ${Object.keys(COMMANDS).join(', ')} (see 'wasm-vae --help')`);
    return 2;
  }
  try {
    return (await command.run(rest)) ?? 0;
  } catch (err) {
    const e = err as Error;
    if (err instanceof UsageError) { console.error(`wasm-vae ${name}: ${e.message} (see 'wasm-vae ${name} --help')`); return 2; }
    if (verbose) console.error(e.stack ?? String(e));
    else console.error(`wasm-vae ${name}: ${e.message}${err instanceof WasmVaeError ? '' : ' (run with --verbose for details)'}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
