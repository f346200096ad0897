// Opt-in timing of every kernel call on this thread (VAE.create(…, { profile: true })): where the
// microseconds of a training step go. GEMMs are keyed by layout and shape.
import type { KernelExports } from './kernels.js';

export interface ProfileEntry {
  kernel: string;
  calls: number;
  ms: number;
}

export class KernelProfile {
  private readonly table = new Map<string, ProfileEntry>();

  /** The exports with every function wrapped in a timer. */
  wrap(k: KernelExports): KernelExports {
    const wrapped: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(k)) {
      if (typeof value !== 'function') { wrapped[name] = value; continue; }
      const fn = value as (...args: number[]) => number;
      wrapped[name] = (...args: number[]) => {
        const key = name.startsWith('gemm_') && args.length > 3 ? `${name} ${args[0]}x${args[1]}x${args[2]}` : name;
        const t = performance.now();
        const result = fn(...args);
        const entry = this.table.get(key) ?? { kernel: key, calls: 0, ms: 0 };
        entry.calls++;
        entry.ms += performance.now() - t;
        this.table.set(key, entry);
        return result;
      };
    }
    return wrapped as unknown as KernelExports;
  }

  /** Entries by time, largest first. */
  entries(): ProfileEntry[] {
    return [...this.table.values()].sort((a, b) => b.ms - a.ms);
  }

  reset(): void {
    this.table.clear();
  }
}
