// A bump allocator over the shared linear memory. Regions are 64-byte aligned (one cache line),
// so that worker-private regions never share a line. The memory grows as regions are added;
// typed-array views must therefore be made fresh from memory.buffer at each use (view()).
import { MemoryLimitError } from './errors.js';
import { formatBytes } from './model/memory.js';
export class Arena {
  private top: number;

  constructor(readonly memory: WebAssembly.Memory, base: number) {
    this.top = align(base);
  }

  /** Reserves `bytes` and returns the region's byte offset. */
  alloc(bytes: number): number {
    const start = this.top, top = align(start + bytes);
    const need = Math.ceil(top / 65536) - this.memory.buffer.byteLength / 65536;
    if (need > 0) {
      try {
        this.memory.grow(need);
      } catch {
        throw new MemoryLimitError(`needs ${formatBytes(bytes)} more of WebAssembly memory, which holds ${formatBytes(start)} already `
          + `and can grow to 4.3 GB (wasm32) at most, as far as this engine allows: pass less data per call, or a smaller model`);
      }
    }
    this.top = top;
    return start;
  }

  allocFloats(count: number): number {
    return this.alloc(count * 4);
  }

  mark(): number {
    return this.top;
  }

  /** Frees everything allocated after `mark` (the memory itself is kept for reuse). */
  release(mark: number): void {
    this.top = mark;
  }

  f32(offset: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, offset, length);
  }

  i32(offset: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, offset, length);
  }

  u8(offset: number, length: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, offset, length);
  }
}

export function align(n: number): number {
  return Math.ceil(n / 64) * 64;
}
