// "Predict, then check": the questions at the end of the chapters, in Chromium against the
// built site. The answers are not stored anywhere: the page runs each experiment on a copy of
// the live machine, so the test checks them against hmsim running the same experiment, and
// checks that an answer follows the machine when the reader changes it.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launchBrowser, newPage, runHmsim, serveDist, waitForApp } from '../harness.mjs';

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

/** The page's machine and history, as its outcome card exports them (once there is one). */
async function exportedScript(page) {
  await page.evaluate(() => {
    const d = document.querySelector('#outcome .as-script');
    if (d) d.open = true;
  });
  return (await page.textContent('#outcome pre.script')).trim();
}

/** `hmsim run - --json` of a script. */
async function hmsim(script) {
  const { code, stdout, stderr } = await runHmsim(['run', '-', '--json'], { input: script + '\n' });
  assert.equal(code, 0, stderr);
  return JSON.parse(stdout);
}

/** Submits a typed prediction for question `id`; the verdict card's text and the answer. */
async function predict(page, id, text) {
  const q = page.locator(`#${id}`);
  await q.locator('input.question-input').fill(text);
  await q.locator('button.question-check').click();
  await q.locator('.question-answer').waitFor();
  return {
    verdict: (await q.locator('.question-verdict strong').textContent()).trim(),
    answer: (await q.locator('[data-answer]').textContent()).trim(),
  };
}

test('a kmap question: a wrong prediction, then the right one, as hmsim computes it', async () => {
  const { page, problems, close } = await open('#/pkmap');
  try {
    // The first step of a scenario forks task A: the questions then ask about that machine.
    await page.click('#step-pkmap-fill-sleep');
    await page.waitForSelector('#history li');
    const q = page.locator('#q-kmap-slot');
    await q.scrollIntoViewIfNeeded();
    const ask = await q.locator('.question-text').textContent();
    const pfn = ask.match(/frame (0x[0-9a-f]+)/)?.[1];
    assert.ok(pfn, ask);

    // Nothing is shown before a prediction: no answer in the page at all.
    assert.equal(await q.locator('[data-answer]').count(), 0);
    // An empty or unreadable prediction is refused with a message, and nothing is revealed.
    await q.locator('button.question-check').click();
    await q.locator('.question-problem').waitFor();
    await q.locator('input.question-input').fill('<b>slot</b>');
    await q.locator('button.question-check').click();
    assert.match(await q.locator('.question-problem').textContent(), /not a number/);
    assert.equal(await q.locator('[data-answer]').count(), 0);

    const machine = await exportedScript(page);
    const run = await hmsim(`${machine}\ntask Q cpu=0\nkmap Q pfn=${pfn}`);
    const last = run.outcomes.at(-1);
    assert.equal(last.result, 'ok');
    const slot = Number(last.message.match(/pkmap slot (\d+)/)[1]);

    const wrong = await predict(page, 'q-kmap-slot', String(slot + 7));
    assert.equal(wrong.verdict, 'Not this time.');
    assert.equal(wrong.answer, String(slot));

    await q.locator('button', { hasText: 'Predict again' }).click();
    const right = await predict(page, 'q-kmap-slot', `0x${slot.toString(16)}`);
    assert.equal(right.verdict, 'Right.');

    // The count after kunmap, from the same experiment in hmsim.
    const after = await hmsim(`${machine}\ntask Q cpu=0\nkmap Q pfn=${pfn}\nkunmap Q pfn=${pfn}`);
    const count = await predict(page, 'q-kunmap-count', '2');
    assert.equal(count.answer, String(after.state.pkmap_count[slot]));
    assert.equal(count.verdict, after.state.pkmap_count[slot] === 2 ? 'Right.' : 'Not this time.');
    assert.deepEqual(problems(), []);
  } finally {
    await close();
  }
});

test('answers follow the machine: one CPU or two, and a question that does not apply says why', async () => {
  const { page, problems, close } = await open('#/paging');
  try {
    const q = page.locator('#q-tlb-other-cpu');
    const answer = () => q.locator('[data-answer]').textContent();
    assert.equal(await page.inputValue('#cpus'), '2', 'the default machine has two CPUs');
    assert.match(await q.locator('.question-text').textContent(), /Then CPU 1 reads/);

    // Keyboard only: into the radio group, an arrow to the second choice, Enter submits.
    await q.locator('input[type=radio]').first().focus();
    await page.keyboard.press('Space');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await q.locator('.question-answer').waitFor();
    assert.equal(await q.locator('input[type=radio]:checked').getAttribute('value'), '1');
    assert.equal(await answer(), 'a TLB miss');
    assert.equal((await q.locator('.question-verdict strong').textContent()).trim(), 'Right.');

    // One CPU: the question changes, and the revealed answer is the engine's again.
    await page.selectOption('#cpus', '1');
    await page.waitForFunction(() => /Then CPU 0 reads/.test(document.querySelector('#q-tlb-other-cpu .question-text').textContent));
    assert.equal(await answer(), 'a TLB hit');
    assert.equal((await q.locator('.question-verdict strong').textContent()).trim(), 'Not this time.');

    // Without HIGHMEM, chapter 3's kmap questions say why they do not apply.
    await page.click('.toc a[href="#/pkmap"]');
    await page.waitForSelector('#q-kmap-slot .question-text');
    await page.uncheck('#highmem');
    await page.locator('#q-kmap-slot .question-na').waitFor();
    assert.match(await page.locator('#q-kmap-slot .question-na').textContent(), /HIGHMEM|boot/);
    assert.deepEqual(problems(), []);
  } finally {
    await close();
  }
});
