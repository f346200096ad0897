// Building blocks of the SVG charts: escaping, number formatting, and the palette. SVG rather than
// PNG for charts: text stays sharp at any size, and browsers, editors and GitHub show it.

/** matplotlib's default colour cycle ("tab10"), so the charts look like the figures people know. */
export const TAB10 = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

export const FONT = 'font-family="DejaVu Sans, Helvetica, Arial, sans-serif"';

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Coordinates with one decimal: enough for a chart, and a third of the bytes of full floats. */
export function px(v: number): string {
  return (Math.round(v * 10) / 10).toString();
}

/** Approximate advance width of `text` at `size` px in a sans-serif font (for laying out legends). */
export function textWidth(text: string, size: number): number {
  return text.length * size * 0.6;
}

/** An SVG text element. */
export function text(x: number, y: number, content: string, { size = 12, anchor = 'start', weight = 'normal', fill = '#222', rotate = 0, baseline = 'auto' } = {}): string {
  const transform = rotate ? ` transform="rotate(${rotate} ${px(x)} ${px(y)})"` : '';
  return `<text x="${px(x)}" y="${px(y)}" font-size="${size}" text-anchor="${anchor}" font-weight="${weight}" fill="${fill}" dominant-baseline="${baseline}"${transform}>${escapeXml(content)}</text>`;
}

/** Wraps elements into a standalone SVG document of the given size on a white background. */
export function svgDocument(width: number, height: number, body: string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT}>\n`
    + `<rect width="100%" height="100%" fill="#fff"/>\n${body.join('\n')}\n</svg>\n`;
}
