// Embedding, driven in Chromium against the built site: embed mode shows one view and nothing
// else; a host page on another loopback origin frames it and drives the postMessage protocol
// (ready, height, set-state, run, refused ops, reset); a page whose origin is not allowed is
// neither heard nor told anything; the <highmem-lab> element works on the host page; and the
// "Embed this" dialog is keyboard-operable and writes the snippets.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';

import { launchBrowser, newPage, serveDist, waitForApp } from '../harness.mjs';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const DOCS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs');

let site; // the lab
let host; // a course page, on another port: another origin
let other; // a page whose origin the embed does not allow
let browser;
let hostDir;
let otherDir;

/** What every host page runs: it records the messages it receives and can send some. */
const HOST_JS = `
window.received = [];
window.addEventListener('message', (e) => {
  window.received.push({ origin: e.origin, data: e.data, fromLab: e.source === document.getElementById('lab')?.contentWindow });
});
window.send = (msg) => {
  const f = document.getElementById('lab');
  f.contentWindow.postMessage(msg, new URL(f.src).origin);
};
`;

function page(body) {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>A course page</title>
<script src="host.js"></script></head><body><h1>A course page</h1>${body}</body></html>`;
}

before(async () => {
  site = await serveDist();
  hostDir = await mkdtemp(path.join(os.tmpdir(), 'hmlab-host-'));
  otherDir = await mkdtemp(path.join(os.tmpdir(), 'hmlab-other-'));
  host = await serveDist(hostDir);
  other = await serveDist(otherDir);
  const hostOrigin = new URL(host.url).origin;
  for (const dir of [hostDir, otherDir]) await writeFile(path.join(dir, 'host.js'), HOST_JS);
  const state = 'v=1&s=machine+profile=2.6.24+ram=1G+cpus=1~task+A+cpu=0';
  await writeFile(
    path.join(hostDir, 'index.html'),
    page(`<iframe id="lab" title="Highmem Lab" width="600" height="300"
      src="${site.url}?embed=1&amp;view=pkmap&amp;origins=${hostOrigin}&amp;${state.replace(/&/g, '&amp;')}"></iframe>`),
  );
  await writeFile(
    path.join(hostDir, 'element.html'),
    page(`<script src="${site.url}highmem-lab.js"></script>
      <highmem-lab id="el" view="kmap-slots" script="machine profile=6.1 ram=2G cpus=1
task A cpu=0"></highmem-lab>`),
  );
  // The other page frames the lab allowing only the host's origin, not its own.
  await writeFile(
    path.join(otherDir, 'index.html'),
    page(`<iframe id="lab" title="Highmem Lab" width="600" height="300"
      src="${site.url}?embed=1&amp;view=outcome&amp;origins=${hostOrigin}"></iframe>`),
  );
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await Promise.all([site, host, other].map((s) => s?.close()));
});

/** The lab's frame in a host page, once its app has started. */
async function labFrame(page) {
  const handle = await page.waitForSelector('#lab');
  const frame = await handle.contentFrame();
  await waitForApp(frame);
  await frame.waitForSelector('main.embed');
  return frame;
}

/**
 * Waits for a message from the lab, after index `from`, whose fields equal those of `want`
 * (`scriptHas` looks into `state.script`, `profile` at `state.profile`); returns it. Without
 * `subject`, only protocol messages (`source: 'highmem-lab', version: 1`) match.
 */
async function message(page, want, from = 0) {
  const handle = await page.waitForFunction(
    ([want, from]) => {
      const ok = (m) =>
        m &&
        typeof m === 'object' &&
        (want.subject !== undefined || (m.source === 'highmem-lab' && m.version === 1)) &&
        Object.entries(want).every(([k, v]) =>
          k === 'scriptHas' ? m.state?.script?.includes(v) : k === 'profile' ? m.state?.profile === v : m[k] === v,
        );
      return window.received.slice(from).find((r) => r.fromLab && ok(r.data))?.data ?? false;
    },
    [want, from],
    { timeout: 30_000 },
  );
  return handle.jsonValue();
}

test('embed mode shows the chosen view and nothing else', async () => {
  for (const [view, selector] of [
    ['pkmap', '#pkmap [role=grid]'],
    ['tlb', '#tlb'],
    ['virtual-map', 'svg.vmap-svg'],
    ['call-graph', '.graph-section'],
  ]) {
    const tab = await newPage(browser);
    try {
      const { page } = tab;
      await page.goto(`${site.url}?embed=1&view=${view}`);
      await waitForApp(page);
      await page.waitForSelector(`main.embed[data-view="${view}"]`);
      await page.waitForSelector(selector);
      for (const chrome of ['.masthead', '.toc', 'article.chapter', '#share', 'footer', '.skip-link', '#scenarios-title']) {
        assert.equal(await page.locator(chrome).count(), 0, `${view}: ${chrome}`);
      }
      assert.equal(await page.locator('h1').count(), 1);
      // Embedded, the URL is left as it is (the frame may be reloaded).
      assert.match(page.url(), /embed=1/);
      // No messaging without origins=, and so nothing posted.
      assert.deepEqual(tab.problems(), []);
    } finally {
      await tab.close();
    }
  }
  // A state the lab refuses, embedded: the view, the default state and the notice.
  {
    const tab = await newPage(browser);
    try {
      await tab.page.goto(`${site.url}?embed=1&view=tlb#?v=1&s=machine+profile=9.9+ram=1G`);
      await waitForApp(tab.page);
      await tab.page.waitForSelector('main.embed[data-view="tlb"] #tlb');
      assert.match(await tab.page.textContent('#link-notice'), /unknown profile '9\.9'/);
      assert.match(await tab.page.textContent('.embed-kernel'), /6\.1/);
      assert.deepEqual(tab.problems(), []);
    } finally {
      await tab.close();
    }
  }
  // An unknown view: the notice, in the full page.
  const tab = await newPage(browser);
  try {
    await tab.page.goto(`${site.url}?embed=1&view=nope`);
    await waitForApp(tab.page);
    await tab.page.waitForSelector('#link-notice');
    assert.match(await tab.page.textContent('#link-notice'), /no view 'nope'.*pkmap/);
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
  }
});

test('a host page on another origin drives the protocol', async () => {
  const tab = await newPage(browser);
  try {
    const { page } = tab;
    await page.goto(host.url);
    const frame = await labFrame(page);
    const ready = await message(page, { type: 'ready' });
    assert.equal(ready.view, 'pkmap');
    assert.equal(ready.state.script, 'machine profile=2.6.24 ram=1G pae=on highmem=on cpus=1\ntask A cpu=0\n');
    assert.equal(ready.state.step, 1);
    assert.match(ready.state.link, /#\/pkmap\?v=1&s=machine\+profile=2\.6\.24/);
    const height = await message(page, { type: 'height' });
    assert.ok(height.height > 100, `height ${height.height}`);
    const lti = await message(page, { subject: 'lti.frameResize' });
    assert.equal(lti.height, height.height);
    // Every message came from the lab's origin.
    const origins = await page.evaluate(() => [...new Set(window.received.map((r) => r.origin))]);
    assert.deepEqual(origins, [new URL(site.url).origin]);

    // set-state: a script and a step.
    let mark = await page.evaluate(() => window.received.length);
    await page.evaluate(() =>
      window.send({
        source: 'highmem-lab', version: 1, type: 'set-state', id: 's1',
        state: { script: 'machine profile=2.6.32 ram=1G cpus=1\ntask A cpu=0\nkmap A pfn=0x3f000\nkmap A pfn=0x3f001\n', step: 2 },
      }),
    );
    const done = await message(page, { type: 'done', id: 's1' }, mark);
    assert.equal(done.request, 'set-state');
    const changed = await message(page, { type: 'state' }, mark);
    assert.equal(changed.state.step, 2);
    assert.match(changed.state.script, /profile=2\.6\.32/);
    await frame.waitForFunction(() => [...document.querySelectorAll('#pkmap [role=gridcell]')].filter((c) => c.dataset.count === '2').length === 1);

    // run: one op by its script text.
    mark = await page.evaluate(() => window.received.length);
    await page.evaluate(() => window.send({ source: 'highmem-lab', version: 1, type: 'run', id: 'r1', op: 'kmap A pfn=0x3f002' }));
    const ran = await message(page, { id: 'r1' }, mark);
    assert.equal(ran.type, 'done');
    assert.equal(ran.result, 'ok');
    assert.match(ran.value, /^0x[0-9a-f]+$/);
    const after = await message(page, { type: 'state', scriptHas: '0x3f002' }, mark);
    assert.equal(after.state.step, 3, 'a new op drops what was left to redo');
    await frame.waitForFunction(() => [...document.querySelectorAll('#pkmap [role=gridcell]')].filter((c) => c.dataset.count === '2').length === 2);

    // Refused: by the parser, by the model, an unknown request, a wrong version.
    const refusals = [
      [{ type: 'run', id: 'e1', op: 'kmap B pfn=0x1' }, /no task 'B'/],
      [{ type: 'run', id: 'e2', op: 'kmap A pfn=1\nflush_tlb_all' }, /one op/],
      [{ type: 'run', id: 'e3' }, /needs op/],
      [{ type: 'launch', id: 'e4' }, /unknown request 'launch'/],
      [{ type: 'run', id: 'e5', version: 2, op: 'flush_tlb_all' }, /version 1/],
      [{ type: 'set-state', id: 'e6', state: { script: 'machine profile=9 ram=1G' } }, /unknown profile/],
    ];
    for (const [msg, expect] of refusals) {
      mark = await page.evaluate(() => window.received.length);
      await page.evaluate((m) => window.send({ source: 'highmem-lab', version: 1, ...m }), msg);
      const err = await message(page, { type: 'error', id: msg.id }, mark);
      assert.equal(err.id, msg.id);
      assert.match(err.message, expect);
    }
    // The model's refusal: interrupts nest at most so deep.
    let refused;
    for (let i = 0; i < 12 && !refused; i++) {
      mark = await page.evaluate(() => window.received.length);
      await page.evaluate((i) => window.send({ source: 'highmem-lab', version: 1, type: 'run', id: `i${i}`, op: 'irq_enter cpu=0' }), i);
      const r = await message(page, { id: `i${i}` }, mark);
      if (r.type === 'error') refused = r;
    }
    assert.match(refused?.message ?? '', /refuses/);
    // Nothing refused changed the state: the last state message still has 3 + the irqs.
    // Messages without our source, or echoes of our own types, get no reply.
    mark = await page.evaluate(() => window.received.length);
    await page.evaluate(() => {
      window.send({ type: 'run', op: 'flush_tlb_all', id: 'x1' });
      window.send({ source: 'highmem-lab', version: 1, type: 'state', id: 'x2' });
      window.send('run flush_tlb_all');
      window.send({ source: 'highmem-lab', version: 1, type: 'get-state', id: 'g1' });
    });
    const got = await message(page, { id: 'g1' }, mark);
    assert.equal(got.type, 'done');
    assert.match(got.state.script, /0x3f002/);
    const replies = await page.evaluate((mark) => window.received.slice(mark).filter((r) => ['x1', 'x2'].includes(r.data?.id)).length, mark);
    assert.equal(replies, 0);

    // reset: back to the iframe's URL.
    mark = await page.evaluate(() => window.received.length);
    await page.evaluate(() => window.send({ source: 'highmem-lab', version: 1, type: 'reset', id: 'z' }));
    const reset = await message(page, { type: 'state', profile: '2.6.24' }, mark);
    assert.equal(reset.state.step, 1);
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
  }
});

test('a page whose origin is not allowed is neither heard nor told anything', async () => {
  const tab = await newPage(browser);
  try {
    const { page } = tab;
    await page.goto(other.url);
    const frame = await labFrame(page);
    await frame.waitForSelector('#outcome');
    // A listener of the test's in the frame, added after the app's: once it has heard both
    // messages, the app has handled them (and a frame later, rendered what they did).
    await frame.evaluate(() => {
      window.heard = 0;
      window.addEventListener('message', () => (window.heard += 1));
    });
    await page.evaluate(() => {
      window.send({ source: 'highmem-lab', version: 1, type: 'run', id: 'r', op: 'task A cpu=0' });
      window.send({ source: 'highmem-lab', version: 1, type: 'set-state', id: 's', state: { script: 'machine profile=2.4.22 ram=1G' } });
    });
    await frame.waitForFunction(() => window.heard === 2);
    await frame.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0))));
    assert.equal(await frame.locator('#history li').count(), 0);
    assert.doesNotMatch(await frame.textContent('.embed-kernel'), /2\.4\.22/);
    assert.deepEqual(await page.evaluate(() => window.received.filter((r) => r.fromLab)), []);
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
  }
});

test('the <highmem-lab> element frames a view, sizes it and speaks the protocol', async () => {
  const tab = await newPage(browser);
  try {
    const { page } = tab;
    await page.goto(`${host.url}element.html`);
    await page.evaluate(() => {
      window.events = [];
      for (const t of ['ready', 'state', 'error']) {
        document.addEventListener(`highmem-lab-${t}`, (e) => window.events.push({ type: t, detail: e.detail }));
      }
    });
    const iframe = await page.waitForSelector('highmem-lab iframe');
    const frame = await iframe.contentFrame();
    await waitForApp(frame);
    await frame.waitForSelector('main.embed[data-view="kmap-slots"]');
    assert.match(frame.url(), new RegExp(`origins=${encodeURIComponent(new URL(host.url).origin)}`));
    // Sized to the view's height, not the element's default.
    await page.waitForFunction(() => {
      const f = document.querySelector('highmem-lab').shadowRoot.querySelector('iframe');
      return f.style.height !== '480px' && parseInt(f.style.height, 10) > 100;
    });
    const result = await page.evaluate(() => document.getElementById('el').run('kmap_local A pfn=0x40000'));
    assert.equal(result.result, 'ok');
    await frame.waitForFunction(() => document.querySelector('#kmap-slots')?.textContent.includes('0x40000'));
    const error = await page.evaluate(() => document.getElementById('el').run('nonsense').then(() => 'resolved', (e) => e.message));
    assert.match(error, /unknown op|nonsense/);
    const state = await page.evaluate(() => document.getElementById('el').getState());
    assert.match(state.script, /kmap_local A pfn=0x40000/);
    await page.waitForFunction(() => window.events.some((e) => e.type === 'state'));
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
  }
});

test('the "Embed this" dialog works from the keyboard and writes the snippets', async () => {
  const tab = await newPage(browser);
  try {
    const { page } = tab;
    await page.goto(`${site.url}#/pkmap`);
    await waitForApp(page);
    await page.waitForSelector('#embed-this');
    await page.focus('#embed-this');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#embed-dialog[open]');
    assert.equal(await page.evaluate(() => document.activeElement?.closest('dialog')?.id), 'embed-dialog');
    assert.equal(await page.inputValue('#embed-view'), 'pkmap');
    const iframe = await page.inputValue('#embed-iframe');
    assert.match(iframe, /^<iframe src="http:\/\/127\.0\.0\.1:\d+\/\?embed=1&amp;view=pkmap&amp;v=1&amp;s=machine\+profile=6\.1/);
    await page.fill('#embed-origins', 'https://course.example, nope');
    await page.waitForFunction(() => document.querySelector('#embed-iframe').value.includes('origins=https://course.example'));
    assert.match(await page.textContent('#embed-origins-error'), /nope/);
    await page.selectOption('#embed-view', 'fixmap');
    const element = await page.inputValue('#embed-element');
    assert.match(element, /<script src="http:\/\/127\.0\.0\.1:\d+\/highmem-lab\.js" defer><\/script>\n<highmem-lab view="fixmap" params="v=1&amp;s=/);
    // axe on the open dialog.
    await page.addScriptTag({ path: AXE });
    const violations = await page.evaluate(async () => {
      const r = await window.axe.run(document.getElementById('embed-dialog'), { resultTypes: ['violations'] });
      return r.violations.filter((v) => ['serious', 'critical'].includes(v.impact)).map((v) => v.id);
    });
    assert.deepEqual(violations, []);
    await page.keyboard.press('Escape');
    await page.waitForSelector('#embed-dialog:not([open])', { state: 'attached' });
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'embed-this');
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
  }
});

test('an embedded view has no accessibility violations (axe-core)', async () => {
  for (const view of ['pkmap', 'kmap-slots', 'page-walk']) {
    const tab = await newPage(browser, { colorScheme: 'dark' });
    try {
      const { page } = tab;
      await page.goto(`${site.url}?embed=1&view=${view}`);
      await waitForApp(page);
      await page.waitForSelector('main.embed');
      await page.addScriptTag({ path: AXE });
      const violations = await page.evaluate(async () => {
        const r = await window.axe.run(document, { resultTypes: ['violations'] });
        return r.violations.filter((v) => ['serious', 'critical'].includes(v.impact)).map((v) => `${v.id}: ${v.nodes[0]?.target}`);
      });
      assert.deepEqual(violations, [], view);
      assert.deepEqual(tab.problems(), []);
    } finally {
      await tab.close();
    }
  }
});

test('the example course page (docs/embed-example.html) embeds two views that answer its buttons', async () => {
  // The example names the lab at 127.0.0.1:8080 and itself at 127.0.0.1:8081; here both are
  // served on other ports, so those two addresses are replaced.
  const lab = new URL(site.url).origin;
  const self = new URL(host.url).origin;
  for (const name of ['embed-example.html', 'embed-example.js', 'embed-example.css']) {
    const text = await readFile(path.join(DOCS, name), 'utf8');
    await writeFile(
      path.join(hostDir, name),
      text.replaceAll('http://127.0.0.1:8080', lab).replaceAll('http://127.0.0.1:8081', self),
    );
  }
  const tab = await newPage(browser);
  try {
    const { page } = tab;
    await page.goto(`${host.url}embed-example.html`);
    await page.waitForFunction(() => document.getElementById('pkmap-status').textContent.startsWith('Ready: Linux 2.6.24'), null, { timeout: 30_000 });
    await page.click('button[data-op="kmap A pfn=0x50001"]');
    await page.waitForFunction(() => /^ok → 0x/.test(document.getElementById('pkmap-status').textContent));
    await page.click('button[data-op="kunmap A pfn=0x60000"]');
    await page.waitForFunction(() => document.getElementById('pkmap-status').textContent === 'bug');
    // The iframe was resized to the view.
    assert.notEqual(await page.evaluate(() => document.getElementById('pkmap-frame').style.height), '');
    // The element: its second local map is unmapped.
    const el = await page.waitForSelector('highmem-lab iframe');
    const frame = await el.contentFrame();
    await waitForApp(frame);
    await frame.waitForSelector('main.embed[data-view="kmap-slots"]');
    await page.waitForFunction(() => document.getElementById('slots').shadowRoot.querySelector('iframe').style.height !== '480px');
    await page.click('#local-unmap');
    await page.waitForFunction(() => /^ok/.test(document.getElementById('slots-status').textContent));
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
  }
});
