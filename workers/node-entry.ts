// Node-only bootstrap for worker_threads: hand parentPort to the shared worker module.
import { parentPort } from 'node:worker_threads';

(globalThis as { __wasmVaeParentPort?: unknown }).__wasmVaeParentPort = parentPort;
await import('./worker.js');
