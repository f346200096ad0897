/** Base class of every error wasm-vae throws on purpose. */
export class WasmVaeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** An array had the wrong length or shape: says what was expected and what came. */
export class ShapeError extends WasmVaeError {}

/** Data values are unusable (NaN, ±Inf, out of range, empty): names the first bad row. */
export class DataError extends WasmVaeError {
  constructor(message: string, readonly row?: number, readonly column?: number) {
    super(message);
  }
}

/** A configuration or option value is invalid. */
export class ConfigError extends WasmVaeError {}

/** A file is corrupt, truncated or of the wrong kind: names the file and the byte offset. */
export class FileFormatError extends WasmVaeError {
  constructor(message: string, readonly file: string, readonly offset?: number) {
    super(`${file}${offset === undefined ? '' : ` at byte ${offset}`}: ${message}`);
  }
}

/** A model file does not fit this model (other architecture, other shapes). */
export class ModelMismatchError extends WasmVaeError {}

/** A download failed or a file did not match its checksum. */
export class DownloadError extends WasmVaeError {}

/** A worker failed, or the runtime cannot run what was asked. */
export class RuntimeError extends WasmVaeError {}

/** The model was used after dispose(). */
export class DisposedError extends WasmVaeError {}

/** A worker threw or died: names the worker and the training step. */
export class WorkerError extends WasmVaeError {
  /** True when the failed step's update was nevertheless completed (on the main thread). */
  stepCompleted = false;

  constructor(message: string, readonly worker: number, readonly step?: number) {
    super(message);
  }
}


/** What was asked for does not fit in WebAssembly's 32-bit memory (4 GiB): says how much it needs and what fits. */
export class MemoryLimitError extends WasmVaeError {}

/** Training stopped because the loss or a gradient was not finite; the model keeps the last finite step's parameters. */
export class DivergenceError extends WasmVaeError {
  constructor(message: string, readonly epoch: number, readonly batch: number, readonly what: 'loss' | 'gradient') {
    super(message);
  }
}

/** Reading or writing a file failed: names the file, what was being done, and the system's reason (its code). */
export class FileSystemError extends WasmVaeError {
  constructor(message: string, readonly path: string, readonly code: string) {
    super(message);
  }
}
