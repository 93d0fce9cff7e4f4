// The platform admin's delivery events page: an event for a service the catalog does
// not know is kept and listed, never dropped; webhook sources are added (a bad secret
// refused with the field named, the secret never shown again) and removed; people
// without the role are refused. Axe-clean.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  ARTIFACTS,
  BASE_URL,
  accessibilityViolations,
  assertRefusedPage,
  browser,
  hydrated,
} from '../lib/browser.mjs';

let chrome;
before(async () => {
  chrome = await browser();
});
after(async () => {
  await chrome?.close();
});

describe('delivery events admin', () => {
  test('unmatched events are listed and webhook sources are managed', async () => {
    const context = await chrome.newContext({ bypassCSP: true, as: 'ada' });
    const sent = await context.request.post('/api/v1/events/deployments', {
      headers: { origin: BASE_URL },
      data: {
        events: [
          {
            id: `browser-${Date.now()}`,
            service: 'browser-unknown-service',
            environment: 'production',
            status: 'success',
            finished_at: new Date(Date.now() - 60_000).toISOString(),
          },
        ],
      },
    });
    assert.equal(sent.status(), 200, await sent.text());
    assert.equal((await sent.json()).unmatched, 1);

    const page = await context.newPage();
    await page.goto('/admin');
    await page.getByRole('link', { name: /Delivery events/ }).click();
    await page.waitForURL('**/admin/events');
    await hydrated(page);
    assert.match(await page.getByTestId('unmatched-deployments').innerText(), /browser-unknown-service/);

    const secret = 'a browser secret that is long enough';
    await page.getByLabel('Name').fill('browser-hook');
    await page.getByLabel(/^Secret/).fill('short');
    await page.getByRole('button', { name: 'Add source' }).click();
    await page.locator('#source-secret-error').getByText(/16 to 512/).waitFor();
    assert.equal(await page.getByTestId('webhook-sources').count(), 0, 'nothing added');

    await page.getByLabel(/^Kind/).selectOption('gitlab');
    await page.getByLabel(/^Secret/).fill(secret);
    await page.getByRole('button', { name: 'Add source' }).click();
    const row = page.getByTestId('webhook-sources').locator('tbody tr', { hasText: 'browser-hook' });
    await row.waitFor();
    assert.match(await row.innerText(), /GitLab\s+\/api\/v1\/webhooks\/gitlab/);
    assert.ok(!(await page.content()).includes(secret), 'the secret is never shown again');
    await page.screenshot({ path: path.join(ARTIFACTS, 'admin-events.png'), fullPage: true });
    assert.deepEqual(await accessibilityViolations(page), []);

    await page.getByRole('button', { name: 'Remove browser-hook' }).click();
    await page.getByTestId('webhook-sources').waitFor({ state: 'detached' });
    await context.close();
  });

  test('a developer is refused', async () => {
    const context = await chrome.newContext({ as: 'grace' });
    const page = await context.newPage();
    await assertRefusedPage(page, '/admin/events', 403, /events\.manage/);
    await context.close();
  });
});
