// Small raster charts for the CLI's pictures (loss curves, latent scatter), drawn pixel by pixel
// with a 3×5 bitmap font and written as RGB PNG with pngjs. Node only. Plot geometry is
// bookkeeping on a handful of numbers, not model arithmetic.
import pngjs from 'pngjs';

export type RGB = [number, number, number];

const GLYPHS: Record<string, string> = {
  A: '.#.#.#####.##.#', B: '##.#.###.#.###.', C: '.###..#..#...##', D: '##.#.##.##.###.', E: '####..##.#..###',
  F: '####..##.#..#..', G: '.###..#.##.#.##', H: '#.##.#####.##.#', I: '###.#..#..#.###', J: '..#..#..##.#.#.',
  K: '#.##.###.#.##.#', L: '#..#..#..#..###', M: '#.########.##.#', N: '##.#.##.##.##.#', O: '.#.#.##.##.#.#.',
  P: '##.#.###.#..#..', Q: '.#.#.##.###..##', R: '##.#.###.#.##.#', S: '.###...#...###.', T: '###.#..#..#..#.',
  U: '#.##.##.##.####', V: '#.##.##.##.#.#.', W: '#.##.########.#', X: '#.##.#.#.#.##.#', Y: '#.##.#.#..#..#.',
  Z: '###..#.#.#..###', 0: '####.##.##.####', 1: '.#.##..#..#.###', 2: '##...#.#.#..###', 3: '##...#.#...###.',
  4: '#.##.####..#..#', 5: '####..##...###.', 6: '.###..####.####', 7: '###..#.#..#..#.', 8: '####.#####.####',
  9: '####.####..###.', '.': '.............#.', '-': '......###......', ':': '....#.....#....', ' ': '...............',
  '=': '...###...###...', '(': '.#.#..#..#...#.', ')': '.#...#..#..#.#.', '/': '..#..#.#.#..#..', ',': '..........#.#..',
};

export class Raster {
  readonly data: Uint8Array;

  constructor(readonly width: number, readonly height: number, background: RGB = [255, 255, 255]) {
    this.data = new Uint8Array(width * height * 3);
    for (let i = 0; i < width * height; i++) this.data.set(background, 3 * i);
  }

  set(x: number, y: number, c: RGB): void {
    x = Math.round(x); y = Math.round(y);
    if (x >= 0 && y >= 0 && x < this.width && y < this.height) this.data.set(c, 3 * (y * this.width + x));
  }

  rect(x: number, y: number, w: number, h: number, c: RGB): void {
    for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) this.set(x + i, y + j, c);
  }

  line(x0: number, y0: number, x1: number, y1: number, c: RGB, thick = 1): void {
    const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    for (let s = 0; s <= steps; s++) {
      const x = x0 + ((x1 - x0) * s) / steps, y = y0 + ((y1 - y0) * s) / steps;
      this.rect(Math.round(x - (thick - 1) / 2), Math.round(y - (thick - 1) / 2), thick, thick, c);
    }
  }

  /** Text in the 3×5 font (upper case), `scale` pixels per font pixel. */
  text(x: number, y: number, s: string, c: RGB, scale = 2): void {
    for (const ch of s.toUpperCase()) {
      const g = GLYPHS[ch] ?? GLYPHS[' '];
      for (let i = 0; i < 15; i++) if (g[i] === '#') this.rect(x + (i % 3) * scale, y + Math.floor(i / 3) * scale, scale, scale, c);
      x += 4 * scale;
    }
  }
}

export function encodeRgbPng(r: Raster): Uint8Array {
  const png = new pngjs.PNG({ width: r.width, height: r.height, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  png.data = Buffer.from(r.data);
  return new Uint8Array(pngjs.PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false }));
}

export interface Series {
  label: string;
  color: RGB;
  /** [x, y] points. */
  points: [number, number][];
  thick?: number;
}

const AXIS: RGB = [60, 60, 60];

function fmt(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/** Draws a panel of line series into `r` at (x, y, w, h), with a title, y range labels and a legend. */
export function linePanel(r: Raster, x: number, y: number, w: number, h: number, title: string, xLabel: string, series: Series[]): void {
  const all = series.flatMap((s) => s.points).filter(([, v]) => Number.isFinite(v));
  if (all.length === 0) return;
  const xs = all.map(([a]) => a), ys = all.map(([, b]) => b).sort((a, b) => a - b);
  const x0 = Math.min(...xs), x1 = Math.max(...xs, x0 + 1e-9);
  // Clip the top at the 98th percentile so that the first batches do not flatten the curve.
  const lo = ys[0], hi = Math.max(ys[Math.min(ys.length - 1, Math.floor(ys.length * 0.98))], lo + 1e-9);
  const left = x + 56, top = y + 28, pw = w - 70, ph = h - 56;
  r.text(x + 4, y + 4, title, AXIS, 2);
  r.line(left, top, left, top + ph, AXIS);
  r.line(left, top + ph, left + pw, top + ph, AXIS);
  r.text(x + 2, top - 2, fmt(hi), AXIS, 2);
  r.text(x + 2, top + ph - 10, fmt(lo), AXIS, 2);
  r.text(left, top + ph + 8, fmt(x0), AXIS, 2);
  r.text(left + pw - 4 * 2 * fmt(x1).length, top + ph + 8, fmt(x1), AXIS, 2);
  r.text(left + pw / 2 - 4 * xLabel.length, top + ph + 8, xLabel, AXIS, 2);
  const px = (v: number) => left + ((v - x0) / (x1 - x0)) * pw;
  const py = (v: number) => top + ph - ((Math.min(Math.max(v, lo), hi) - lo) / (hi - lo)) * ph;
  series.forEach((s, i) => {
    for (let k = 1; k < s.points.length; k++) {
      r.line(px(s.points[k - 1][0]), py(s.points[k - 1][1]), px(s.points[k][0]), py(s.points[k][1]), s.color, s.thick ?? 2);
    }
    if (s.points.length === 1) r.rect(px(s.points[0][0]) - 2, py(s.points[0][1]) - 2, 5, 5, s.color);
    const lx = left + pw - 150, ly = top + 6 + 16 * i;
    r.rect(lx, ly + 3, 16, 4, s.color);
    r.text(lx + 22, ly, s.label, AXIS, 2);
  });
}

/** Ten distinct colours for the digit classes. */
export const CLASS_COLORS: RGB[] = [
  [31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189],
  [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207],
];

/** A scatter plot of 2-D points coloured by class, with a legend of class numbers. */
export function scatter(points: Float32Array, labels: Uint8Array, size: number, title: string): Raster {
  const r = new Raster(size, size);
  const n = labels.length;
  const coords = Array.from({ length: 2 }, (_, d) => Array.from({ length: n }, (_, i) => points[2 * i + d]).sort((a, b) => a - b));
  const range = coords.map((c) => [c[Math.floor(n * 0.005)], c[Math.floor(n * 0.995)]]);
  const margin = 40, span = size - 2 * margin;
  r.text(8, 8, title, AXIS, 2);
  r.line(margin, margin, margin, size - margin, AXIS);
  r.line(margin, size - margin, size - margin, size - margin, AXIS);
  for (let i = 0; i < n; i++) {
    const u = (points[2 * i] - range[0][0]) / (range[0][1] - range[0][0]);
    const v = (points[2 * i + 1] - range[1][0]) / (range[1][1] - range[1][0]);
    if (u < 0 || u > 1 || v < 0 || v > 1) continue;
    r.rect(margin + u * span - 1, size - margin - v * span - 1, 2, 2, CLASS_COLORS[labels[i] % 10]);
  }
  CLASS_COLORS.forEach((c, k) => { r.rect(size - 30, margin + 18 * k, 10, 10, c); r.text(size - 16, margin + 18 * k, String(k), AXIS, 2); });
  return r;
}
