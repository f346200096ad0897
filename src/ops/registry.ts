// The registration table: every kind of op, by the name its spec carries. The spec and layer
// config types of the model are the union of those the ops here declare, so adding an op is its
// file and one entry in OPS.
import { bernoulli } from './bernoulli.js';
import { condition } from './condition.js';
import { conv2d } from './conv2d.js';
import { convTranspose2d } from './conv-transpose2d.js';
import { dense } from './dense.js';
import { dropout } from './dropout.js';
import { flatten } from './flatten.js';
import { gaussian } from './gaussian.js';
import { latent } from './latent.js';
import { reshape } from './reshape.js';
import type { LayerBuilder, Op } from './types.js';

const OPS = { dense, latent, bernoulli, gaussian, condition, dropout, conv2d, flatten, 'conv-transpose2d': convTranspose2d, reshape };

type Ops = (typeof OPS)[keyof typeof OPS];
/** Any op's spec: plain data in the plan. */
export type OpSpec = Ops extends infer O ? (O extends Op<infer S, unknown> ? S : never) : never;
/** Any layer users can list in `encoder` / `decoder`: `{ type: 'dense', units: 400 }`, …. */
export type LayerConfig = Ops extends infer O ? (O extends Op<{ kind: string }, infer L> ? ([L] extends [never] ? never : L) : never) : never;

export function opFor<S extends OpSpec>(spec: S): Op<S> {
  return OPS[spec.kind] as unknown as Op<S>;
}

/** The builders of the layers users can list, by their config's `type`. */
export const LAYERS: ReadonlyMap<string, LayerBuilder<LayerConfig, OpSpec>> = new Map(
  Object.values(OPS).flatMap((op) => ('layer' in op && op.layer ? [[op.layer.type, op.layer as unknown as LayerBuilder<LayerConfig, OpSpec>]] : [])));
