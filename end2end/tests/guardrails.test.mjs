// Guardrails in the browser: a CoE editor's draft goes through the four-eyes review
// (the author cannot approve their own version), a security approver approves, the
// editor publishes, and a developer finds it; every guardrail page passes axe, light
// and dark.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ARTIFACTS, BASE_URL, accessibilityViolations, browser, hydrated, watchForErrors } from '../lib/browser.mjs';

let chrome;
before(async () => {
  chrome = await browser();
});
after(async () => {
  await chrome?.close();
});

const DRAFT = `apiVersion: parkway.dev/v1
kind: Guardrail
metadata: {id: GR-100, title: Browser-reviewed guardrail}
spec:
  category: controlled-entry-and-exit
  objective: Only the gateway talks to partners.
  severity: high
  behavior: preventive
  guidance: mandatory
  decisions: {public: allowed, internal: needs-approval, confidential: blocked, restricted: blocked}
  threats: [TH-006]
  body: |
    ## Why
    Partner traffic must be **audited**.
`;

async function reviewStep(page, button, expected) {
  await page.getByRole('button', { name: button }).click();
  await page.getByRole('status').filter({ hasText: expected }).waitFor();
}

describe('guardrails', () => {
  test('draft, refused self-approval, second-person approval, publish, seen by a developer', async () => {
    const editor = await chrome.newContext({ bypassCSP: true, as: 'cora' });
    const imported = await editor.request.post('/api/v1/guardrails/import?file=browser.yaml', {
      headers: { 'content-type': 'application/yaml', origin: BASE_URL },
      data: DRAFT,
    });
    assert.equal(imported.status(), 201, await imported.text());

    const page = await editor.newPage();
    const problems = watchForErrors(page);
    await page.goto('/guardrails/GR-100');
    await hydrated(page);
    assert.match(await page.getByTestId('guardrail-state').innerText(), /Draft · version 1/);
    await page.getByLabel(/^Note/).fill('A rule for partner traffic.');
    await reviewStep(page, 'Submit for review', 'in review');
    // The author is offered no approval, and the API refuses it with the reason.
    assert.equal(await page.getByRole('button', { name: 'Approve' }).count(), 0);
    const own = await editor.request.post('/api/v1/guardrails/GR-100/approve', {
      headers: { origin: BASE_URL },
      data: {},
    });
    assert.equal(own.status(), 403);
    assert.match((await own.json()).error.message, /you wrote version 1/);

    const approver = await chrome.newContext({ bypassCSP: true, as: 'sam' });
    const review = await approver.newPage();
    await review.goto('/guardrails/GR-100');
    await hydrated(review);
    await reviewStep(review, 'Approve', 'in review');
    await approver.close();

    await page.reload();
    await hydrated(page);
    await reviewStep(page, 'Publish', 'published');
    await page.reload();
    assert.match(await page.getByTestId('guardrail-state').innerText(), /Published · version 1/);
    assert.deepEqual(problems.filter((p) => !/status of 403/.test(p)), []);
    await editor.close();

    const developer = await chrome.newContext({ bypassCSP: true, as: 'grace' });
    const list = await developer.newPage();
    await list.goto('/guardrails?q=partnr');
    await list.getByRole('link', { name: 'Browser-reviewed guardrail' }).click();
    await list.waitForURL('**/guardrails/GR-100');
    await list.getByRole('heading', { name: 'Why' }).waitFor();
    assert.match(await list.locator('.pw-prose').innerHTML(), /<strong>audited<\/strong>/);
    await developer.close();
  });

  for (const colorScheme of ['light', 'dark']) {
    test(`every guardrail page passes axe (${colorScheme})`, async () => {
      const context = await chrome.newContext({ bypassCSP: true, as: 'grace', colorScheme });
      const page = await context.newPage();
      const problems = watchForErrors(page);
      for (const [url, name] of [
        ['/guardrails', 'list'],
        ['/guardrails?view=matrix&tier=confidential&decision=needs-approval', 'matrix'],
        ['/guardrails/GR-001', 'guardrail'],
        ['/guardrails/GR-007', 'audit-in-prod'],
        ['/guardrails/threats', 'threats'],
        ['/guardrails/threats/TH-001', 'threat'],
      ]) {
        const response = await page.goto(url);
        assert.equal(response.status(), 200, url);
        await hydrated(page);
        await page.screenshot({ path: path.join(ARTIFACTS, `guardrails-${name}-${colorScheme}.png`), fullPage: true });
        assert.deepEqual(await accessibilityViolations(page), [], `${url} (${colorScheme})`);
        if (name === 'guardrail') {
          const rows = await page.getByTestId('coverage').innerText();
          for (const cluster of ['demo-dev', 'demo-stage', 'demo-prod']) {
            assert.match(rows, new RegExp(`${cluster}\\s+Enforced`), rows);
          }
        }
        if (name === 'audit-in-prod') {
          const rows = await page.getByTestId('coverage').innerText();
          assert.match(rows, /demo-prod\s+Audit only/, rows);
          assert.match(rows, /demo-dev\s+Enforced/, rows);
          assert.match(await page.getByTestId('coverage-warnings').innerText(), /audit only in cluster demo-prod/);
        }
        if (name === 'threats') {
          assert.match(await page.getByTestId('threats').innerText(), /Container escape to the node/);
        }
      }
      assert.deepEqual(problems, []);
      await context.close();
    });
  }
});
