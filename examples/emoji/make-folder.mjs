// Makes an image folder of the Twemoji images shipped in the npm package emoji-datasource-twitter
// (64×64 RGBA PNGs, graphics CC-BY 4.0 by Twitter/X), one sub-folder per Unicode category, as
// loadImageFolder and `wasm-vae train --images` read them. Skin-tone variants and the Component
// category (the tone swatches) are left out. Links to the files rather than copying them.
// Usage: node examples/emoji/make-folder.mjs OUT [--per-category N]
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { 'per-category': { type: 'string' } } });
if (positionals.length !== 1) {
  console.error('usage: node examples/emoji/make-folder.mjs OUT [--per-category N]');
  process.exit(2);
}
const out = positionals[0], perCategory = values['per-category'] === undefined ? Infinity : Number(values['per-category']);
/** The category folders and files of the package's base emoji, sorted by the package's order. */
function emojiImages(limit = Infinity) {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('emoji-datasource-twitter/package.json'));
  const list = require('emoji-datasource-twitter/emoji.json');
  const byCategory = new Map();
  for (const e of [...list].sort((a, b) => a.sort_order - b.sort_order)) {
    if (!e.has_img_twitter || e.category === 'Component') continue;
    const folder = e.category.toLowerCase().replace(/[^a-z]+/g, '-');
    const files = byCategory.get(folder) ?? [];
    if (files.length < limit) files.push(join(root, 'img', 'twitter', '64', e.image));
    byCategory.set(folder, files);
  }
  return byCategory;
}

let n = 0;
for (const [folder, files] of emojiImages(perCategory)) {
  mkdirSync(join(out, folder), { recursive: true });
  for (const file of files) {
    const link = join(out, folder, file.split('/').pop());
    if (!existsSync(link)) symlinkSync(file, link);
    n++;
  }
}
console.log(`${n} emoji images in ${out} (one folder per category)`);
