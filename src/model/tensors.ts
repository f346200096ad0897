// Parameter tensors as the API and files show them (PyTorch's layouts) and as the parameter
// vector holds them: conv weights channels-last, [a, kh, kw, b] for PyTorch's [a, b, kh, kw] (one
// kernel row of a patch is then one run of an HWC image: assembly/conv.ts), the rest as they are.
import type { Arena } from '../arena.js';
import type { TensorInfo } from './layout.js';

/** For a channels-last tensor, the held index of each PyTorch index, else null. */
function heldIndex(t: TensorInfo): ((i: number) => number) | null {
  if (!t.channelsLast) return null;
  const [, b, kh, kw] = t.shape, taps = kh * kw;
  return (i) => {
    const a = Math.floor(i / (b * taps)), c = Math.floor(i / taps) % b, tap = i % taps;
    return (a * taps + tap) * b + c;
  };
}

/** A copy of tensor t of the region at byte offset `base`, in PyTorch's layout. */
export function readTensor(arena: Arena, base: number, t: TensorInfo): Float32Array {
  const held = arena.f32(base + 4 * t.offset, t.size), index = heldIndex(t);
  if (!index) return held.slice();
  const out = new Float32Array(t.size);
  for (let i = 0; i < t.size; i++) out[i] = held[index(i)];
  return out;
}

/** Writes `data` (PyTorch's layout, t.size values) into tensor t of the region at byte offset `base`. */
export function writeTensor(arena: Arena, base: number, t: TensorInfo, data: Float32Array): void {
  const held = arena.f32(base + 4 * t.offset, t.size), index = heldIndex(t);
  if (!index) { held.set(data); return; }
  for (let i = 0; i < t.size; i++) held[index(i)] = data[i];
}
