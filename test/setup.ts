// Lets the relaxed-SIMD build validate on Node 20 (flag must be set before any compile), so the
// kernel tests can check both builds. Node >= 22 accepts relaxed SIMD without it.
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--experimental-wasm-relaxed-simd');

// No test may reach the internet: any download goes to a closed loopback port unless a test
// names its own local mirror.
process.env.WASM_VAE_MIRRORS ??= 'http://127.0.0.1:9/';
