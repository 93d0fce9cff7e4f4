// Guardrails in the browser: a CoE editor writes a draft in the editor (the live
// preview shows problems with positions), it goes through the four-eyes review (the
// author cannot approve their own version), a security approver approves, the editor
// publishes, edits again, and a developer finds it and sees what changed; every
// guardrail page passes axe, light and dark.
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

/** Takes a review step and waits for the page it loads, which says the newest
 *  version's state (the address may already carry `?reviewed` from an earlier step). */
async function reviewStep(page, button, expected) {
  const loaded = page.waitForEvent('load');
  await page.getByRole('button', { name: button }).click();
  await loaded;
  await page.getByRole('status').filter({ hasText: expected }).waitFor();
}

describe('guardrails', () => {
  test('drafted in the editor, refused self-approval, second-person approval, publish, seen by a developer, diffed', async () => {
    const editor = await chrome.newContext({ bypassCSP: true, as: 'cora' });
    const page = await editor.newPage();
    const problems = watchForErrors(page);
    await page.goto('/guardrails');
    await hydrated(page);
    await page.getByRole('link', { name: 'New guardrail' }).click();
    await page.waitForURL('**/guardrails/new');
    await hydrated(page);
    const yaml = page.getByLabel(/^Guardrail \(YAML/);
    assert.match(await yaml.inputValue(), /kind: Guardrail/);
    // The live preview lists problems with their positions, then renders the document.
    await yaml.fill(DRAFT.replace('internal: needs-approval', 'internal: maybe'));
    const previewProblems = page.getByTestId('preview-problems');
    await previewProblems.filter({ hasText: 'spec.decisions.internal' }).waitFor();
    assert.match(await previewProblems.innerText(), /line 10, column \d+/);
    await yaml.fill(DRAFT);
    await page.getByTestId('preview').filter({ hasText: 'GR-100 Browser-reviewed guardrail' }).waitFor();
    assert.match(await page.getByTestId('preview').innerHTML(), /<strong>audited<\/strong>/);
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.waitForURL('**/guardrails/GR-100');
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

    await page.reload();
    await hydrated(page);
    await reviewStep(page, 'Publish', 'published');
    await page.reload();
    assert.match(await page.getByTestId('guardrail-state').innerText(), /Published · version 1/);

    // A second version, written in the editor and submitted at once with its note.
    await page.getByRole('link', { name: 'Edit', exact: true }).click();
    await page.waitForURL('**/guardrails/GR-100/edit');
    await hydrated(page);
    const text = await yaml.inputValue();
    await yaml.fill(text.replace('must be **audited**', 'must be logged and **audited**').replace('severity: "high"', 'severity: "critical"'));
    await page.getByRole('button', { name: 'Save and submit for review' }).click();
    await page.getByRole('alert').filter({ hasText: 'note' }).waitFor();
    await page.getByLabel(/^Change note/).fill('Say that partner traffic is logged.');
    await page.getByRole('button', { name: 'Save and submit for review' }).click();
    await page.waitForURL('**/guardrails/GR-100');
    await review.reload();
    await hydrated(review);
    await reviewStep(review, 'Approve', 'in review');
    await approver.close();
    await page.reload();
    await hydrated(page);
    await reviewStep(page, 'Publish', 'published');
    assert.deepEqual(problems.filter((p) => !/status of (403|422)/.test(p)), []);
    await editor.close();

    const developer = await chrome.newContext({ bypassCSP: true, as: 'grace' });
    const list = await developer.newPage();
    await list.goto('/guardrails?q=partnr');
    await list.getByRole('link', { name: 'Browser-reviewed guardrail' }).click();
    await list.waitForURL('**/guardrails/GR-100');
    await list.getByRole('heading', { name: 'Why' }).waitFor();
    assert.match(await list.locator('.pw-prose').innerHTML(), /logged and <strong>audited<\/strong>/);
    // The history links to what changed: the severity as a field, the body word by word.
    await list.getByRole('link', { name: 'Changes in v2' }).click();
    await list.waitForURL('**/guardrails/GR-100/diff?to=2');
    await hydrated(list);
    assert.match(await list.getByTestId('diff-fields').innerText(), /severity\s+high\s+critical/);
    // (Without the empty comments that mark where the server rendered each view.)
    const sides = (await list.getByTestId('diff-body').innerHTML()).replaceAll('<!---->', '');
    assert.match(sides, /<ins[^>]*>logged and <\/ins>/);
    assert.doesNotMatch(sides, /<del/);
    await list.getByLabel('Layout').selectOption('inline');
    await list.getByRole('button', { name: 'Compare' }).click();
    await list.waitForURL(/view=inline/);
    assert.match(await list.getByTestId('diff-body').innerText(), /Partner traffic must be logged and \*\*audited\*\*/);
    await developer.close();
  });

  test('a coe-editor adds a category; the editor, its preview and the categories pass axe, light and dark', async () => {
    const editor = await chrome.newContext({ bypassCSP: true, as: 'cora' });
    const categories = await editor.newPage();
    await categories.goto('/guardrails/categories');
    await hydrated(categories);
    await categories.getByLabel(/^Slug/).fill('runtime-security');
    await categories.getByLabel('Title', { exact: true }).fill('Runtime security');
    await categories.getByRole('button', { name: 'Add category' }).click();
    await categories.getByTestId('categories').filter({ hasText: 'runtime-security' }).waitFor();
    assert.match(await categories.getByTestId('categories').innerText(), /Runtime security\s+runtime-security\s+0/);
    await editor.close();
    for (const colorScheme of ['light', 'dark']) {
      const context = await chrome.newContext({ bypassCSP: true, as: 'cora', colorScheme });
      const page = await context.newPage();
      for (const [url, name] of [
        ['/guardrails/new', 'new'],
        ['/guardrails/GR-001/edit', 'edit'],
        ['/guardrails/categories', 'categories'],
      ]) {
        const response = await page.goto(url);
        assert.equal(response.status(), 200, url);
        await hydrated(page);
        if (name !== 'categories') await page.getByTestId('preview').waitFor();
        await page.screenshot({ path: path.join(ARTIFACTS, `guardrails-editor-${name}-${colorScheme}.png`), fullPage: true });
        assert.deepEqual(await accessibilityViolations(page), [], `${url} (${colorScheme})`);
      }
      await context.close();
    }
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
        ['/guardrails/threats?view=not-really-mitigated', 'gaps'],
        ['/guardrails/GR-100/diff?from=1&to=2', 'diff'],
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
        if (name === 'gaps') {
          const rows = await page.getByTestId('mitigation-gaps').innerText();
          assert.match(rows, /GR-006 missing in demo-prod/, rows);
          assert.match(rows, /GR-007 audit only in demo-prod/, rows);
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
