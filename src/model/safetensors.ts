// The safetensors format: u64 little-endian header length N, N bytes of JSON
// { name: { dtype, shape, data_offsets: [begin, end] }, __metadata__: { string: string } }, then
// the tensor bytes. The reader treats the file as hostile: every length, offset, dtype and shape
// is checked before any byte is read, and failures are FileFormatErrors with the byte offset.
import { FileFormatError } from '../errors.js';

export interface NamedTensor {
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsFile {
  tensors: Map<string, NamedTensor>;
  metadata: Record<string, string>;
}

const MAX_HEADER = 100 * 1024 * 1024;

/** Encodes F32 tensors (in the given order) and string metadata. */
export function encodeSafetensors(tensors: [string, NamedTensor][], metadata: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of tensors) {
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8); // keep the data 8-byte aligned (ASCII JSON)
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const [, t] of tensors) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}

/** Decodes an F32 safetensors file; `file` names it in errors. */
export function decodeSafetensors(bytes: Uint8Array, file: string): SafetensorsFile {
  if (bytes.length < 8) throw new FileFormatError(`truncated: ${bytes.length} bytes, a safetensors header length needs 8`, file, bytes.length);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(Math.min(MAX_HEADER, bytes.length - 8))) {
    throw new FileFormatError(`header length ${headerLength} runs past the end of the file (${bytes.length} bytes)`, file, 0);
  }
  const n = Number(headerLength);
  let header: unknown, text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
    header = JSON.parse(text);
  } catch (err) {
    throw new FileFormatError(`header is not valid UTF-8 JSON (${(err as Error).message})`, file, 8);
  }
  // JSON.parse keeps the last of two equal keys: a file naming a tensor twice would load one of
  // them silently.
  const duplicate = duplicateTopLevelKey(text);
  if (duplicate !== undefined) throw new FileFormatError(`tensor ${duplicate} is listed twice in the header`, file, 8);
  if (!header || typeof header !== 'object' || Array.isArray(header)) throw new FileFormatError('header is not a JSON object', file, 8);
  const dataStart = 8 + n, dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, NamedTensor>();
  const ranges: [number, number, string][] = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (!entry || typeof entry !== 'object' || Array.isArray(entry)) throw new FileFormatError('__metadata__ is not an object', file, 8);
      for (const [k, v] of Object.entries(entry)) {
        if (typeof v !== 'string') throw new FileFormatError(`metadata ${k} is not a string`, file, 8);
        metadata[k] = v;
      }
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (!e || typeof e !== 'object') throw new FileFormatError(`tensor ${name}: entry is not an object`, file, 8);
    if (e.dtype !== 'F32') throw new FileFormatError(`tensor ${name}: dtype ${String(e.dtype)}, only F32 is supported`, file, 8);
    const shape = e.shape, offsets = e.data_offsets;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new FileFormatError(`tensor ${name}: shape ${JSON.stringify(shape)} is not a list of sizes`, file, 8);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      throw new FileFormatError(`tensor ${name}: data_offsets ${JSON.stringify(offsets)} are not two byte offsets`, file, 8);
    }
    const [begin, end] = offsets as number[];
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end < begin || end > dataLength) {
      throw new FileFormatError(`tensor ${name}: data [${begin}, ${end}) lies outside the ${dataLength} data bytes`, file, dataStart + Math.min(begin, dataLength));
    }
    if (end - begin !== 4 * count) {
      throw new FileFormatError(`tensor ${name}: shape [${(shape as number[]).join(', ')}] needs ${4 * count} bytes, offsets give ${end - begin}`, file, dataStart + begin);
    }
    ranges.push([begin, end, name]);
    const copy = new Uint8Array(end - begin);
    copy.set(bytes.subarray(dataStart + begin, dataStart + end));
    tensors.set(name, { shape: shape as number[], data: new Float32Array(copy.buffer) });
  }
  ranges.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i][0] < ranges[i - 1][1]) {
      throw new FileFormatError(`tensors ${ranges[i - 1][2]} and ${ranges[i][2]} overlap`, file, dataStart + ranges[i][0]);
    }
  }
  return { tensors, metadata };
}

/** The first key that appears twice in the top-level object of a JSON text, if any. */
function duplicateTopLevelKey(text: string): string | undefined {
  const seen = new Set<string>();
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1) {
        let k = j + 1;
        while (k < text.length && ' \t\n\r'.includes(text[k])) k++;
        if (text[k] === ':') {
          const key = JSON.parse(text.slice(i, j + 1)) as string;
          if (seen.has(key)) return key;
          seen.add(key);
        }
      }
      i = j;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return undefined;
}
