// Clusters in the browser: the admin list of the demo clusters, with their health and
// demo badges, and one cluster's workloads with a URL-driven filter.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ARTIFACTS, accessibilityViolations, browser, hydrated, watchForErrors } from '../lib/browser.mjs';

let chrome;
before(async () => {
  chrome = await browser();
});
after(async () => {
  await chrome?.close();
});

/** Reloads `url` until `text` appears (the caches sync in the background). */
async function until(page, url, text) {
  for (let attempt = 0; attempt < 60; attempt += 1) {
    await page.goto(url);
    if ((await page.locator('main').innerText()).includes(text)) return;
    await page.waitForTimeout(500);
  }
  assert.fail(`${url} never showed "${text}"`);
}

describe('clusters', () => {
  test('the admin page lists the demo clusters with health, version and demo badges', async () => {
    const context = await chrome.newContext({ bypassCSP: true });
    const page = await context.newPage();
    const problems = watchForErrors(page);
    await until(page, '/admin/clusters', 'ready');
    await hydrated(page);
    const table = page.getByRole('table');
    for (const name of ['demo-dev', 'demo-stage', 'demo-prod']) {
      const row = table.getByRole('row', { name: new RegExp(name) });
      await row.waitFor();
      assert.match(await row.innerText(), /demo cluster/, `${name} is labelled as demo data`);
      assert.match(await row.innerText(), /v1\.33\.0-parkway-demo/);
    }
    await until(page, '/admin/clusters', 'ago');
    await page.screenshot({ path: path.join(ARTIFACTS, 'clusters.png'), fullPage: true });
    assert.deepEqual(await accessibilityViolations(page), []);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('a cluster shows its workloads live, filtered through the URL, in light and dark', async () => {
    for (const colorScheme of ['light', 'dark']) {
      const context = await chrome.newContext({ bypassCSP: true, colorScheme });
      const page = await context.newPage();
      const problems = watchForErrors(page);
      await until(page, '/admin/clusters/demo-prod', 'Live from the watch caches.');
      await hydrated(page);
      assert.match(await page.locator('main').innerText(), /demo cluster/);
      await page.getByLabel('Filter by namespace, name or team').fill('checkout');
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.waitForURL(/\/admin\/clusters\/demo-prod\?q=checkout$/);
      const rows = page.getByRole('table').getByRole('row');
      await page.getByRole('table').getByText('checkout-api', { exact: true }).waitFor();
      const count = await rows.count();
      assert.ok(count > 1, 'rows are shown');
      for (let i = 1; i < count; i += 1) {
        assert.match(await rows.nth(i).innerText(), /checkout/);
      }
      await page.screenshot({ path: path.join(ARTIFACTS, `cluster-${colorScheme}.png`), fullPage: true });
      assert.deepEqual(await accessibilityViolations(page), []);
      assert.deepEqual(problems, []);
      await context.close();
    }
  });
});
