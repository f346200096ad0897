// Node-only helpers: PNG output and atomic file writes.
export { gridImage, upscale, encodeGrayPng, type Gray } from './images.js';
export { writeFileAtomic } from './platform.node.js';
