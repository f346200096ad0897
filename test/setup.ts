// Lets the relaxed-SIMD build validate on Node 20 (flag must be set before any compile), so the
// kernel tests can check both builds. Node >= 22 accepts relaxed SIMD without it.
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--experimental-wasm-relaxed-simd');
