// The charts: PCA finds a known principal axis; line charts mark a clipped axis and draw a
// one-epoch run as markers; every chart is well-formed SVG with its labels.
import { describe, expect, it } from 'vitest';
import { lineChart } from '../src/plots/line-chart.js';
import { pca2 } from '../src/plots/pca.js';
import { scatterPlot } from '../src/plots/scatter.js';
import { rng } from './helpers.js';

function wellFormed(svg: string): void {
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  expect(svg.trim().endsWith('</svg>')).toBe(true);
  const opened = (svg.match(/<(g|svg|clipPath)[ >]/g) ?? []).length, closed = (svg.match(/<\/(g|svg|clipPath)>/g) ?? []).length;
  expect(opened).toBe(closed);
  expect(svg).not.toMatch(/NaN|undefined|Infinity/);
}

describe('charts', () => {
  it('PCA recovers the axes of an anisotropic cloud in 5-d and their variance shares', () => {
    const next = rng(3), rows = 4000, d = 5;
    // Variances 9, 4, 1, 1, 1 along an orthonormal basis rotated in the (0, 1) and (2, 3) planes.
    const c = Math.cos(0.6), s = Math.sin(0.6), points = new Float32Array(rows * d);
    const gauss = () => { let t = 0; for (let i = 0; i < 12; i++) t += next(0, 1); return t - 6; };
    for (let r = 0; r < rows; r++) {
      const a = 3 * gauss(), b = 2 * gauss(), e = [gauss(), gauss(), gauss()];
      points.set([c * a - s * b + 1, s * a + c * b - 2, c * e[0] - s * e[1], s * e[0] + c * e[1], e[2]], r * d);
    }
    const p = pca2(points, rows, d);
    expect(p.explained[0]).toBeCloseTo(9 / 16, 1);
    expect(p.explained[1]).toBeCloseTo(4 / 16, 1);
    // The first coordinate is the projection on (c, s, 0, 0, 0) up to sign: correlation ±1 with it.
    let sxy = 0, sxx = 0, syy = 0;
    for (let r = 0; r < rows; r++) {
      const u = c * (points[r * d] - 1) + s * (points[r * d + 1] + 2), v = p.xy[2 * r];
      sxy += u * v; sxx += u * u; syy += v * v;
    }
    expect(Math.abs(sxy / Math.sqrt(sxx * syy))).toBeGreaterThan(0.99);
  });

  it('a clipped y axis says so; a single point is drawn as a marker; legends sit beside the plot', () => {
    const batches: [number, number][] = Array.from({ length: 200 }, (_, i) => [i / 200, i < 3 ? 900 : 150 - i / 10]);
    const svg = lineChart([{ title: 'loss', yLabel: 'nats', series: [
      { label: 'train (each batch)', color: '#9ecae1', points: batches, noisy: true },
      { label: 'test', color: '#d62728', points: [[1, 131]], markers: true },
    ] }], { xLabel: 'epoch', xDomain: [0, 1] });
    wellFormed(svg);
    expect(svg).toMatch(/y axis clipped: \d+ points above, up to 900/);
    expect(svg).toMatch(/<circle [^>]*fill="#d62728"/);
    expect(svg).toMatch(/>epoch</);
    // Legend text starts right of the plot frame (x > frame's right edge = 820 − 170).
    const legendX = Number(/<text x="([\d.]+)"[^>]*>test</.exec(svg)![1]);
    expect(legendX).toBeGreaterThan(650);
  });

  it('the scatter plot colours classes, labels its axes and counts points outside them', () => {
    const next = rng(5), n = 500, xy = new Float32Array(2 * n), labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) { labels[i] = i % 10; xy[2 * i] = next(-1, 1) + labels[i]; xy[2 * i + 1] = next(-1, 1); }
    xy[0] = 1e6; // one far outlier
    const svg = scatterPlot(xy, labels, { title: 'latent', xLabel: 'PC 1', yLabel: 'PC 2', legendTitle: 'digit' });
    wellFormed(svg);
    expect((svg.match(/<path d="M/g) ?? []).length).toBe(10);
    expect(svg).toMatch(/>PC 1</); expect(svg).toMatch(/>digit</);
    expect(svg).toMatch(/>1 of 500</);
  });
});
