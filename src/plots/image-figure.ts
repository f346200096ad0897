// A labelled figure of decoded images: the grid as an embedded PNG (pixels kept sharp when
// enlarged) with SVG text for the title, the rows' and the columns' labels, so the labels stay
// crisp at any size — latent traversals (dimension, value), interpolations and edits. Node only.
import { encodePng, gridImage, upscale } from '../images.js';
import { svgDocument, text, textWidth } from './svg.js';

export interface ImageFigure {
  /** count images of channels × height × width values in [0, 1], channel-major, row after row of the grid. */
  images: Float32Array;
  count: number;
  height: number;
  width: number;
  channels: 1 | 3;
  /** Images per grid row. */
  columns: number;
  title: string;
  /** One label per grid row, left of it (e.g. 'z₃'). */
  rowLabels?: string[];
  /** One label per grid column, above it (e.g. '−1.5'). */
  columnLabels?: string[];
  /** A caption under the grid (e.g. what the columns vary). */
  caption?: string;
}

const GAP = 2;

/** The figure as an SVG document. */
export function imageFigure(f: ImageFigure): string {
  const zoom = Math.max(1, Math.round(56 / Math.max(f.height, f.width))); // cells of about 56 px
  const grid = upscale(gridImage(f.images, f.count, f.height, f.width, f.columns, GAP, 1, f.channels), zoom);
  const left = 12 + Math.max(0, ...(f.rowLabels ?? []).map((l) => textWidth(l, 13) + 10));
  const top = 36 + (f.columnLabels ? 18 : 0), bottom = f.caption ? 30 : 10;
  const cell = (i: number, size: number) => (GAP + i * (size + GAP) + size / 2) * zoom;
  const png = Buffer.from(encodePng(grid)).toString('base64');
  const out = [text(12, 22, f.title, { size: 15, weight: 'bold' }),
    `<image x="${left}" y="${top}" width="${grid.width}" height="${grid.height}" style="image-rendering:pixelated" href="data:image/png;base64,${png}"/>`];
  f.columnLabels?.forEach((l, c) => out.push(text(left + cell(c, f.width), top - 6, l, { size: 12, anchor: 'middle' })));
  f.rowLabels?.forEach((l, r) => out.push(text(left - 8, top + cell(r, f.height), l, { size: 13, anchor: 'end', baseline: 'middle' })));
  const width = Math.max(left + grid.width + 12, 24 + textWidth(f.title, 15), 24 + (f.caption ? textWidth(f.caption, 12) : 0));
  // The caption centred under the grid, moved right as far as it must to start inside the figure.
  if (f.caption) out.push(text(Math.max(left + grid.width / 2, 12 + textWidth(f.caption, 12) / 2), top + grid.height + 20, f.caption, { size: 12, anchor: 'middle', fill: '#444' }));
  return svgDocument(Math.ceil(width), Math.ceil(top + grid.height + bottom), out);
}
