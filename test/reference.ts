// An independent float64 implementation of the VAE's forward pass and loss, written from the
// equations (DESIGN.md §1), used to check the wasm model's loss and, by finite differences, its
// gradients.
export type Tensors = Record<string, Float64Array>;

export interface RefConfig {
  inputDim: number;
  hidden: number[];
  decoderHidden: number[];
  latentDim: number;
  activation: string;
  alpha: number;
  likelihood: 'bernoulli' | 'gaussian';
  beta: number;
  /** A conditional VAE: each row's one-hot class joins the encoder's and the decoder's input. */
  conditional?: { classes: number };
  /** Layer lists in place of the widths (the encoder's head is added after its list). */
  encoder?: RefLayer[];
  /** The rows as [channels, height, width] images for the encoder's image layers. */
  inputShape?: number[];
  decoder?: RefLayer[];
  /** The multiplier dropout layer `name` applies to value j of row r (0 or 1/(1 − rate)). */
  dropout?: (name: string, row: number, j: number) => number;
}

export type RefLayer = { type: 'dense'; units: number; activation?: string; alpha?: number } | { type: 'dropout'; rate: number }
  | { type: 'conv2d'; filters: number; kernel: number; stride?: number; padding?: number; activation?: string; alpha?: number } | { type: 'flatten' }
  | { type: 'conv-transpose2d'; filters: number; kernel: number; stride?: number; padding?: number; outputPadding?: number; activation?: string; alpha?: number }
  | { type: 'reshape'; shape: number[] };

/** PyTorch's ConvTranspose2d (weight [in, out, k, k]) on channel-major rows, then the activation. */
function convTranspose2d(input: Float64Array[], w: Float64Array, b: Float64Array, [C, H, W]: number[], O: number, k: number, s: number, p: number,
                         extra: number, act: string | null, alpha: number): { rows: Float64Array[]; shape: number[] } {
  const Ho = (H - 1) * s - 2 * p + k + extra, Wo = (W - 1) * s - 2 * p + k + extra;
  const rows = input.map((x) => {
    const y = new Float64Array(O * Ho * Wo);
    for (let o = 0; o < O; o++) y.fill(b[o], o * Ho * Wo, (o + 1) * Ho * Wo);
    for (let c = 0; c < C; c++) for (let iy = 0; iy < H; iy++) for (let ix = 0; ix < W; ix++) {
      for (let o = 0; o < O; o++) for (let ky = 0; ky < k; ky++) for (let kx = 0; kx < k; kx++) {
        const oy = iy * s - p + ky, ox = ix * s - p + kx;
        if (oy >= 0 && oy < Ho && ox >= 0 && ox < Wo) y[(o * Ho + oy) * Wo + ox] += x[(c * H + iy) * W + ix] * w[((c * O + o) * k + ky) * k + kx];
      }
    }
    return act ? y.map((v) => activate(v, act, alpha)) : y;
  });
  return { rows, shape: [O, Ho, Wo] };
}

/** PyTorch's Conv2d on channel-major rows (C × H × W), then the activation. */
function conv2d(input: Float64Array[], w: Float64Array, b: Float64Array, [C, H, W]: number[], O: number, k: number, s: number, p: number,
                act: string | null, alpha: number): { rows: Float64Array[]; shape: number[] } {
  const Ho = Math.floor((H + 2 * p - k) / s) + 1, Wo = Math.floor((W + 2 * p - k) / s) + 1;
  const rows = input.map((x) => {
    const y = new Float64Array(O * Ho * Wo);
    for (let o = 0; o < O; o++) for (let oy = 0; oy < Ho; oy++) for (let ox = 0; ox < Wo; ox++) {
      let sum = b[o];
      for (let c = 0; c < C; c++) for (let ky = 0; ky < k; ky++) for (let kx = 0; kx < k; kx++) {
        const iy = oy * s - p + ky, ix = ox * s - p + kx;
        if (iy >= 0 && iy < H && ix >= 0 && ix < W) sum += w[((o * C + c) * k + ky) * k + kx] * x[(c * H + iy) * W + ix];
      }
      y[(o * Ho + oy) * Wo + ox] = act ? activate(sum, act, alpha) : sum;
    }
    return y;
  });
  return { rows, shape: [O, Ho, Wo] };
}

function withOneHot(rows: Float64Array[], labels: number[] | undefined, classes: number): Float64Array[] {
  if (!labels) return rows;
  return rows.map((row, r) => {
    const out = new Float64Array(row.length + classes);
    out.set(row);
    out[row.length + labels[r]] = 1;
    return out;
  });
}

export function activate(x: number, name: string, alpha: number): number {
  switch (name) {
    case 'relu': return Math.max(0, x);
    case 'leaky_relu': return x > 0 ? x : alpha * x;
    case 'elu': return x > 0 ? x : alpha * Math.expm1(x);
    case 'tanh': return Math.tanh(x);
    case 'sigmoid': return 1 / (1 + Math.exp(-x));
    case 'softplus': return Math.log1p(Math.exp(x));
    default: return x;
  }
}

function dense(input: Float64Array[], w: Float64Array, b: Float64Array, inDim: number, outDim: number,
               act: string | null, alpha: number): Float64Array[] {
  return input.map((row) => {
    const out = new Float64Array(outDim);
    for (let o = 0; o < outDim; o++) {
      let s = b[o];
      for (let i = 0; i < inDim; i++) s += w[o * inDim + i] * row[i];
      out[o] = act ? activate(s, act, alpha) : s;
    }
    return out;
  });
}

/** A Sequential named `prefix`: dense layers (Linear + activation: two module indices) and dropout (one). */
function sequential(prefix: string, layers: RefLayer[], p: Tensors, x: Float64Array[], c: RefConfig, inputShape?: number[]): Float64Array[] {
  let h = x, module = 0, shape = inputShape;
  layers.forEach((l, i) => {
    const name = `${prefix}.${module}`;
    if (l.type === 'conv2d') {
      const act = l.activation ?? c.activation, alpha = l.alpha ?? (act === c.activation ? c.alpha : act === 'elu' ? 1 : 0.01);
      ({ rows: h, shape } = conv2d(h, p[`${name}.weight`], p[`${name}.bias`], shape!, l.filters, l.kernel, l.stride ?? 1, l.padding ?? 0, act, alpha));
      module += 2;
    } else if (l.type === 'conv-transpose2d') {
      const act = l.activation ?? (i === layers.length - 1 ? null : c.activation);
      const alpha = l.alpha ?? (act === c.activation ? c.alpha : act === 'elu' ? 1 : 0.01);
      ({ rows: h, shape } = convTranspose2d(h, p[`${name}.weight`], p[`${name}.bias`], shape!, l.filters, l.kernel, l.stride ?? 1, l.padding ?? 0,
        l.outputPadding ?? 0, act, alpha));
      module += 2;
    } else if (l.type === 'reshape') {
      shape = l.shape; // PyTorch's Unflatten: the channel-major rows as they are
      module += 1;
    } else if (l.type === 'flatten') {
      module += 1; // channel-major rows are already PyTorch's flat order
    } else if (l.type === 'dense') {
      const act = l.activation ?? (i === layers.length - 1 ? null : c.activation);
      // α: the model's for the model's activation, else the activation's usual default.
      const alpha = l.alpha ?? (act === c.activation ? c.alpha : act === 'elu' ? 1 : 0.01);
      h = dense(h, p[`${name}.weight`], p[`${name}.bias`], h[0].length, l.units, act, alpha);
      module += 2;
    } else {
      h = h.map((row, r) => row.map((v, j) => v * c.dropout!(name, r, j)));
      module += 1;
    }
  });
  return h;
}

const denseLayers = (widths: number[]): RefLayer[] => widths.map((units) => ({ type: 'dense', units }));

/**
 * The IWAE bound (Burda et al. 2015) as a loss: −mean over rows of log (1/k) Σ_s p(x|z_s) p(z_s) /
 * q(z_s|x), z_s = μ + σ·ε_s with eps[r][s] (k samples per row), all in float64.
 */
export function referenceIwae(c: RefConfig, p: Tensors, x: Float64Array[], eps: Float64Array[][]): number {
  const L = c.latentDim;
  const head = sequential('encoder', [...(c.encoder ?? denseLayers(c.hidden)), { type: 'dense', units: 2 * L } as RefLayer], p, x, c);
  let total = 0;
  head.forEach((h, r) => {
    const zs = eps[r].map((e) => Float64Array.from({ length: L }, (_, j) => h[j] + Math.exp(0.5 * h[L + j]) * e[j]));
    const out = sequential('decoder', c.decoder ?? denseLayers([...c.decoderHidden, c.inputDim]), p, zs, c);
    const logw = zs.map((z, s) => {
      let lw = 0;
      for (let i = 0; i < c.inputDim; i++) {
        const l = out[s][i], t = x[r][i];
        lw -= Math.max(l, 0) - l * t + Math.log1p(Math.exp(-Math.abs(l)));
      }
      for (let j = 0; j < L; j++) lw += 0.5 * (eps[r][s][j] ** 2 - z[j] ** 2 + h[L + j]); // log p(z) − log q(z|x)
      return lw;
    });
    const top = Math.max(...logw);
    total -= top + Math.log(logw.reduce((a, v) => a + Math.exp(v - top), 0) / logw.length);
  });
  return total / x.length;
}

/** Mean per-example loss (reconstruction + β·KL) for rows x with noise eps (rows × latent). */
export function referenceLoss(c: RefConfig, p: Tensors, x: Float64Array[], eps: Float64Array[], labels?: number[]): { loss: number; reconstruction: number; kl: number } {
  const L = c.latentDim, C = c.conditional?.classes ?? 0;
  const encoder = [...(c.encoder ?? denseLayers(c.hidden)), { type: 'dense', units: 2 * L } as RefLayer];
  const head = sequential('encoder', encoder, p, withOneHot(x, labels, C), c, c.inputShape);
  let kl = 0;
  const z = head.map((h, r) => {
    const out = new Float64Array(L);
    for (let j = 0; j < L; j++) {
      const mu = h[j], lv = h[L + j];
      kl += -0.5 * (1 + lv - mu * mu - Math.exp(lv));
      out[j] = mu + Math.exp(0.5 * lv) * eps[r][j];
    }
    return out;
  });
  const decoder = c.decoder ?? denseLayers([...c.decoderHidden, c.inputDim]);
  const out = sequential('decoder', decoder, p, withOneHot(z, labels, C), c);
  let rec = 0;
  out.forEach((row, r) => {
    for (let i = 0; i < c.inputDim; i++) {
      const t = x[r][i];
      if (c.likelihood === 'bernoulli') {
        const l = row[i];
        rec += Math.max(l, 0) - l * t + Math.log1p(Math.exp(-Math.abs(l)));
      } else {
        const s = p.output_log_var[i];
        rec += 0.5 * (Math.log(2 * Math.PI) + s + (t - row[i]) ** 2 * Math.exp(-s));
      }
    }
  });
  const n = x.length;
  return { loss: (rec + c.beta * kl) / n, reconstruction: rec / n, kl: kl / n };
}

const MASK64 = (1n << 64n) - 1n;
function mix64(x: bigint): bigint {
  x = ((x ^ (x >> 30n)) * 0xBF58476D1CE4E5B9n) & MASK64;
  x = ((x ^ (x >> 27n)) * 0x94D049BB133111EBn) & MASK64;
  return x ^ (x >> 31n);
}

/** The top 24 bits of the keyed draw of assembly/random.ts (SplitMix64's finaliser over (seed, stream) and (i, j)), from the equations. */
export function referenceDraw24(seed: number, stream: number, i: number, j: number): number {
  const h = mix64((mix64(((BigInt(seed >>> 0) << 32n) | BigInt(stream >>> 0)) + 0x9E3779B97F4A7C15n & MASK64)) ^ ((BigInt(i) << 32n) | BigInt(j)));
  return Number(h >> 40n);
}

/**
 * Dropout's keep/drop draw as assembly/dropout.ts documents it: the draw of the layer's seed
 * (seed ^ 0x9E3779B9·(salt + 1)); kept when it is at least rate·2^24. Returns the multiplier, 0 or 1/(1 − rate).
 */
export function referenceDropout(seed: number, stream: number, salt: number, rate: number, i: number, j: number): number {
  const layerSeed = (seed ^ Math.imul(0x9E3779B9, salt + 1)) >>> 0;
  return referenceDraw24(layerSeed, stream, i, j) >= Math.round(rate * 16777216) ? 1 / (1 - rate) : 0;
}
