// Model files: safetensors with the parameters under PyTorch's names and layouts, the config and
// the training progress in the metadata, and optionally the optimiser state. Reading treats the
// file as hostile: every tensor is checked against the config (and the config against the memory
// it would need) before any model is built, and non-finite values are refused.
import type { Arena } from '../arena.js';
import { DataError, FileFormatError, ModelMismatchError, WasmVaeError } from '../errors.js';
import { parseFitSettings, parsePartialEpoch, type TrainingState } from '../train/fit.js';
import { parseWatch, stringifyWatch } from '../train/monitors.js';
import { resolveConfig, type ResolvedConfig, type VAEConfig } from './config.js';
import { type ParameterLayout, parameterLayout } from './layout.js';
import type { ModelRegions } from './plan.js';
import { decodeSafetensors, encodeSafetensors, type NamedTensor, type SafetensorsFile } from './safetensors.js';
import { readTensor, writeTensor } from './tensors.js';

/** A model's memory as the file functions see it. */
export interface ModelMemory {
  config: ResolvedConfig;
  layout: ParameterLayout;
  arena: Arena;
  regions: ModelRegions;
  state: TrainingState;
}

export interface ReadOptions {
  /** Accept NaN or ±Inf parameters (default false: such a file is refused, naming the first bad tensor). */
  allowNonFinite?: boolean;
}

const PREFIXES = ['', 'optimizer.m.', 'optimizer.v.'] as const;

/** The model as safetensors bytes; with `optimizer`, also the moments and where training stands. */
export function encodeModel(m: ModelMemory, optimizer: boolean): Uint8Array {
  const entries: [string, NamedTensor][] = [];
  const regions = [m.regions.params, m.regions.adamM, m.regions.adamV].slice(0, optimizer ? 3 : 1);
  regions.forEach((base, i) => {
    for (const t of m.layout.tensors) entries.push([PREFIXES[i] + t.name, { shape: t.shape, data: readTensor(m.arena, base, t) }]);
  });
  return encodeSafetensors(entries, {
    format: 'pt',
    'wasm_vae.config': JSON.stringify(m.config),
    'wasm_vae.epoch': String(m.state.epoch),
    'wasm_vae.step': String(m.state.step),
    ...(optimizer ? { 'wasm_vae.optimizer_step': String(m.state.optimizerStep) } : {}),
    ...(optimizer && m.state.partial ? { 'wasm_vae.partial_epoch': JSON.stringify(m.state.partial) } : {}),
    ...(optimizer && m.state.settings ? { 'wasm_vae.fit': JSON.stringify(m.state.settings) } : {}),
    ...(optimizer && m.state.watch ? { 'wasm_vae.watch': stringifyWatch(m.state.watch) } : {}),
    'wasm_vae.optimizer': optimizer ? '1' : '0',
  });
}

/** Decodes a model file and its config (not yet checked: resolveConfig does that). */
export function decodeModel(bytes: Uint8Array, file: string): { decoded: SafetensorsFile; config: VAEConfig } {
  const decoded = decodeSafetensors(bytes, file);
  const text = decoded.metadata['wasm_vae.config'];
  if (text === undefined) throw new FileFormatError('no wasm_vae.config in the metadata: not a wasm-vae model file', file);
  try {
    return { decoded, config: JSON.parse(text) as VAEConfig };
  } catch {
    throw new FileFormatError('wasm_vae.config in the metadata is not valid JSON', file);
  }
}

/**
 * A model file's config, resolved, and its tensors checked against the layout that config gives,
 * before anything is allocated: FileFormatError for an invalid config.
 */
export function readModelFile(bytes: Uint8Array, file: string, options: ReadOptions = {}): { decoded: SafetensorsFile; config: ResolvedConfig } {
  const { decoded, config } = decodeModel(bytes, file);
  let resolved: ResolvedConfig;
  try {
    resolved = resolveConfig(config);
  } catch (err) {
    throw err instanceof WasmVaeError ? new FileFormatError(`invalid config in the metadata: ${err.message}`, file) : err;
  }
  checkTensors(decoded, parameterLayout(resolved), file, options);
  return { decoded, config: resolved };
}

/**
 * Checks that the file holds exactly the tensors of `layout` (and their moments, if it says it
 * has them), with their shapes and finite values; ModelMismatchError or FileFormatError otherwise.
 */
export function checkTensors(decoded: SafetensorsFile, layout: ParameterLayout, file: string, options: ReadOptions = {}): void {
  const { tensors, metadata } = decoded;
  const prefixes = PREFIXES.slice(0, metadata['wasm_vae.optimizer'] === '1' ? 3 : 1);
  const expected = new Set<string>();
  for (const prefix of prefixes) {
    for (const t of layout.tensors) {
      const name = prefix + t.name;
      expected.add(name);
      const found = tensors.get(name);
      if (!found) throw new ModelMismatchError(`${file}: missing tensor ${name} [${t.shape.join(', ')}] (a model of another architecture?)`);
      if (found.shape.join() !== t.shape.join()) {
        throw new ModelMismatchError(`${file}: tensor ${name} has shape [${found.shape.join(', ')}], this model needs [${t.shape.join(', ')}]`);
      }
      if (!options.allowNonFinite) {
        const bad = found.data.findIndex((v) => !Number.isFinite(v));
        if (bad >= 0) {
          throw new FileFormatError(`tensor ${name} holds ${found.data[bad]} at index ${bad}: a model with non-finite parameters `
            + '(a diverged run?) is refused; pass { allowNonFinite: true } to load it anyway', file);
        }
      }
    }
  }
  for (const name of tensors.keys()) {
    if (!expected.has(name)) throw new ModelMismatchError(`${file}: unexpected tensor ${name} (a model of another architecture?)`);
  }
}

/** Copies a checked file into the model's memory: parameters, moments (zeroed when absent) and progress. */
export function restoreModel(m: ModelMemory, decoded: SafetensorsFile): void {
  const { tensors, metadata } = decoded;
  const withOptimizer = metadata['wasm_vae.optimizer'] === '1';
  const regions = [m.regions.params, m.regions.adamM, m.regions.adamV];
  if (!withOptimizer) {
    m.arena.f32(m.regions.adamM, m.layout.floats).fill(0);
    m.arena.f32(m.regions.adamV, m.layout.floats).fill(0);
  }
  PREFIXES.slice(0, withOptimizer ? 3 : 1).forEach((prefix, i) => {
    for (const t of m.layout.tensors) writeTensor(m.arena, regions[i], t, tensors.get(prefix + t.name)!.data);
  });
  const int = (key: string) => {
    const v = Number(metadata[key] ?? '0');
    return Number.isSafeInteger(v) && v >= 0 ? v : 0;
  };
  // Progress is what the file says, with or without optimiser state: a model saved after 10
  // epochs reports epoch 10. Without moments, Adam restarts at t = 1 as a new torch.optim.Adam would.
  m.state.epoch = int('wasm_vae.epoch');
  m.state.step = int('wasm_vae.step');
  m.state.partial = withOptimizer ? parsePartialEpoch(metadata['wasm_vae.partial_epoch']) : undefined;
  m.state.settings = withOptimizer ? parseFitSettings(metadata['wasm_vae.fit']) : undefined;
  m.state.watch = withOptimizer ? parseWatch(metadata['wasm_vae.watch']) : undefined;
  m.state.optimizerStep = withOptimizer ? int(metadata['wasm_vae.optimizer_step'] === undefined ? 'wasm_vae.step' : 'wasm_vae.optimizer_step') : 0;
}

/** setParameters' checks: every tensor of the layout present with its size and finite values, and no other name. */
export function checkParameterRecord(layout: ParameterLayout, tensors: Record<string, Float32Array>): void {
  for (const t of layout.tensors) {
    const v = tensors[t.name];
    if (!v) throw new ModelMismatchError(`missing tensor ${t.name} [${t.shape.join(', ')}]`);
    if (v.length !== t.size) throw new ModelMismatchError(`tensor ${t.name}: expected ${t.size} values [${t.shape.join(', ')}], got ${v.length}`);
    const bad = v.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new DataError(`tensor ${t.name}: value ${v[bad]} at index ${bad} is not finite`);
  }
  const unknown = Object.keys(tensors).find((name) => !layout.tensors.some((t) => t.name === name));
  if (unknown !== undefined) throw new ModelMismatchError(`unknown tensor ${unknown}; this model's tensors are ${layout.tensors.map((t) => t.name).join(', ')}`);
}
