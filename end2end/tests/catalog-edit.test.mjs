// Changing the catalog from the browser: importing pasted descriptors (a file with
// mistakes is refused whole, every mistake listed with its position), a team owner
// editing their team's entity (and only theirs), and a business unit's health roll-up.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ARTIFACTS, accessibilityViolations, assertRefusedPage, browser, hydrated, watchForErrors } from '../lib/browser.mjs';

let chrome;
before(async () => {
  chrome = await browser();
});
after(async () => {
  await chrome?.close();
});

const GOOD = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: gift-cards
  description: Sells and redeems gift cards.
spec:
  type: service
  lifecycle: experimental
  owner: checkout
`;

// Three mistakes: a bad name, a missing lifecycle, an owner that does not exist.
const BAD = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: Gift Cards!
spec:
  type: service
  lifecycle: production
  owner: checkout
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: gift-cards-worker
spec:
  type: service
  owner: checkout
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: gift-vouchers
spec:
  type: service
  lifecycle: production
  owner: nobody-at-all
`;

describe('catalog changes', () => {
  test('an import with mistakes lists each with its position and changes nothing; a good one lands', async () => {
    const context = await chrome.newContext({ bypassCSP: true });
    const page = await context.newPage();
    const problems = watchForErrors(page);
    await page.goto('/catalog');
    await hydrated(page);
    const before = await page.getByTestId('result-count').innerText();
    await page.getByRole('link', { name: 'Import descriptors' }).click();
    await page.waitForURL('**/catalog/import');
    await hydrated(page);
    await page.getByLabel('Source').fill('browser/gift-cards.yaml');
    await page.getByLabel(/^Descriptors/).fill(BAD);
    await page.getByRole('button', { name: 'Import' }).click();
    const refusal = page.getByTestId('problems');
    await refusal.waitFor();
    const text = await refusal.innerText();
    assert.match(text, /3 problems; nothing was imported/);
    assert.match(text, /browser\/gift-cards\.yaml:4:\d+ — metadata\.name — /);
    assert.match(text, /browser\/gift-cards\.yaml:\d+:\d+ — spec\.lifecycle — /);
    assert.match(text, /browser\/gift-cards\.yaml:25:\d+ — spec\.owner — `group:default\/nobody-at-all` does not exist/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'catalog-import-problems.png'), fullPage: true });
    assert.deepEqual(await accessibilityViolations(page), []);

    // A 20 MB paste: refused with the limit, not a broken page.
    await page.evaluate(() => {
      const area = document.getElementById('descriptors');
      area.value = 'a'.repeat(20000000);
      area.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await page.getByRole('button', { name: 'Import' }).click();
    await page.getByTestId('problems').filter({ hasText: 'the form is over 2 MiB' }).waitFor();

    await page.goto('/catalog');
    assert.equal(await page.getByTestId('result-count').innerText(), before, 'nothing was imported');

    await page.goto('/catalog/import');
    await hydrated(page);
    await page.getByLabel('Source').fill('browser/gift-cards.yaml');
    await page.getByLabel(/^Descriptors/).fill(GOOD);
    await page.getByRole('button', { name: 'Import' }).click();
    const result = page.getByTestId('import-result');
    await result.waitFor();
    assert.match(await result.innerText(), /1 created, 0 updated, 0 unchanged, 0 orphaned/);
    await result.getByRole('link', { name: 'component:default/gift-cards' }).click();
    await page.waitForURL('**/catalog/component/default/gift-cards');
    await page.getByText('Sells and redeems gift cards.').waitFor();
    // The refused imports (422, 413) are expected; nothing else may fail.
    assert.deepEqual(problems.filter((p) => !/status of (413|422)/.test(p)), []);
    await context.close();
  });

  test("a team owner edits their team's entity, and only theirs", async () => {
    const context = await chrome.newContext({ bypassCSP: true, as: 'theo' });
    const page = await context.newPage();
    const problems = watchForErrors(page);
    await page.goto('/catalog/component/default/checkout-worker');
    await hydrated(page);
    await page.getByRole('link', { name: 'Edit descriptor' }).click();
    await page.waitForURL('**/catalog/component/default/checkout-worker/edit');
    await hydrated(page);
    const editor = page.getByLabel('Descriptor (YAML or JSON)');
    const original = await editor.inputValue();
    assert.match(original, /name: checkout-worker/);

    // A mistake first: refused with its position, nothing saved.
    await editor.fill(original.replace(/lifecycle: \S+/, 'lifecycle: [not, a, word]'));
    await page.getByRole('button', { name: 'Save' }).click();
    const refusal = page.getByTestId('problems');
    await refusal.waitFor();
    assert.match(await refusal.innerText(), /\(body\):\d+:\d+ — spec\.lifecycle — /);
    await page.screenshot({ path: path.join(ARTIFACTS, 'catalog-edit-problems.png'), fullPage: true });
    assert.deepEqual(await accessibilityViolations(page), []);

    await editor.fill(original.replace(/description: .*/, 'description: Runs the checkout queues (edited by its team).'));
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL('**/catalog/component/default/checkout-worker');
    await page.getByText('Runs the checkout queues (edited by its team).').waitFor();

    // Another team's entity: no edit link, and the edit page refuses.
    await page.goto('/catalog/component/default/billing-api');
    await page.getByRole('heading', { level: 1 }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Edit descriptor' }).count(), 0);
    await assertRefusedPage(page, '/catalog/component/default/billing-api/edit', 403, /catalog\.edit/);
    // The refused save (422) and the refused edit page (403) are expected.
    assert.deepEqual(problems.filter((p) => !/status of (403|422)/.test(p)), []);
    await context.close();
  });

  test("a business unit's page rolls up its teams' health", async () => {
    for (const colorScheme of ['light', 'dark']) {
      const context = await chrome.newContext({ bypassCSP: true, colorScheme });
      const page = await context.newPage();
      await page.goto('/catalog/group/default/payments');
      const rollup = page.getByTestId('rollup');
      await rollup.waitFor();
      assert.match(await rollup.innerText(), /Health across the business unit/);
      assert.match(await rollup.innerText(), /\d+ components and resources; \d+ of \d+ replicas ready/);
      const teams = page.getByTestId('unit-teams');
      assert.match(await teams.innerText(), /checkout/);
      assert.match(await teams.innerText(), /billing/);
      await page.screenshot({ path: path.join(ARTIFACTS, `catalog-business-unit-${colorScheme}.png`), fullPage: true });
      assert.deepEqual(await accessibilityViolations(page), []);
      await context.close();
    }
  });
});
