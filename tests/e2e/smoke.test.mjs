// Smoke test: the built site loads from a loopback server, has a title, logs no errors
// and never reaches beyond 127.0.0.1.

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { DIST_DIR, launchBrowser, newPage, serveDist, waitForApp } from '../harness.mjs';

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

test('the built site loads with a title, no errors and no outside requests', async () => {
  const tab = await newPage(browser);
  try {
    const response = await tab.page.goto(server.url, { waitUntil: 'load' });
    assert.equal(response?.status(), 200, 'index.html is served');
    await waitForApp(tab.page); // the wasm module loaded and main() ran
    await tab.page.waitForLoadState('networkidle');

    const title = await tab.page.title();
    assert.ok(title.trim().length > 0, 'the document has a title');

    assert.deepEqual(tab.consoleErrors, [], 'no console errors');
    assert.deepEqual(tab.pageErrors, [], 'no uncaught page errors');
    assert.deepEqual(tab.blockedRequests, [], 'no request left 127.0.0.1');
    assert.deepEqual(tab.failedRequests, [], 'no failed requests');
  } finally {
    await tab.close();
  }
});

test('the site also runs from a sub-path (relative URLs)', async () => {
  // Serve the parent directory, so the site sits under /<dist dir name>/.
  const parent = await serveDist(path.dirname(DIST_DIR));
  const tab = await newPage(browser);
  try {
    const url = `${parent.url}${encodeURIComponent(path.basename(DIST_DIR))}/`;
    const response = await tab.page.goto(url, { waitUntil: 'load' });
    assert.equal(response?.status(), 200);
    await waitForApp(tab.page);
    await tab.page.waitForLoadState('networkidle');
    assert.deepEqual(tab.problems(), [], 'no errors, no failed or outside requests');
  } finally {
    await tab.close();
    await parent.close();
  }
});
