// NumPy's .npy format (version 1.0–3.0, numpy.lib.format): a magic string, a header dict giving
// dtype, order and shape, then the values. Read: little-endian float32, float64 (read as float32)
// and uint8, C order; written: float32 and int32, for embeddings and arrays people load with numpy.load.
import { DataError } from '../errors.js';

/** An n-dimensional array: its shape and its values in C (row-major) order. */
export interface NpyArray {
  shape: number[];
  /** float32 and float64 files give float32 values; uint8 files give bytes (models read them as byte/255). */
  data: Float32Array | Uint8Array;
  /** The file's dtype: '<f4', '<f8' or '|u1'. */
  dtype: string;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

/** Parses .npy bytes; DataError says what was expected and what the file holds (`where` names it). */
export function parseNpy(bytes: Uint8Array, where = 'the .npy data'): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new DataError(`${where}: not a .npy file (no \\x93NUMPY magic)`);
  const major = bytes[6];
  if (major < 1 || major > 3) throw new DataError(`${where}: .npy version ${major}.${bytes[7]} (versions 1 to 3 are read)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : bytes.length >= 12 ? view.getUint32(8, true) : Infinity;
  const start = major === 1 ? 10 : 12;
  if (start + headerLength > bytes.length) throw new DataError(`${where}: its header says ${headerLength} bytes but the file ends before them`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLength));
  const dtype = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (dtype === undefined || fortran === undefined || shapeText === undefined) throw new DataError(`${where}: a header without descr, fortran_order and shape: ${header.trim()}`);
  if (fortran === 'True') throw new DataError(`${where}: Fortran-ordered arrays are not read (save with np.ascontiguousarray)`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) throw new DataError(`${where}: shape (${shapeText}) is not a tuple of sizes`);
  const size = shape.reduce((a, b) => a * b, 1);
  const width = dtype === '<f4' ? 4 : dtype === '<f8' ? 8 : dtype === '|u1' || dtype === '<u1' ? 1 : 0;
  if (!width) throw new DataError(`${where}: dtype ${dtype} is not read (float32 '<f4', float64 '<f8' or uint8 '|u1' are)`);
  const offset = start + headerLength, need = size * width;
  if (bytes.length - offset !== need) throw new DataError(`${where}: shape (${shape.join(', ')}) of ${dtype} needs ${need} bytes of values, the file has ${bytes.length - offset}`);
  const body = bytes.slice(offset); // aligned copy
  const data = width === 1 ? body : width === 4 ? new Float32Array(body.buffer) : Float32Array.from(new Float64Array(body.buffer));
  return { shape, data, dtype: width === 1 ? '|u1' : dtype };
}

/** .npy bytes (version 1.0, C order) of float32 or int32 values with `shape`. */
export function encodeNpy(data: Float32Array | Int32Array, shape: number[]): Uint8Array {
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== data.length) throw new DataError(`encodeNpy: shape (${shape.join(', ')}) holds ${size} values, got ${data.length}`);
  const descr = data instanceof Float32Array ? '<f4' : '<i4';
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims}), }`;
  // The header is padded with spaces and ends in \n so that the values start on a 64-byte boundary.
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const out = new Uint8Array(10 + header.length + 4 * data.length);
  out.set(MAGIC);
  out[6] = 1;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}
