// Axes with ticks chosen by d3-scale (1-2-5 steps on linear axes, powers of ten and their
// multiples on log axes, formatted to the precision the step needs): the part of a chart that is
// easy to get subtly wrong, so it comes from a well-kept library rather than hand-rolled rules.
import { type ScaleContinuousNumeric, scaleLinear, scaleLog } from 'd3-scale';
import { px, text } from './svg.js';

export type Scale = ScaleContinuousNumeric<number, number>;

/** A plot area inside a panel, in SVG pixels. */
export interface Frame {
  left: number;
  top: number;
  width: number;
  height: number;
}

export function linearScale(domain: [number, number], range: [number, number], nice = true): Scale {
  const s = scaleLinear().domain(domain[0] === domain[1] ? [domain[0] - 1, domain[1] + 1] : domain).range(range);
  return nice ? s.nice(6) : s;
}

export function logScale(domain: [number, number], range: [number, number]): Scale {
  return scaleLog().domain(domain[0] === domain[1] ? [domain[0] / 2, domain[1] * 2] : domain).range(range).nice();
}

const GRID = '#e6e6e6', AXIS = '#444';

/** Grid lines, ticks, tick labels and axis titles for x (bottom) and y (left) of `frame`. */
export function drawAxes(frame: Frame, x: Scale, y: Scale, xLabel: string, yLabel: string, { log = false } = {}): string[] {
  const out: string[] = [];
  const bottom = frame.top + frame.height, right = frame.left + frame.width;
  const xTicks = x.ticks(7), xFormat = x.tickFormat(7);
  // A log axis labels 1, 2, 5 per decade at most, so that the labels do not collide.
  const yTicks = log ? y.ticks(5) : y.ticks(6), yFormat = log ? y.tickFormat(5, '~g') : y.tickFormat(6);
  for (const t of yTicks) {
    const yy = y(t);
    out.push(`<line x1="${px(frame.left)}" x2="${px(right)}" y1="${px(yy)}" y2="${px(yy)}" stroke="${GRID}" stroke-width="1"/>`);
    const label = yFormat(t);
    if (label !== '') {
      out.push(`<line x1="${px(frame.left - 5)}" x2="${px(frame.left)}" y1="${px(yy)}" y2="${px(yy)}" stroke="${AXIS}"/>`);
      out.push(text(frame.left - 8, yy, label, { anchor: 'end', baseline: 'middle', size: 12 }));
    }
  }
  for (const t of xTicks) {
    const xx = x(t);
    out.push(`<line x1="${px(xx)}" x2="${px(xx)}" y1="${px(frame.top)}" y2="${px(bottom)}" stroke="${GRID}" stroke-width="1"/>`);
    out.push(`<line x1="${px(xx)}" x2="${px(xx)}" y1="${px(bottom)}" y2="${px(bottom + 5)}" stroke="${AXIS}"/>`);
    out.push(text(xx, bottom + 19, xFormat(t), { anchor: 'middle', size: 12 }));
  }
  out.push(`<rect x="${px(frame.left)}" y="${px(frame.top)}" width="${px(frame.width)}" height="${px(frame.height)}" fill="none" stroke="${AXIS}" stroke-width="1"/>`);
  out.push(text(frame.left + frame.width / 2, bottom + 40, xLabel, { anchor: 'middle', size: 13 }));
  out.push(text(frame.left - 52, frame.top + frame.height / 2, yLabel, { anchor: 'middle', size: 13, rotate: -90 }));
  return out;
}
