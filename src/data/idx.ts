// IDX files (the MNIST format): magic 0x0000 TT NN (TT = 0x08 unsigned byte, NN = dimensions),
// NN big-endian u32 sizes, then the values. Every check names the file and the byte offset.
import { FileFormatError } from '../errors.js';

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const UBYTE = 0x08;

/**
 * Largest IDX file read (1 GiB): the data must fit in WebAssembly's 4 GiB memory beside the model.
 * (EMNIST's largest split, 697,932 images of 28×28, is 547 MB.)
 */
export const MAX_IDX_BYTES = 1024 ** 3;

export interface IdxHeader {
  dims: number[];
  /** Bytes of the header, and of the whole file it describes. */
  headerBytes: number;
  totalBytes: number;
}

/**
 * Reads an IDX header from the first bytes of a file (the whole file, or the start of its
 * decompressed data): undefined while `bytes` is too short to hold it; FileFormatError for a bad
 * magic, type or dimension count, a zero dimension, a first dimension above `maxCount` (labels for
 * more images than there are), or data beyond MAX_IDX_BYTES.
 */
export function readIdxHeader(bytes: Uint8Array, file: string, expectDims?: number, maxCount = Infinity): IdxHeader | undefined {
  if (bytes.length < 4) return undefined;
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
  if (bytes.length < headerBytes) return undefined;
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i);
    if (d === 0) throw new FileFormatError(`dimension ${i} is 0`, file, 4 + 4 * i);
    dims.push(d);
    count *= d;
  }
  if (dims[0] > maxCount) throw new FileFormatError(`header claims ${dims[0]} entries, but there are only ${maxCount} to match`, file, 4);
  if (count > MAX_IDX_BYTES) {
    throw new FileFormatError(`header [${dims.join('×')}] claims ${count} bytes of data; files above ${MAX_IDX_BYTES} bytes (1 GiB) are refused`, file, 4);
  }
  return { dims, headerBytes, totalBytes: headerBytes + count };
}

/** Parses an uncompressed IDX file of unsigned bytes; `expectDims` checks the dimension count. */
export function parseIdx(bytes: Uint8Array, file: string, expectDims?: number, maxCount?: number): IdxArray {
  const header = readIdxHeader(bytes, file, expectDims, maxCount);
  if (!header) {
    const need = bytes.length < 4 ? 'an IDX header needs at least 4' : `${bytes[3]} dimensions need ${4 + 4 * bytes[3]}`;
    throw new FileFormatError(`truncated${bytes.length >= 4 ? ' header' : ''}: ${bytes.length} bytes, ${need}`, file, bytes.length);
  }
  const { dims, headerBytes, totalBytes: expected } = header;
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
