// What a model needs of WebAssembly's 32-bit memory, checked before anything is allocated: a
// config of hidden [1e9] (or a 102-byte file that says so) must give a clear error, not an
// attempt to grow the memory to gigabytes.
import { MemoryLimitError } from '../errors.js';
import type { ResolvedConfig } from './config.js';
import type { ParameterLayout } from './layout.js';

/** wasm32: 65,536 pages of 64 KiB. */
export const WASM_MEMORY_LIMIT = 4 * 1024 ** 3;
/** Bytes per parameter: the parameter, its gradient and Adam's two moments, float32 each. */
export const BYTES_PER_PARAMETER = 16;
/** Room kept for the data, the outputs of a call and the GEMM packing buffers. */
const HEADROOM = 256 * 1024 ** 2;

export function formatBytes(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(1)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${Math.ceil(n / 1e3)} kB`;
}

/** Scratch bytes of one worker's workspace of `rows` rows: every buffer of the model's ops and its gradient. */
export function workspaceBytes(layout: ParameterLayout, rows: number): number {
  const { widths, hasGradient } = layout.graph;
  return 4 * rows * widths.reduce((s, w, i) => s + w * (hasGradient[i] ? 2 : 1), 0);
}

/** Throws MemoryLimitError when the model and one workspace of `rows` rows exceed what wasm32 can hold. */
export function checkModelFits(config: ResolvedConfig, layout: ParameterLayout, rows: number): void {
  const parameters = layout.tensors.reduce((s, t) => s + t.size, 0);
  const model = BYTES_PER_PARAMETER * layout.floats, scratch = workspaceBytes(layout, rows);
  if (model + scratch + HEADROOM <= WASM_MEMORY_LIMIT) return;
  const fits = Math.floor((WASM_MEMORY_LIMIT - HEADROOM - scratch) / BYTES_PER_PARAMETER);
  const encoder = config.encoder ? `an encoder of ${config.encoder.length} layers` : `hidden [${config.hidden!.join(', ')}]`;
  const decoder = config.decoder ? `a decoder of ${config.decoder.length} layers` : `decoderHidden [${config.decoderHidden!.join(', ')}]`;
  throw new MemoryLimitError(`this model (inputDim ${config.inputDim}, ${encoder}, latentDim ${config.latentDim}, ${decoder}) has ${parameters.toLocaleString('en-US')} parameters and needs `
    + `${formatBytes(model + scratch)} (${BYTES_PER_PARAMETER} bytes per parameter: the parameter, its gradient and Adam's two moments, `
    + `plus ${formatBytes(scratch)} of scratch); WebAssembly's 32-bit memory holds 4.3 GB, so at most about `
    + `${Math.max(0, fits).toLocaleString('en-US')} parameters fit`);
}
