// One model, one call at a time: calls queue behind each other, except calls made from inside a
// fit() callback, which run at once (after the step in flight) because the fit they would queue
// behind is waiting for that callback. Also where dispose() is ordered after the calls made
// before it.
import type { Arena } from './arena.js';
import { DisposedError } from './errors.js';

export class CallQueue {
  private queue: Promise<unknown> = Promise.resolve();
  private disposing: Promise<void> = Promise.resolve();
  /** Set by dispose(); later calls reject. */
  disposed = false;
  /** Set while fit() awaits a user callback. */
  private callback: { drain: () => Promise<void> } | null = null;

  /**
   * `transientMark()` is where the arena's transient memory starts (freed after each call);
   * `recover` sees a call's failure before it is rethrown.
   */
  constructor(private readonly arena: Arena, private readonly transientMark: () => number,
              private readonly recover: (err: unknown) => Promise<void>) {}

  get inCallback(): boolean {
    return this.callback !== null;
  }

  /** Runs `fn` after every earlier call has finished (or at once inside a fit callback), freeing its transient memory after. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.disposed) return Promise.reject(new DisposedError('this VAE was disposed'));
    if (this.callback) {
      const callback = this.callback;
      return (async () => {
        await callback.drain();
        const mark = this.arena.mark();
        try {
          return await fn();
        } finally {
          this.arena.release(mark);
        }
      })();
    }
    const run = async () => {
      try {
        return await fn();
      } catch (err) {
        await this.recover(err);
        throw err;
      } finally {
        this.arena.release(this.transientMark());
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Runs a fit's user callback; model calls made inside it first await `drain` (the step in flight). */
  async asCallback(drain: () => Promise<void>, run: () => Promise<void> | void): Promise<void> {
    this.callback = { drain };
    try {
      await run();
    } finally {
      this.callback = null;
    }
  }

  /**
   * Marks the model disposed and runs `end` once every earlier call has settled. Inside a fit
   * callback it resolves at once: the fit settles only after the callback returns.
   */
  dispose(end: () => Promise<void>): Promise<void> {
    if (!this.disposed) {
      this.disposed = true;
      this.disposing = this.queue.then(end);
    }
    return this.callback ? Promise.resolve() : this.disposing;
  }
}
