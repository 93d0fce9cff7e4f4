// The catalog in the browser: typo-tolerant search, facet filters that live in the
// URL, and an entity's Runtime tab — live from the demo cluster, then, while that
// cluster is down, its snapshot with the snapshot's age.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ARTIFACTS, accessibilityViolations, browser, hydrated, openHydrated, watchForErrors } from '../lib/browser.mjs';

let chrome;
before(async () => {
  chrome = await browser();
});
after(async () => {
  await chrome?.close();
});

/** Reloads `url` until `locator(page)` is visible (background sync settles). */
async function until(page, url, locator) {
  for (let attempt = 0; attempt < 60; attempt += 1) {
    await page.goto(url);
    if (await locator(page).count()) return;
    await page.waitForTimeout(500);
  }
  assert.fail(`${url} never showed what was expected`);
}

describe('catalog', () => {
  test('search finds a service by a misspelled word', async () => {
    const context = await chrome.newContext({ bypassCSP: true });
    const page = await context.newPage();
    const problems = watchForErrors(page);
    await page.goto('/catalog');
    await hydrated(page);
    await page.getByLabel('Search names, titles, descriptions and tags').fill('chekout');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/\/catalog\?q=chekout$/);
    const table = page.getByTestId('catalog-table');
    await table.getByRole('link', { name: 'checkout-api', exact: true }).waitFor();
    assert.match(await table.innerText(), /checkout-worker/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'catalog-search.png'), fullPage: true });
    assert.deepEqual(await accessibilityViolations(page), []);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('a search is an address of its own, and tags with + and # link to their own filter', async () => {
    const { context, page, problems } = await openHydrated(chrome, '/catalog', { bypassCSP: true });
    await page.getByLabel('Search names, titles, descriptions and tags').fill('checkout');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/\/catalog\?q=checkout$/);
    await page.getByTestId('catalog-table').getByRole('link', { name: 'checkout-api', exact: true }).waitFor();

    await page.goto('/catalog/import');
    await hydrated(page);
    await page.getByLabel('Source').fill('browser/native-tools.yaml');
    await page.getByLabel(/^Descriptors/).fill(`apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: native-tools
  tags: [c++, c#]
spec:
  type: library
  lifecycle: experimental
  owner: checkout
`);
    await page.getByRole('button', { name: 'Import' }).click();
    await page.getByTestId('import-result').waitFor();
    await page.goto('/catalog/component/default/native-tools');
    await hydrated(page);
    const tag = page.getByRole('link', { name: 'c++', exact: true });
    assert.equal(await tag.getAttribute('href'), '/catalog?tag=c%2B%2B');
    await tag.click();
    await page.waitForURL(/\/catalog\?tag=c%2B%2B$/);
    const table = page.getByTestId('catalog-table');
    await table.getByRole('link', { name: 'native-tools', exact: true }).waitFor();
    assert.equal(await table.locator('tbody tr').count(), 1, 'only what has the tag c++');
    const chosen = page.getByRole('region', { name: 'Tag' }).locator('a[aria-current="true"]');
    assert.match(await chosen.innerText(), /^c\+\+\s+1$/);
    await page.getByTestId('catalog-table').getByRole('link', { name: 'c#', exact: true }).click();
    await page.waitForURL(/\/catalog\?tag=c%23$/);
    await table.getByRole('link', { name: 'native-tools', exact: true }).waitFor();
    assert.deepEqual(await accessibilityViolations(page), []);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('the order is chosen by link, kept by filters and pages, and shows when each entity changed', async () => {
    const context = await chrome.newContext({ bypassCSP: true });
    const page = await context.newPage();
    const problems = watchForErrors(page);
    await page.goto('/catalog?q=checkout');
    await hydrated(page);
    const order = page.getByRole('navigation', { name: 'Order' });
    assert.equal(await order.getByRole('link', { name: 'Best match' }).getAttribute('aria-current'), 'true');
    await order.getByRole('link', { name: 'Recently updated' }).click();
    await page.waitForURL(/q=checkout&sort=updated$/);
    const table = page.getByTestId('catalog-table');
    await table.getByRole('columnheader', { name: 'Updated' }).waitFor();
    assert.match(await table.locator('tbody tr').first().innerText(), /\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
    // A facet keeps the order; so does a new search.
    await page.getByRole('region', { name: 'Kind' }).getByRole('link', { name: /^component\s+\d+$/ }).click();
    await page.waitForURL(/kind=component.*sort=updated/);
    await page.getByLabel('Search names, titles, descriptions and tags').fill('payments');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/q=payments/);
    assert.match(page.url(), /sort=updated/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'catalog-sorted.png'), fullPage: true });
    assert.deepEqual(await accessibilityViolations(page), []);
    // Without words there is nothing to be relevant to: name is the default.
    await page.goto('/catalog');
    await hydrated(page);
    assert.equal(await order.getByRole('link', { name: 'Best match' }).count(), 0);
    assert.equal(await order.getByRole('link', { name: 'Name' }).getAttribute('aria-current'), 'true');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('filtering by owner and lifecycle updates the URL and the results', async () => {
    for (const colorScheme of ['light', 'dark']) {
      const context = await chrome.newContext({ bypassCSP: true, colorScheme });
      const page = await context.newPage();
      await page.goto('/catalog');
      await hydrated(page);
      const before = await page.getByTestId('result-count').innerText();
      await page.getByRole('region', { name: 'Owner' }).getByRole('link', { name: /^checkout\s+\d+$/ }).click();
      await page.waitForURL(/owner=group%3Adefault%2Fcheckout/);
      await page.getByRole('region', { name: 'Lifecycle' }).getByRole('link', { name: /^production\s+\d+$/ }).click();
      await page.waitForURL(/owner=group%3Adefault%2Fcheckout.*lifecycle=production|lifecycle=production.*owner=group%3Adefault%2Fcheckout/);
      const after = await page.getByTestId('result-count').innerText();
      assert.notEqual(after, before);
      const rows = page.getByTestId('catalog-table').locator('tbody tr');
      const count = await rows.count();
      assert.ok(count > 0);
      for (let i = 0; i < count; i += 1) {
        const text = await rows.nth(i).innerText();
        assert.match(text, /checkout/, 'owned by checkout');
        assert.match(text, /production/, 'in production');
      }
      await page.screenshot({ path: path.join(ARTIFACTS, `catalog-filtered-${colorScheme}.png`), fullPage: true });
      assert.deepEqual(await accessibilityViolations(page), []);
      await context.close();
    }
  });

  test('the Runtime tab shows live workloads, then the snapshot and its age while the cluster is down', async () => {
    const context = await chrome.newContext({ bypassCSP: true });
    const page = await context.newPage();
    const problems = watchForErrors(page);
    const runtime = '/catalog/component/default/checkout-api?tab=runtime';
    await until(page, runtime, (p) => p.getByTestId('runtime-cluster').filter({ hasText: 'demo-prod' }).filter({ hasText: 'Live from the watch caches.' }));
    await hydrated(page);
    const prod = page.getByTestId('runtime-cluster').filter({ hasText: 'demo-prod' });
    assert.match(await prod.innerText(), /checkout-api[\s\S]*\d\/3/);
    assert.match(await prod.innerText(), /demo cluster/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'entity-runtime-live.png'), fullPage: true });
    assert.deepEqual(await accessibilityViolations(page), []);

    // Make sure the snapshot holds this workload, then take the cluster away.
    await until(page, '/admin/clusters', (p) => p.getByRole('row', { name: /demo-prod.*ago/ }));
    await page.goto('/admin/clusters/demo-prod');
    await page.getByRole('button', { name: 'Simulate an outage' }).click();
    await page.waitForURL('**/admin/clusters/demo-prod');
    await until(page, runtime, (p) => p.getByTestId('snapshot-notice').filter({ hasText: 'demo-prod is unreachable' }));
    const notice = await page.getByTestId('snapshot-notice').filter({ hasText: 'demo-prod' }).innerText();
    assert.match(notice, /Showing the snapshot of \d{4}-\d\d-\d\d \d\d:\d\d UTC \(\d+ (s|min) ago\)/);
    assert.match(await page.getByTestId('runtime-cluster').filter({ hasText: 'demo-prod' }).innerText(), /checkout-api/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'entity-runtime-snapshot.png'), fullPage: true });

    await page.goto('/admin/clusters/demo-prod');
    await page.getByRole('button', { name: 'End the simulated outage' }).click();
    await until(page, runtime, (p) => p.getByTestId('runtime-cluster').filter({ hasText: 'demo-prod' }).filter({ hasText: 'Live from the watch caches.' }));
    assert.deepEqual(problems, []);
    await context.close();
  });
});
