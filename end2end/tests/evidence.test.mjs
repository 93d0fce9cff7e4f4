// Compliance evidence in the browser: a security approver reviews the Payments pack's
// summary, follows an exception to the row's page, downloads the pack and the CLI
// verifies it; a developer is refused.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import {
  ARTIFACTS,
  accessibilityViolations,
  assertRefusedPage,
  browser,
  hydrated,
  watchForErrors,
} from '../lib/browser.mjs';

let chrome;
before(async () => {
  chrome = await browser();
});
after(async () => {
  await chrome?.close();
});

describe('evidence', () => {
  test("a security approver reviews and downloads a business unit's evidence pack", async () => {
    const context = await chrome.newContext({ bypassCSP: true, as: 'sam', acceptDownloads: true });
    const page = await context.newPage();
    const problems = watchForErrors(page);
    await page.goto('/evidence');
    await hydrated(page);
    assert.equal(await page.locator('h1').innerText(), 'Evidence');
    await page.getByLabel('Business unit').selectOption({ label: 'Payments' });
    const from = await page.getByLabel('From (UTC)').inputValue();
    const to = await page.getByLabel('To (UTC, inclusive)').inputValue();
    assert.match(from, /^\d{4}-\d{2}-\d{2}$/, 'a default period is offered');
    await page.getByRole('button', { name: 'Review pack' }).click();
    await page.waitForURL(/\/evidence\?business_unit=group%3Adefault%2Fpayments&from=/);
    const summary = page.getByTestId('evidence-summary');
    await summary.waitFor();
    assert.match(await summary.locator('h2').innerText(), new RegExp(`^Payments, ${from} to ${to}$`));
    assert.match(await summary.innerText(), /verified intact/);

    // The demo guardrails were published by the operator at installation: no second
    // pair of eyes, and each exception names its row in the pack.
    const second = page.getByTestId('control-second-approver');
    assert.equal(await second.getAttribute('data-held'), 'false');
    assert.match(await second.innerText(), /Every guardrail change had a second approver/);
    assert.match(await second.innerText(), /guardrails\/index\.csv line 2/);
    assert.match(await second.innerText(), /GR-001 version 1 was published by system:cli without a second review/);
    assert.equal(await page.getByTestId('control-chain-intact').getAttribute('data-held'), 'true');
    for (const id of ['psa-restricted', 'roles-mapped', 'tenant-decisions', 'coverage-enforced']) {
      assert.equal(await page.getByTestId(`control-${id}`).count(), 1, `control ${id} is reported`);
    }
    const files = await page.getByTestId('evidence-files').innerText();
    for (const file of ['access.csv', 'guardrails/index.csv', 'changes.csv', 'coverage.csv', 'delivery.csv', 'audit.jsonl', 'chain.json', 'manifest.json']) {
      assert.ok(files.includes(file), `${file} is listed`);
    }
    await page.screenshot({ path: path.join(ARTIFACTS, 'evidence-summary.png'), fullPage: true });
    assert.deepEqual(await accessibilityViolations(page), []);

    // The download is the pack the summary describes, and it verifies.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('evidence-download').click(),
    ]);
    assert.equal(download.suggestedFilename(), `parkway-evidence-payments-${from}-${to}.zip`);
    const saved = path.join(ARTIFACTS, download.suggestedFilename());
    await download.saveAs(saved);
    const verified = execFileSync(process.env.PARKWAY_SERVER_BIN, ['evidence', 'verify', saved], {
      env: { ...process.env, PARKWAY_LOG: 'warn' },
      encoding: 'utf8',
    });
    assert.match(verified, /evidence pack intact/);
    assert.match(verified, /group:default\/payments/);
    assert.match(verified, /exported by user:sam@example\.com/);

    // An exception links to the thing it is about.
    await second.getByRole('link', { name: 'Open' }).first().click();
    await page.waitForURL(/\/guardrails\/GR-001$/);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('the summary reads in dark mode too', async () => {
    const context = await chrome.newContext({ bypassCSP: true, as: 'sam', colorScheme: 'dark' });
    const page = await context.newPage();
    await page.goto('/evidence?business_unit=&from=2026-01-01&to=2026-12-31');
    await hydrated(page);
    await page.getByTestId('evidence-summary').waitFor();
    assert.match(await page.getByTestId('evidence-summary').locator('h2').innerText(), /^Whole enterprise, 2026-01-01 to 2026-12-31$/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'evidence-summary-dark.png'), fullPage: true });
    assert.deepEqual(await accessibilityViolations(page), []);
    await context.close();
  });

  test('a developer may not export evidence', async () => {
    const context = await chrome.newContext({ as: 'grace' });
    const page = await context.newPage();
    await assertRefusedPage(page, '/evidence', 403, /evidence\.export/);
    await context.close();
  });
});
