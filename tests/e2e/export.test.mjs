// Any view can be exported as SVG for slides: an SVG figure with its computed styles written
// in, an HTML view wrapped in foreignObject; both are well-formed standalone SVG files. And the
// print stylesheet keeps the chapter and the views and drops the controls.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';

import { launchBrowser, newPage, serveDist, waitForApp } from '../harness.mjs';

let server;
let browser;

before(async () => {
  server = await serveDist();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function open(hash) {
  const tab = await newPage(browser);
  await tab.page.goto(server.url + hash, { waitUntil: 'load' });
  await waitForApp(tab.page);
  await tab.page.waitForSelector('h1');
  return tab;
}

/** Opens the export panel, exports the card with this title id; the file's name and text. */
async function exportCard(page, titleId) {
  await page.click('#export-svg > summary');
  const button = page.locator(`#export-svg button[data-export="${titleId}"]`);
  await button.waitFor();
  const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
  const file = await download.path();
  return { name: download.suggestedFilename(), text: await readFile(file, 'utf8') };
}

/** Parses SVG text in the page: the root's name, and whether the parser found an error. */
function parse(page, text) {
  return page.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    return {
      error: doc.querySelector('parsererror')?.textContent ?? null,
      root: doc.documentElement.localName,
      ns: doc.documentElement.namespaceURI,
      title: doc.querySelector('title')?.textContent,
      styledRects: [...doc.querySelectorAll('rect')].filter((r) => /fill:/.test(r.getAttribute('style') ?? '')).length,
      foreign: doc.querySelectorAll('foreignObject').length,
    };
  }, text);
}

test('the address-space figure exports as a standalone, styled SVG', async () => {
  const { page, problems, close } = await open('#/why-highmem');
  try {
    const { name, text } = await exportCard(page, 'vmap-title');
    assert.equal(name, 'highmem-lab-vmap.svg');
    assert.ok(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg'), text.slice(0, 80));
    const svg = await parse(page, text);
    assert.equal(svg.error, null);
    assert.equal(svg.root, 'svg');
    assert.equal(svg.ns, 'http://www.w3.org/2000/svg');
    assert.equal(svg.title, 'Virtual address space · Highmem Lab');
    assert.ok(svg.styledRects >= 5, `${svg.styledRects} rectangles carry their fill`);
    // The figure's own labels are in it: the region names the page shows.
    assert.match(text, /vmalloc/);
    assert.match(await page.textContent('#export-svg [role=status]'), /Saved “Virtual address space” as highmem-lab-vmap\.svg/);
    assert.deepEqual(problems(), []);
  } finally {
    await close();
  }
});

test('an HTML view (the TLBs) exports wrapped in foreignObject', async () => {
  const { page, problems, close } = await open('#/paging');
  try {
    const { name, text } = await exportCard(page, 'tlb-title');
    assert.equal(name, 'highmem-lab-tlb.svg');
    const svg = await parse(page, text);
    assert.equal(svg.error, null);
    assert.equal(svg.root, 'svg');
    assert.equal(svg.foreign, 1);
    assert.match(text, /xmlns="http:\/\/www\.w3\.org\/1999\/xhtml"/);
    assert.match(text, /TLBs/);
    assert.deepEqual(problems(), []);
  } finally {
    await close();
  }
});

test('printing keeps the chapter and the views, without controls', async () => {
  const { page, close } = await open('#/pkmap');
  try {
    await page.emulateMedia({ media: 'print' });
    const shown = (sel) => page.$eval(sel, (e) => getComputedStyle(e).display !== 'none');
    assert.equal(await shown('article.chapter h1'), true);
    assert.equal(await shown('#pkmap-title'), true);
    assert.equal(await shown('#lab .machine'), false);
    assert.equal(await shown('#export-svg'), false);
    assert.equal(await shown('.toc'), false);
    await page.emulateMedia({ media: 'screen' });
    assert.equal(await shown('#lab .machine'), true);
  } finally {
    await close();
  }
});
