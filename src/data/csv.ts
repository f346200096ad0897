// Numeric tables as CSV: one row per example, numeric columns (a Gaussian model's data), an
// optional header line and an optional label column. Every value is checked: a bad cell is a
// DataError naming its line and column.
import { ConfigError, DataError } from '../errors.js';

export interface CsvOptions {
  /** true: the first line names the columns; false: it is data; 'auto' (default): a header if any of its cells is not a number. */
  header?: boolean | 'auto';
  /** A column (name or 0-based index) of integer class labels, kept out of the data (default: none). */
  labelColumn?: string | number;
  /** The separator (default ','). */
  delimiter?: string;
}

export interface CsvTable {
  /** Rows × dim values, row after row. */
  data: Float32Array;
  rows: number;
  dim: number;
  /** The data columns' names (from the header, else 'column 1', …). */
  columns: string[];
  /** The label column's values, when one was named. */
  labels?: Int32Array;
}

const unquote = (cell: string) => cell.trim().replace(/^"(.*)"$/, '$1');

/** Parses CSV text of numbers (empty lines skipped). */
export function parseCsv(text: string, options: CsvOptions = {}, where = 'the CSV data'): CsvTable {
  const delimiter = options.delimiter ?? ',';
  const lines = text.split(/\r?\n/).map((line, i) => ({ line, number: i + 1 })).filter((l) => l.line.trim() !== '');
  if (lines.length === 0) throw new DataError(`${where}: no rows`);
  const first = lines[0].line.split(delimiter).map(unquote);
  const header = options.header === 'auto' || options.header === undefined ? first.some((c) => c === '' || !Number.isFinite(Number(c))) : options.header;
  const names = header ? first : first.map((_, i) => `column ${i + 1}`);
  const body = header ? lines.slice(1) : lines;
  if (body.length === 0) throw new DataError(`${where}: a header and no rows`);
  let label = -1;
  if (options.labelColumn !== undefined) {
    label = typeof options.labelColumn === 'number' ? options.labelColumn : names.indexOf(options.labelColumn);
    if (!Number.isInteger(label) || label < 0 || label >= names.length) {
      throw new ConfigError(`labelColumn ${JSON.stringify(options.labelColumn)} is not one of the ${names.length} columns (${names.slice(0, 8).join(', ')}${names.length > 8 ? ', …' : ''})`);
    }
  }
  const dim = names.length - (label >= 0 ? 1 : 0);
  const data = new Float32Array(body.length * dim), labels = label >= 0 ? new Int32Array(body.length) : undefined;
  body.forEach(({ line, number }, r) => {
    const cells = line.split(delimiter);
    if (cells.length !== names.length) throw new DataError(`${where}, line ${number}: ${cells.length} cells, expected ${names.length} like the first line`, r);
    let j = 0;
    cells.forEach((cell, c) => {
      const value = Number(unquote(cell));
      if (unquote(cell) === '' || !Number.isFinite(value)) {
        throw new DataError(`${where}, line ${number}, column ${c + 1} (${names[c]}): '${cell.trim()}' is not a finite number`, r, c);
      }
      if (c === label) {
        if (!Number.isInteger(value) || value < 0) throw new DataError(`${where}, line ${number}: label '${cell.trim()}' is not a class index (an integer >= 0)`, r, c);
        labels![r] = value;
      } else data[r * dim + j++] = value;
    });
  });
  return { data, rows: body.length, dim, columns: names.filter((_, c) => c !== label), ...(labels ? { labels } : {}) };
}
