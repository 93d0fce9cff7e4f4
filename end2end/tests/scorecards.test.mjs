// Scorecards in the browser, over the demo company's generated history: the enterprise
// page names its report year and shows the four keys with bands, trend charts with a
// table alternative and the business units; switching the year and the window are
// links (no JavaScript needed); a drill-down reaches a service's deployments and the
// incidents with how each was linked. Every scorecard page passes axe, light and dark.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ARTIFACTS, accessibilityViolations, browser, hydrated, watchForErrors } from '../lib/browser.mjs';

let chrome;
before(async () => {
  chrome = await browser();
});
after(async () => {
  await chrome?.close();
});

/// The refresher turns the demo events into figures within seconds of start-up.
async function withFigures(page, url) {
  for (let i = 0; i < 30; i++) {
    await page.goto(url);
    const text = await page.getByTestId('report-year').innerText();
    if (!/No figures yet/.test(text)) return text;
    await page.waitForTimeout(1000);
  }
  throw new Error(`${url} never showed figures`);
}

describe('scorecards', () => {
  test('drill down from the enterprise to a service without JavaScript', async () => {
    const context = await chrome.newContext({ javaScriptEnabled: false, as: 'grace' });
    const page = await context.newPage();
    const header = await withFigures(page, '/scorecards');
    assert.match(header, /bands of the DORA 2024 report/);
    for (const key of ['Deployment frequency', 'Lead time for changes', 'Change failure rate', 'Failed deployment recovery time']) {
      await page.getByRole('region', { name: key }).waitFor();
    }
    // Each chart has an accessible name and a table alternative.
    assert.equal(await page.locator('svg[role="img"] title').count(), 4);
    assert.ok((await page.locator('details table tbody tr').count()) >= 4 * 26);
    // The elite and the struggling business unit differ.
    const units = page.getByTestId('scorecard-children');
    assert.match(await units.innerText(), /Payments/);
    assert.match(await units.innerText(), /Logistics/);
    await page.getByRole('link', { name: 'DORA 2023' }).click();
    await page.waitForURL('**/scorecards?window=30&year=2023');
    assert.match(await page.getByTestId('report-year').innerText(), /DORA 2023 report/);
    await page.getByRole('link', { name: '90 days' }).click();
    await page.waitForURL('**/scorecards?window=90&year=2023');
    await units.getByRole('link', { name: 'Payments' }).click();
    await page.waitForURL('**/scorecards/units/payments');
    const teams = page.getByTestId('scorecard-children');
    await teams.getByRole('link').first().click();
    await page.waitForURL('**/scorecards/teams/**');
    await page.getByTestId('scorecard-children').getByRole('link').first().click();
    await page.waitForURL('**/scorecards/services/**');
    const shown = await page.getByTestId('deployments').locator('tbody tr').count();
    assert.ok(shown > 0, 'the events behind the numbers');
    // The same rows download as CSV, without JavaScript.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download CSV: latest deployments' }).click(),
    ]);
    assert.match(download.suggestedFilename(), /^scorecard-component-default-.+-deployments-\d+d-\d{4}\.csv$/);
    const csv = await readFile(await download.path(), 'utf8');
    const lines = csv.split('\r\n').filter(Boolean);
    assert.equal(lines[0], 'id,source,service,environment,status,finished_at,sha,url,changes,incidents');
    assert.equal(lines.length, shown + 1);
    await context.close();
  });

  test('an incident shows how it was linked', async () => {
    const context = await chrome.newContext({ javaScriptEnabled: false, as: 'grace' });
    const page = await context.newPage();
    // Logistics fails often: its services have incidents linked each way.
    await withFigures(page, '/scorecards/units/logistics');
    const methods = new Set();
    const teams = await page.getByTestId('scorecard-children').getByRole('link').evaluateAll((as) => as.map((a) => a.href));
    for (const team of teams) {
      await page.goto(team);
      const services = await page.getByTestId('scorecard-children').getByRole('link').evaluateAll((as) => as.map((a) => a.href));
      for (const service of services) {
        await page.goto(service);
        const incidents = page.getByTestId('incidents');
        if ((await incidents.count()) === 0) continue;
        const text = await incidents.innerText();
        for (const m of ['named by the incident', 'through the commit it names', 'latest deployment before it']) {
          if (text.includes(m)) methods.add(m);
        }
      }
      if (methods.size === 3) break;
    }
    assert.equal(methods.size, 3, `every link method appears: ${[...methods]}`);
    await context.close();
  });

  for (const colorScheme of ['light', 'dark']) {
    test(`every scorecard page passes axe (${colorScheme})`, async () => {
      const context = await chrome.newContext({ bypassCSP: true, as: 'theo', colorScheme });
      const page = await context.newPage();
      const problems = watchForErrors(page);
      for (const [url, name] of [
        ['/scorecards', 'enterprise'],
        ['/scorecards/units/commerce', 'unit'],
        ['/scorecards/teams/checkout', 'team'],
        ['/scorecards/services/checkout-api', 'service'],
      ]) {
        const response = await page.goto(url);
        assert.equal(response.status(), 200, url);
        await hydrated(page);
        await page.screenshot({ path: path.join(ARTIFACTS, `scorecards-${name}-${colorScheme}.png`), fullPage: true });
        assert.deepEqual(await accessibilityViolations(page), [], `${url} (${colorScheme})`);
      }
      const missing = await page.goto('/scorecards/teams/no-such-team');
      assert.equal(missing.status(), 404);
      assert.deepEqual(problems.filter((p) => !p.includes('status of 404')), []);
      await context.close();
    });
  }
});
