// Named convolutional architectures: the configs people compare against, written as layer lists
// (so their files carry the layers and load into the equivalent torch.nn modules by name).
import { ConfigError } from '../errors.js';
import type { LayerConfig } from '../ops/registry.js';
import type { VAEConfig } from './config.js';

export const ARCHITECTURES = ['dcgan28', 'keras', 'dcgan32', 'dcgan64'] as const;
export type ArchitectureName = (typeof ARCHITECTURES)[number];

/** Options of architecture(). */
export interface ArchitectureOptions {
  /** Dimensions of z (default 20; the Keras example uses 2). */
  latentDim?: number;
  /** Image channels: 1 grey or 3 RGB (default 1 for the 28×28 architectures, 3 for dcgan32 and dcgan64). */
  channels?: 1 | 3;
}

const conv = (filters: number, kernel = 4): LayerConfig => ({ type: 'conv2d', filters, kernel, stride: 2, padding: 1 });
const convT = (filters: number, kernel = 4, outputPadding = 0): LayerConfig =>
  ({ type: 'conv-transpose2d', filters, kernel, stride: 2, padding: 1, ...(outputPadding ? { outputPadding } : {}) });

/**
 * A DCGAN-style VAE (Radford et al. 2016's halving 4×4 stride-2 convolutions, as in the β-VAE and
 * PyTorch-VAE models): each conv halves the side and doubles the filters from 32 down to a 7×7
 * (28) or 4×4 (32, 64) map, flatten, the head; the decoder mirrors it from a dense layer with
 * transposed convolutions, the last one to the image's channels (logits or means, no activation).
 */
function dcgan(side: number, channels: number, filters: number[], latentDim: number): VAEConfig {
  const last = side >> filters.length, top = filters[filters.length - 1];
  return {
    inputDim: channels * side * side, inputShape: [channels, side, side], latentDim,
    encoder: [...filters.map((f) => conv(f)), { type: 'flatten' }],
    decoder: [{ type: 'dense', units: top * last * last }, { type: 'reshape', shape: [top, last, last] },
      ...filters.slice(0, -1).reverse().map((f) => convT(f)), convT(channels)],
  };
}

/**
 * The Keras VAE example's model (keras.io/examples/generative/vae, 28×28): Conv 32 and 64 (3×3,
 * stride 2) → flatten → dense 16 → z; dense 7·7·64 → ConvT 64 and 32 (3×3, stride 2) → ConvT to the
 * channels (3×3, stride 1). Keras's 'same' padding is PyTorch's padding 1 with output padding 1
 * on the stride-2 transposed convolutions (the same sizes; TensorFlow pads an even side asymmetrically).
 */
function keras(channels: number, latentDim: number): VAEConfig {
  return {
    inputDim: channels * 784, inputShape: [channels, 28, 28], latentDim,
    encoder: [conv(32, 3), conv(64, 3), { type: 'flatten' }, { type: 'dense', units: 16 }],
    decoder: [{ type: 'dense', units: 7 * 7 * 64 }, { type: 'reshape', shape: [64, 7, 7] }, convT(64, 3, 1), convT(32, 3, 1),
      { type: 'conv-transpose2d', filters: channels, kernel: 3, stride: 1, padding: 1 }],
  };
}

/**
 * The config of a named architecture, to pass to VAE.create (add seed, likelihood, β as wanted):
 * - 'dcgan28': Conv(C→32, 4, s2, p1) ReLU → Conv(32→64) ReLU → flatten → dense(2·latent); decoder
 *   dense(latent → 64·7·7) ReLU → ConvT(64→32, 4, s2, p1) ReLU → ConvT(32→C). 28×28.
 * - 'keras': the Keras example's (see above). 28×28.
 * - 'dcgan32': three halving convs (32, 64, 128 filters) to 4×4, mirrored. 32×32, RGB by default.
 * - 'dcgan64': four (32, 64, 128, 256) to 4×4, mirrored. 64×64, RGB by default.
 */
export function architecture(name: ArchitectureName, options: ArchitectureOptions = {}): VAEConfig {
  const latentDim = options.latentDim ?? 20;
  const channels = options.channels ?? (name === 'dcgan32' || name === 'dcgan64' ? 3 : 1);
  if (channels !== 1 && channels !== 3) throw new ConfigError(`channels must be 1 or 3, got ${String(channels)}`);
  switch (name) {
    case 'dcgan28': return dcgan(28, channels, [32, 64], latentDim);
    case 'keras': return keras(channels, latentDim);
    case 'dcgan32': return dcgan(32, channels, [32, 64, 128], latentDim);
    case 'dcgan64': return dcgan(64, channels, [32, 64, 128, 256], latentDim);
    default: throw new ConfigError(`architecture must be one of ${ARCHITECTURES.join(', ')}, got ${JSON.stringify(name)}`);
  }
}

/** The side of a named architecture's square images. */
export function architectureSide(name: ArchitectureName): number {
  return name === 'dcgan32' ? 32 : name === 'dcgan64' ? 64 : 28;
}
