// A scatter plot in SVG of 2-D points coloured by class, with axes and a class legend beside the
// plot. Each class is one path of zero-length round-capped segments ("M x y h0"): ten thousand
// points cost about 150 kB instead of 400 kB of <circle> elements.
import { drawAxes, type Frame, linearScale } from './axes.js';
import { px, svgDocument, TAB10, text } from './svg.js';

export interface ScatterOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Legend title (default 'class'). */
  legendTitle?: string;
  /** Each label's name in the legend (default: the label's number). */
  classNames?: string[];
  size?: number;
}

/** Points (x, y interleaved) with one class label each; the axes span the central 99 % of each coordinate. */
export function scatterPlot(xy: Float32Array, labels: Uint8Array, options: ScatterOptions): string {
  // The legend's width follows its longest name (about 7 px a character at 12 px).
  const longest = Math.max(3, ...(options.classNames ?? []).map((name) => name.length));
  const size = options.size ?? 640, legend = Math.max(90, 40 + 7 * longest);
  const frame: Frame = { left: 78, top: 40, width: size - 100, height: size - 100 };
  const n = labels.length;
  const range = (d: number): [number, number] => {
    const c = Array.from({ length: n }, (_, i) => xy[2 * i + d]).sort((a, b) => a - b);
    return [c[Math.floor((n - 1) * 0.005)], c[Math.ceil((n - 1) * 0.995)]];
  };
  const x = linearScale(range(0), [frame.left, frame.left + frame.width]);
  const y = linearScale(range(1), [frame.top + frame.height, frame.top]);
  const [x0, x1] = x.domain(), [y0, y1] = y.domain();
  const out: string[] = [text(frame.left, 24, options.title, { size: 15, weight: 'bold' })];
  out.push(...drawAxes(frame, x, y, options.xLabel, options.yLabel));
  const classes = [...new Set(labels)].sort((a, b) => a - b);
  let outside = 0;
  for (const c of classes) {
    const segments: string[] = [];
    for (let i = 0; i < n; i++) {
      if (labels[i] !== c) continue;
      const a = xy[2 * i], b = xy[2 * i + 1];
      if (a < x0 || a > x1 || b < y0 || b > y1) { outside++; continue; }
      segments.push(`M${px(x(a))} ${px(y(b))}h0`);
    }
    out.push(`<path d="${segments.join('')}" stroke="${TAB10[c % 10]}" stroke-width="3" stroke-linecap="round" stroke-opacity="0.65"/>`);
  }
  const lx = frame.left + frame.width + 18;
  if (outside > 0) { // beside the plot, never over the data
    const ly = frame.top + 24 + 20 * classes.length + 16;
    [`${outside} of ${n}`, 'points lie', 'outside the', 'axes'].forEach((line, i) => out.push(text(lx, ly + 14 * i, line, { size: 11, fill: '#a33' })));
  }
  out.push(text(lx, frame.top + 4, options.legendTitle ?? 'class', { size: 12, weight: 'bold' }));
  classes.forEach((c, i) => {
    const ly = frame.top + 24 + 20 * i;
    out.push(`<circle cx="${px(lx + 6)}" cy="${px(ly)}" r="5" fill="${TAB10[c % 10]}"/>`);
    out.push(text(lx + 18, ly, options.classNames?.[c] ?? String(c), { baseline: 'middle', size: 12 }));
  });
  return svgDocument(size + legend - 20, size, out);
}
