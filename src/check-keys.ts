// Option objects are checked key by key: a typo must not be ignored silently.
import { ConfigError } from './errors.js';

/**
 * Rejects keys of an options object that are not among `known` (a typo such as `{ lr: 0.1 }` would
 * otherwise be ignored silently): ConfigError naming the unknown key and the known ones.
 */
export function checkKeys(options: object | undefined, known: readonly string[], what: string): void {
  if (options === undefined || options === null) return;
  if (typeof options !== 'object') throw new ConfigError(`${what} must be an object, got ${typeof options}`);
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new ConfigError(`${what}: unknown option '${key}'; the options are ${known.join(', ')}`);
    }
  }
}
