// Governance keys and maturity scorecards in the browser, over the demo company: the
// enterprise page shows the governance keys and the business units differ in response
// readiness; the demo maturity scorecard rates every service (Payments' above
// Logistics'); a CoE editor writes a scorecard as YAML (refused with every problem
// named, then saved and evaluated); a security approver exempts a service from a rule
// and is recorded as its approver; a service page shows its level with what to fix.
// The pages pass axe, light and dark.
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

/// The refresher evaluates the demo scorecard within seconds of start-up.
async function evaluated(page, url) {
  for (let i = 0; i < 30; i++) {
    await page.goto(url);
    const text = await page.getByTestId('maturity-evaluated').innerText();
    if (!/Not evaluated yet/.test(text)) return text;
    await page.waitForTimeout(1000);
  }
  throw new Error(`${url} was never evaluated`);
}

/// The level a component holds in the ratings table.
async function levelOf(page, title) {
  const row = page.getByTestId('maturity-ratings').locator('tbody tr', { hasText: title });
  return (await row.locator('td').nth(1).innerText()).trim();
}

describe('governance and maturity', () => {
  test('the governance keys roll up, and business units differ in readiness', async () => {
    const context = await chrome.newContext({ javaScriptEnabled: false, as: 'grace' });
    const page = await context.newPage();
    await page.goto('/scorecards');
    const keys = page.getByTestId('governance');
    for (const name of ['Policy coverage', 'Compliance', 'Secure defaults', 'Response readiness', 'Onboarding lead time']) {
      await keys.getByRole('group', { name }).waitFor();
    }
    const enterprise = await keys.getByRole('group', { name: 'Response readiness' }).innerText();
    const [, ready, services] = enterprise.match(/(\d+) of (\d+) services/) ?? [];
    assert.ok(Number(services) > 0 && Number(ready) > 0 && Number(ready) < Number(services), enterprise);
    assert.match(await keys.getByRole('group', { name: 'Secure defaults' }).innerText(), /live tenant namespaces/);
    await page.goto('/scorecards/units/payments');
    // Every payments service of the demo catalog is ready (other browser tests may
    // have added components of their own since).
    const payments = await page.getByTestId('governance').getByRole('group', { name: 'Response readiness' }).innerText();
    const [, paymentsReady] = payments.match(/(\d+) of (\d+) services/) ?? [];
    assert.ok(Number(paymentsReady) >= 15, payments);
    assert.ok(Number(paymentsReady) / Number(payments.match(/of (\d+) services/)[1]) > Number(ready) / Number(services), payments);
    await page.goto('/scorecards/units/logistics');
    assert.match(await page.getByTestId('governance').getByRole('group', { name: 'Response readiness' }).innerText(), /^Response readiness\s+0 %/);
    await context.close();
  });

  test('the demo scorecard rates services, and a service shows what to fix', async () => {
    const context = await chrome.newContext({ javaScriptEnabled: false, as: 'grace' });
    const page = await context.newPage();
    await page.goto('/scorecards/maturity');
    await page.getByTestId('maturity-scorecards').getByRole('link', { name: 'Production readiness' }).click();
    await page.waitForURL('**/scorecards/maturity/production-readiness');
    await evaluated(page, '/scorecards/maturity/production-readiness');
    assert.equal(await page.getByTestId('maturity-rules').locator('tbody tr').count(), 7);
    // Payments names on-call and alerting everywhere; Logistics nowhere.
    assert.match(await levelOf(page, 'Checkout API'), /Silver|Gold/);
    assert.equal(await levelOf(page, 'Shipping API'), 'Bronze');
    // No "New scorecard" or "Evaluate now" for a developer.
    assert.equal(await page.getByRole('button', { name: 'Evaluate now' }).count(), 0);
    await page.goto('/scorecards/services/shipping-api');
    const standing = page.getByTestId('maturity-standing');
    assert.match(await standing.innerText(), /Production readiness\s+Bronze/);
    assert.match(await standing.innerText(), /Fails · Names an on-call \(Silver\)/);
    assert.ok((await standing.getByRole('link', { name: 'How to fix' }).count()) > 0);
    await context.close();
  });

  test('a CoE editor writes a scorecard; problems are named and nothing is saved until fixed', async () => {
    const context = await chrome.newContext({ as: 'cora' });
    const page = await context.newPage();
    await page.goto('/scorecards/maturity');
    await hydrated(page);
    await page.getByRole('link', { name: 'New scorecard' }).click();
    await page.waitForURL('**/scorecards/maturity/new');
    await hydrated(page);
    await page.getByLabel(/^Id/).fill('browser-card');
    const definition = page.getByLabel('Definition (YAML or JSON)');
    const good = await definition.inputValue();
    await definition.fill(good.replace('level: Silver', 'level: Platinum').replace('fact: catalog.owner', 'fact: catalog.colour'));
    await page.getByRole('button', { name: 'Save' }).click();
    const problems = page.getByTestId('problems');
    await problems.waitFor();
    assert.match(await problems.innerText(), /rules\[1\]\.level/);
    assert.match(await problems.innerText(), /rules\[0\]\.fact/);
    assert.match(page.url(), /\/scorecards\/maturity\/new$/);
    await definition.fill(good);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL('**/scorecards/maturity/browser-card');
    assert.match(await page.getByTestId('maturity-evaluated').innerText(), /^Evaluated /);
    assert.ok((await page.getByTestId('maturity-ratings').locator('tbody tr').count()) > 10);
    assert.match(await page.getByTestId('maturity-facts').innerText(), /version 1 saved by user:/);
    await context.close();
  });

  test('a security approver exempts a service from a rule until a date', async () => {
    const context = await chrome.newContext({ as: 'sam' });
    const page = await context.newPage();
    await evaluated(page, '/scorecards/maturity/production-readiness');
    await hydrated(page);
    const before = await levelOf(page, 'Returns API');
    assert.equal(before, 'Bronze');
    await page.getByRole('textbox', { name: 'Component' }).fill('returns-api');
    await page.getByRole('combobox', { name: 'Rule' }).selectOption('on-call');
    await page.getByRole('textbox', { name: 'Reason' }).fill('Pager rota starts next month');
    const inAMonth = new Date(Date.now() + 30 * 86400e3).toISOString().slice(0, 10);
    await page.getByLabel(/^Expires/).fill(inAMonth);
    await page.getByRole('button', { name: 'Grant exemption' }).click();
    const row = page.getByTestId('maturity-exemptions').locator('tbody tr', { hasText: 'Pager rota starts next month' });
    await row.waitFor();
    assert.match(await row.innerText(), /user:sam@example\.com/);
    assert.match(await row.innerText(), /in force/);
    // Alerting still fails, so the level stays; the exempt rule no longer counts.
    const rule = page.getByTestId('maturity-rules').locator('tbody tr', { hasText: 'Names an on-call' });
    assert.match(await rule.innerText(), /\/ [1-9]\d*\s*$/);
    await context.close();
  });

  for (const colorScheme of ['light', 'dark']) {
    test(`the maturity and governance pages pass axe (${colorScheme})`, async () => {
      const context = await chrome.newContext({ bypassCSP: true, as: 'cora', colorScheme });
      const page = await context.newPage();
      const problems = watchForErrors(page);
      for (const [url, name] of [
        ['/scorecards/maturity', 'list'],
        ['/scorecards/maturity/production-readiness', 'detail'],
        ['/scorecards/maturity/production-readiness/edit', 'edit'],
        ['/scorecards/services/checkout-api', 'service'],
      ]) {
        const response = await page.goto(url);
        assert.equal(response.status(), 200, url);
        await hydrated(page);
        await page.screenshot({ path: path.join(ARTIFACTS, `maturity-${name}-${colorScheme}.png`), fullPage: true });
        assert.deepEqual(await accessibilityViolations(page), [], `${url} (${colorScheme})`);
      }
      const missing = await page.goto('/scorecards/maturity/no-such-card');
      assert.equal(missing.status(), 404);
      assert.deepEqual(problems.filter((p) => !p.includes('status of 404')), []);
      await context.close();
    });
  }
});
