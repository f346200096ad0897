// The registration table: every kind of op, by the name its OpSpec carries.
import { bernoulli } from './bernoulli.js';
import { condition } from './condition.js';
import { dense } from './dense.js';
import { gaussian } from './gaussian.js';
import { latent } from './latent.js';
import type { Op, OpSpec } from './types.js';

const OPS: { [K in OpSpec['kind']]: Op<Extract<OpSpec, { kind: K }>> } = { dense, latent, bernoulli, gaussian, condition };

export function opFor<S extends OpSpec>(spec: S): Op<S> {
  return OPS[spec.kind] as unknown as Op<S>;
}
