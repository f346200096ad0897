// Checks shared by the layer builders: integer fields and the activation, as ConfigErrors that
// name the layer ('encoder[1].kernel').
import { ConfigError } from '../errors.js';
import { ACTIVATIONS } from '../model/config.js';
import type { LayerContext } from './types.js';

/** An integer field of a layer config, at least `min`. */
export function layerInt(value: unknown, field: string, min: number, c: LayerContext): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ConfigError(`${c.where}.${field} must be an integer >= ${min}, got ${String(value)}`);
  }
  return value;
}

/** A layer's activation code and α: its own, else the context's defaults. */
export function layerActivation(l: { activation?: string; alpha?: number }, c: LayerContext): { act: number; alpha: number } {
  const act = l.activation === undefined ? c.activation : ACTIVATIONS.indexOf(l.activation as (typeof ACTIVATIONS)[number]);
  if (act < 0) throw new ConfigError(`${c.where}.activation must be one of ${ACTIVATIONS.join(', ')}, got ${String(l.activation)}`);
  const alpha = l.alpha ?? c.alpha(act);
  if (typeof alpha !== 'number' || !Number.isFinite(alpha) || alpha <= 0) throw new ConfigError(`${c.where}.alpha must be a positive number, got ${String(alpha)}`);
  return { act, alpha };
}
