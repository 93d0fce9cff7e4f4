// Tenant onboarding in the browser: a developer requests a tenant whose option needs
// approval (the live preview says who must approve and shows the manifests; a missing
// justification is refused with the reason), a security approver finds it in the queue
// (with the count in the navigation), approves it, and the page follows provisioning
// live to Active. Without JavaScript the form still files a request. Every onboarding
// page passes axe, light and dark.
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

describe('onboarding', () => {
  test('requested with an option that needs approval, approved by a security approver, provisioned live', async () => {
    const developer = await chrome.newContext({ bypassCSP: true, as: 'grace' });
    const page = await developer.newPage();
    const problems = watchForErrors(page);
    await page.goto('/onboarding');
    await hydrated(page);
    await page.getByRole('link', { name: 'Request a tenant' }).click();
    await page.waitForURL('**/onboarding/new');
    await hydrated(page);
    await page.getByLabel('Tenant name').fill('search-edge');
    await page.getByLabel('Production').check();
    await page.getByLabel('Egress to the internet').check();
    // The preview: who approves and why, and the manifests of every cluster.
    const routing = page.getByTestId('preview-routing');
    await routing.filter({ hasText: 'Waits for a security approver' }).waitFor();
    assert.match(await routing.innerText(), /GR-005/);
    await page.getByText(/demo-prod \(prod\)/).click();
    const yaml = await page.locator('pre').last().innerText();
    assert.match(yaml, /pod-security\.kubernetes\.io\/enforce: restricted/);
    assert.match(yaml, /name: allow-internet-egress/);
    assert.match(await page.getByTestId('tier-limits').innerText(), /Limits for Internal: CPU 16/);
    // No justification: refused, naming why; nothing is filed.
    await page.getByRole('button', { name: 'Submit request' }).click();
    await page.getByRole('alert').filter({ hasText: 'justification' }).waitFor();
    await page.getByLabel(/^Justification/).fill('The ranking model calls a partner API.');
    await page.getByRole('button', { name: 'Submit request' }).click();
    await page.waitForURL('**/onboarding/search-edge');
    await page.getByTestId('tenant-state').filter({ hasText: 'Requested' }).waitFor();
    assert.match(await page.getByTestId('approve-blocked').innerText(), /security approver|you asked/);
    // The refused submit answered 422 (the browser logs that); nothing else went wrong.
    assert.deepEqual(problems.filter((p) => !p.includes('status of 422')), []);

    const approver = await chrome.newContext({ bypassCSP: true, as: 'sam' });
    const queue = await approver.newPage();
    await queue.goto('/onboarding?view=queue');
    await hydrated(queue);
    const count = Number(await queue.getByTestId('queue-count').first().innerText().then((t) => t.match(/\d+/)[0]));
    assert.ok(count >= 1, `the navigation counts waiting requests (${count})`);
    await queue.getByRole('link', { name: 'search-edge' }).click();
    await queue.waitForURL('**/onboarding/search-edge');
    await hydrated(queue);
    await queue.getByLabel(/^Comment/).fill('Partner is vetted.');
    await queue.getByRole('button', { name: 'Approve' }).click();
    // The page follows provisioning without a reload.
    await queue.getByTestId('tenant-state').filter({ hasText: 'Active' }).waitFor({ timeout: 30_000 });
    const timeline = await queue.getByTestId('timeline').innerText();
    assert.match(timeline, /Partner is vetted\./);
    assert.match(timeline, /system:provisioner/);
    assert.match(await queue.getByTestId('drift').innerText().catch(() => ''), /^$|No drift/);
    await developer.close();
    await approver.close();
  });

  test('the request form files a request without JavaScript', async () => {
    const context = await chrome.newContext({ javaScriptEnabled: false, as: 'grace' });
    const page = await context.newPage();
    await page.goto('/onboarding/new');
    await page.getByLabel('Tenant name').fill('search-plain');
    await page.getByLabel('Risk tier').selectOption('public');
    await page.getByRole('button', { name: 'Submit request' }).click();
    await page.waitForURL('**/onboarding/search-plain');
    assert.match(await page.getByTestId('tenant-state').innerText(), /Provisioning|Active/);
    // The team's catalog page lists it.
    await page.goto('/catalog/group/default/search');
    assert.match(await page.getByTestId('tenants').innerText(), /search-plain/);
    await context.close();
  });

  for (const colorScheme of ['light', 'dark']) {
    test(`every onboarding page passes axe (${colorScheme})`, async () => {
      const context = await chrome.newContext({ bypassCSP: true, as: 'theo', colorScheme });
      const page = await context.newPage();
      const problems = watchForErrors(page);
      for (const [url, name] of [
        ['/onboarding?view=all', 'list'],
        ['/onboarding?view=queue', 'queue'],
        ['/onboarding/new', 'new'],
        ['/onboarding/checkout-web', 'tenant'],
        ['/onboarding/checkout-risk', 'waiting'],
        ['/onboarding/tiers', 'tiers'],
      ]) {
        const response = await page.goto(url);
        assert.equal(response.status(), 200, url);
        await hydrated(page);
        await page.screenshot({ path: path.join(ARTIFACTS, `onboarding-${name}-${colorScheme}.png`), fullPage: true });
        assert.deepEqual(await accessibilityViolations(page), [], `${url} (${colorScheme})`);
      }
      assert.deepEqual(problems, []);
      await context.close();
    });
  }
});
