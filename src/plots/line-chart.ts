// Line charts in SVG: panels stacked vertically that share one x axis, each with grid, ticks,
// axis titles and a legend beside the plot (never over the data). A y axis whose top is cut off to
// keep the bulk of the data readable says so inside the plot.
import { drawAxes, type Frame, linearScale, logScale } from './axes.js';
import { px, svgDocument, text, textWidth } from './svg.js';

export interface LineSeries {
  label: string;
  color: string;
  points: [number, number][];
  /** Circles at every point (default false): a series of one point is always drawn as a marker. */
  markers?: boolean;
  /** Stroke width (default 2). */
  width?: number;
  opacity?: number;
  /** Many noisy points (per-batch losses): only their 98th percentile decides where the y axis ends. */
  noisy?: boolean;
}

export interface Panel {
  title: string;
  yLabel: string;
  series: LineSeries[];
  /** 'log' for a logarithmic y axis (labelled as such); default 'linear'. */
  yScale?: 'linear' | 'log';
}

export interface LineChartOptions {
  xLabel: string;
  /** Shared x domain; default: the data's extent. */
  xDomain?: [number, number];
  width?: number;
  panelHeight?: number;
}

const LEFT = 78, LEGEND = 170, TOP = 34, BOTTOM = 54;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(q * (sorted.length - 1))))];
}

/** The y range: all of the summary series, and the noisy ones up to their 98th percentile. */
function yRange(series: LineSeries[]): { lo: number; hi: number; clipped: { count: number; max: number } } {
  const exact = series.filter((s) => !s.noisy).flatMap((s) => s.points.map(([, y]) => y)).filter(Number.isFinite);
  const noisy = series.filter((s) => s.noisy).flatMap((s) => s.points.map(([, y]) => y)).filter(Number.isFinite).sort((a, b) => a - b);
  // Loops, not Math.min(...array): a long run has more points than a call may take arguments.
  let lo = Infinity, hi = noisy.length ? quantile(noisy, 0.98) : -Infinity;
  for (const v of exact) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (noisy.length) lo = Math.min(lo, noisy[0]);
  const above = noisy.filter((v) => v > hi);
  return { lo, hi, clipped: { count: above.length, max: above.length ? above[above.length - 1] : hi } };
}

function drawPanel(panel: Panel, top: number, width: number, height: number, x: (v: number) => number, xScale: ReturnType<typeof linearScale>,
                   xLabel: string, id: number): string[] {
  const frame: Frame = { left: LEFT, top: top + TOP, width: width - LEFT - LEGEND, height: height - TOP - BOTTOM };
  const out: string[] = [text(LEFT, top + 20, panel.title, { size: 15, weight: 'bold' })];
  const visible = panel.series.filter((s) => s.points.some(([, v]) => Number.isFinite(v)));
  if (visible.length === 0) {
    out.push(text(frame.left + frame.width / 2, frame.top + frame.height / 2, 'no data', { anchor: 'middle', fill: '#888' }));
    return out;
  }
  const log = panel.yScale === 'log';
  const { lo, hi, clipped } = yRange(visible);
  const pad = log ? 1 : 0.04 * (hi - lo || Math.abs(hi) || 1);
  const y = log ? logScale([Math.max(lo, 1e-12), Math.max(hi, lo * 1.0001)], [frame.top + frame.height, frame.top])
    : linearScale([lo >= 0 ? Math.max(0, lo - pad) : lo - pad, hi + pad], [frame.top + frame.height, frame.top]);
  // When the top is cut, end the axis exactly at the cut, so the mark means what it says.
  if (clipped.count > 0) y.domain([y.domain()[0], hi + pad]);
  out.push(...drawAxes(frame, xScale, y, xLabel, log ? `${panel.yLabel} (log scale)` : panel.yLabel, { log }));
  out.push(`<clipPath id="plot${id}"><rect x="${px(frame.left)}" y="${px(frame.top)}" width="${px(frame.width)}" height="${px(frame.height)}"/></clipPath>`);
  const body: string[] = [];
  for (const s of visible) {
    const pts = s.points.filter(([, v]) => Number.isFinite(v));
    const style = `stroke="${s.color}" stroke-width="${s.width ?? 2}"${s.opacity === undefined ? '' : ` stroke-opacity="${s.opacity}"`}`;
    if (pts.length > 1) body.push(`<path d="M${pts.map(([a, b]) => `${px(x(a))},${px(y(b))}`).join('L')}" fill="none" ${style} stroke-linejoin="round"/>`);
    if (s.markers || pts.length === 1) {
      body.push(...pts.map(([a, b]) => `<circle cx="${px(x(a))}" cy="${px(y(b))}" r="3.5" fill="${s.color}" stroke="#fff" stroke-width="1"/>`));
    }
  }
  out.push(`<g clip-path="url(#plot${id})">`, ...body, '</g>');
  if (clipped.count > 0) {
    out.push(text(frame.left + frame.width, top + 20,
      `▲ y axis clipped: ${clipped.count} point${clipped.count > 1 ? 's' : ''} above, up to ${clipped.max.toPrecision(4)}`,
      { anchor: 'end', size: 11, fill: '#a33' }));
  }
  // Legend to the right of the plot area.
  const lx = frame.left + frame.width + 16;
  visible.forEach((s, i) => {
    const ly = frame.top + 10 + 20 * i;
    out.push(`<line x1="${px(lx)}" x2="${px(lx + 24)}" y1="${px(ly)}" y2="${px(ly)}" stroke="${s.color}" stroke-width="${Math.max(2, s.width ?? 2)}"${s.opacity === undefined ? '' : ` stroke-opacity="${s.opacity}"`}/>`);
    if (s.markers) out.push(`<circle cx="${px(lx + 12)}" cy="${px(ly)}" r="3.5" fill="${s.color}" stroke="#fff"/>`);
    const label = textWidth(s.label, 12) > LEGEND - 40 ? `${s.label.slice(0, Math.floor((LEGEND - 40) / 7.2) - 1)}…` : s.label;
    out.push(text(lx + 30, ly, label, { baseline: 'middle', size: 12 }));
  });
  return out;
}

/** Panels stacked vertically over one shared x axis; returns an SVG document. */
export function lineChart(panels: Panel[], options: LineChartOptions): string {
  const width = options.width ?? 820, panelHeight = options.panelHeight ?? 270;
  let domain = options.xDomain;
  if (!domain) {
    domain = [Infinity, -Infinity];
    for (const p of panels) for (const s of p.series) for (const [a] of s.points) if (Number.isFinite(a)) domain = [Math.min(domain[0], a), Math.max(domain[1], a)];
  }
  const xScale = linearScale(domain, [LEFT, width - LEGEND], false);
  const body = panels.flatMap((p, i) => drawPanel(p, i * panelHeight, width, panelHeight, (v) => xScale(v), xScale, options.xLabel, i));
  return svgDocument(width, panels.length * panelHeight, body);
}
