// IDX files (the MNIST format): magic 0x0000 TT NN (TT = 0x08 unsigned byte, NN = dimensions),
// NN big-endian u32 sizes, then the values. Every check names the file and the byte offset.
import { FileFormatError } from '../errors.js';

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const UBYTE = 0x08;

/** Parses an uncompressed IDX file of unsigned bytes; `expectDims` checks the dimension count. */
export function parseIdx(bytes: Uint8Array, file: string, expectDims?: number): IdxArray {
  if (bytes.length < 4) throw new FileFormatError(`truncated: ${bytes.length} bytes, an IDX header needs at least 4`, file, bytes.length);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new FileFormatError(`bad magic 0x${view.getUint32(0).toString(16).padStart(8, '0')}: not an IDX file (expected 0x0000 08 NN)`, file, 0);
  }
  if (bytes[2] !== UBYTE) throw new FileFormatError(`value type 0x${bytes[2].toString(16)} is not supported (expected 0x08, unsigned byte)`, file, 2);
  const ndims = bytes[3];
  if (ndims === 0 || (expectDims !== undefined && ndims !== expectDims)) {
    const magic = 0x800 + ndims;
    throw new FileFormatError(`magic ${magic} means ${ndims} dimensions, expected ${expectDims ?? '>= 1'}`
      + (expectDims === 3 ? ' (2051, an image file)' : expectDims === 1 ? ' (2049, a label file)' : ''), file, 3);
  }
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) throw new FileFormatError(`truncated header: ${bytes.length} bytes, ${ndims} dimensions need ${headerBytes}`, file, bytes.length);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i);
    if (d === 0) throw new FileFormatError(`dimension ${i} is 0`, file, 4 + 4 * i);
    dims.push(d);
    count *= d;
  }
  const expected = headerBytes + count;
  if (bytes.length < expected) {
    throw new FileFormatError(`truncated: header [${dims.join('×')}] needs ${expected} bytes, file has ${bytes.length}`, file, bytes.length);
  }
  if (bytes.length > expected) {
    throw new FileFormatError(`${bytes.length - expected} unexpected bytes after the data of [${dims.join('×')}]`, file, expected);
  }
  return { dims, data: bytes.subarray(headerBytes, expected) };
}

/** True when the bytes start with the gzip signature. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}
