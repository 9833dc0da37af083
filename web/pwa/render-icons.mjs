// Renders the PNG icons from the SVG sources in icons/, with the system Chromium (headless,
// through the end-to-end tests' playwright-core). The PNGs are committed: run this by hand
// after changing an SVG, from the repository root:
//
//   node web/pwa/render-icons.mjs
//
// Nothing is downloaded; the build only copies the committed files.

import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { launchBrowser } from '../../tests/harness.mjs';

const ICONS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'icons');

/** [source SVG, output PNG, size in pixels] */
const RENDERS = [
  ['icon.svg', 'icon-192.png', 192],
  ['icon.svg', 'icon-512.png', 512],
  ['maskable.svg', 'maskable-512.png', 512],
  // iOS rounds the corners itself and wants an opaque square.
  ['maskable.svg', 'apple-touch-icon.png', 180],
];

const browser = await launchBrowser();
try {
  for (const [source, output, size] of RENDERS) {
    const svg = await readFile(path.join(ICONS, source), 'utf8');
    const page = await browser.newPage({ viewport: { width: size, height: size }, deviceScaleFactor: 1 });
    const src = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
    await page.setContent(
      `<!DOCTYPE html><style>html,body{margin:0;background:transparent}img{display:block}</style>` +
        `<img src="${src}" width="${size}" height="${size}" alt="">`,
    );
    await page.waitForFunction(() => document.querySelector('img').complete);
    const png = await page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } });
    await writeFile(path.join(ICONS, output), png);
    await page.close();
    console.log(`${output}: ${size}×${size} from ${source}`);
  }
} finally {
  await browser.close();
}
