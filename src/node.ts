// Node-only helpers: PNG output, atomic file writes, and folders of images as training rows.
export { gridImage, upscale, encodePng, encodeGrayPng, type Gray, type Picture } from './images.js';
export { writeFileAtomic } from './platform.node.js';
export { loadImageFolder, type ImageFolder, type ImageFolderOptions, type ImageSplit } from './data/image-folder.js';
export { loadNpy, loadCsv } from './data/table-files.js';
