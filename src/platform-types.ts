import type { Endpoint } from 'comlink';

/** A started worker: a Comlink endpoint, a way to end it, and a callback for unexpected exits. */
export interface SpawnedWorker {
  endpoint: Endpoint;
  terminate(): Promise<void>;
  onDeath(listener: (reason: string) => void): void;
  /** Keep (true) or stop (false) the worker from holding the process open (Node; no-op in browsers). */
  ref(keep: boolean): void;
}
