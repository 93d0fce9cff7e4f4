// Identity and access in the browser: real OpenID Connect sign-in against the test
// provider, refusal of tampered sign-ins, sign-out, the admin pages and exports.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ARTIFACTS, BASE_URL, ISSUER, accessibilityViolations, assertRefusedPage, browser, hydrated, signIn, watchForErrors } from '../lib/browser.mjs';

let chrome;
before(async () => {
  chrome = await browser();
});
after(async () => {
  await chrome?.close();
});

/** Starts a sign-in whose redirect to the provider has `param` replaced, as an
 *  attacker in the middle would; returns the page once back at Parkway. */
async function tamperedSignIn(param) {
  const context = await chrome.newContext({ as: null });
  const page = await context.newPage();
  await page.route('**/auth/login**', async (route) => {
    const response = await route.fetch({ maxRedirects: 0 });
    const location = new URL(response.headers().location);
    assert.ok(location.searchParams.get(param), `${param} is in the authorization request`);
    location.searchParams.set(param, `${location.searchParams.get(param)}-tampered`);
    await route.fulfill({ response, headers: { ...response.headers(), location: location.toString() } });
  });
  await page.goto('/sign-in');
  await page.getByRole('link', { name: 'Sign in with your company account' }).click();
  await page.waitForURL(`${ISSUER}/**`);
  await page.locator('input[name="login"]').fill('ada');
  await page.locator('input[name="password"]').fill('x');
  await page.locator('button[type="submit"]').click();
  await page.waitForURL(`${BASE_URL}/auth/callback**`);
  return { context, page };
}

describe('sign-in', () => {
  test('signs in at the provider, lands home with the name shown, and signs out', async () => {
    const context = await chrome.newContext({ as: null });
    const page = await context.newPage();
    const problems = watchForErrors(page);
    const first = await page.goto('/catalog');
    assert.match(page.url(), /\/sign-in\?next=%2Fcatalog$/, 'anonymous visitors are sent to sign in');
    assert.equal(first.status(), 200);
    await signIn(page, 'ada', '/');
    await hydrated(page);
    assert.equal(await page.getByTestId('user-name').innerText(), 'Ada Lovelace');
    assert.match(await page.getByTestId('welcome').innerText(), /Welcome, Ada\./);
    const cookie = (await context.cookies()).find((c) => c.name === 'parkway_session');
    assert.ok(cookie?.httpOnly, 'the session cookie is HttpOnly');
    assert.equal(cookie.sameSite, 'Lax');
    await page.screenshot({ path: path.join(ARTIFACTS, 'signed-in-home.png') });

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/sign-in?signed_out=1');
    assert.match(await page.getByRole('status').innerText(), /You have signed out/);
    await page.goto('/');
    assert.match(page.url(), /\/sign-in\?next=%2F$/, 'the session is gone');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('a tampered state is refused and signs no one in', async () => {
    const { context, page } = await tamperedSignIn('state');
    assert.match(await page.locator('#reason').innerText(), /`state` parameter does not match/);
    assert.equal((await context.cookies()).some((c) => c.name === 'parkway_session'), false);
    await page.screenshot({ path: path.join(ARTIFACTS, 'sign-in-refused.png') });
    await context.close();
  });

  test('a tampered nonce is refused and signs no one in', async () => {
    const { context, page } = await tamperedSignIn('nonce');
    assert.match(await page.locator('#reason').innerText(), /answer could not be verified/i);
    assert.equal((await context.cookies()).some((c) => c.name === 'parkway_session'), false);
    await context.close();
  });

  test('a person whose groups grant no admin role cannot open admin pages', async () => {
    const context = await chrome.newContext({ as: 'grace' });
    const page = await context.newPage();
    await assertRefusedPage(page, '/admin/audit', 403, /audit\.view/);
    await context.close();
  });
});

describe('admin', () => {
  test('the audit log filters by URL and exports CSV and JSON', async () => {
    // bypassCSP only so the axe audit script may be injected.
    const context = await chrome.newContext({ bypassCSP: true, acceptDownloads: true });
    const page = await context.newPage();
    const problems = watchForErrors(page);
    await page.goto('/admin/audit');
    await hydrated(page);
    const table = page.getByTestId('audit-table');
    assert.match(await table.innerText(), /auth\.sign-in/);
    assert.match(await table.innerText(), /user:ada@example\.com/);

    await page.getByLabel('Action starts with').fill('auth.sign-in.failed');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/action=auth\.sign-in\.failed/);
    const failed = await page.getByTestId('audit-table').innerText();
    assert.match(failed, /does not match/, 'the refused sign-ins are in the trail');
    assert.doesNotMatch(failed, /\tauth\.sign-in\t/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'audit-log.png'), fullPage: true });
    assert.deepEqual(await accessibilityViolations(page), []);

    for (const [label, type, check] of [
      ['Export CSV', 'text/csv', (text) => text.startsWith('id,occurred_at,actor,action,target')],
      ['Export JSON', 'application/json', (text) => JSON.parse(text).every((e) => e.action.startsWith('auth.sign-in.failed'))],
    ]) {
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: label }).click()]);
      const text = await fs.readFile(await download.path(), 'utf8');
      assert.ok(check(text), `${label}: ${text.slice(0, 200)}`);
      assert.match(download.suggestedFilename(), new RegExp(`^parkway-audit-.*\\.${type.endsWith('csv') ? 'csv' : 'json'}$`));
    }
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('role mappings are added and removed in the UI, and duplicates are refused', async () => {
    const context = await chrome.newContext({ bypassCSP: true });
    const page = await context.newPage();
    await page.goto('/admin/roles');
    await hydrated(page);
    await page.getByLabel('Group (as the provider sends it)').fill('team-search');
    await page.getByLabel('Role', { exact: true }).selectOption('leader');
    await page.getByRole('button', { name: 'Add mapping' }).click();
    const row = page.getByRole('row', { name: /team-search leader/ });
    await row.waitFor();
    const group = page.getByLabel('Group (as the provider sends it)');
    assert.equal(await group.inputValue(), '', 'a fresh form after success');

    await page.getByLabel('Group (as the provider sends it)').fill('team-search');
    await page.getByLabel('Role', { exact: true }).selectOption('leader');
    await page.getByRole('button', { name: 'Add mapping' }).click();
    await page.getByText('group `team-search` is already mapped to role `leader`').waitFor();
    assert.equal(await group.inputValue(), 'team-search', 'a refusal keeps the input for correcting');
    // The list reloads after every submission; count once it is back.
    await page.getByRole('row', { name: /team-search leader/ }).first().waitFor();
    assert.equal(await page.getByRole('row', { name: /team-search leader/ }).count(), 1, 'nothing was added twice');
    await page.screenshot({ path: path.join(ARTIFACTS, 'role-mappings.png'), fullPage: true });
    assert.deepEqual(await accessibilityViolations(page), []);

    await page.getByRole('button', { name: 'Remove team-search → leader' }).click();
    await row.waitFor({ state: 'detached' });
    await context.close();
  });

  test('an API token is shown once, works, and can be revoked', async () => {
    const context = await chrome.newContext({ bypassCSP: true });
    const page = await context.newPage();
    await page.goto('/tokens');
    await hydrated(page);
    await page.getByLabel('Name').fill('browser test');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = (await page.getByTestId('new-token').locator('code').innerText()).trim();
    assert.match(secret, /^pwk_[0-9a-f]{64}$/);
    const me = await fetch(`${BASE_URL}/api/v1/me`, { headers: { authorization: `Bearer ${secret}` } });
    assert.equal(me.status, 200);
    assert.equal((await me.json()).name, 'Ada Lovelace');
    await page.screenshot({ path: path.join(ARTIFACTS, 'tokens.png'), fullPage: true });
    assert.deepEqual(await accessibilityViolations(page), []);

    await page.getByRole('button', { name: 'Revoke browser test' }).click();
    await page.getByTestId('token-table').getByText('Revoked').waitFor();
    const after = await fetch(`${BASE_URL}/api/v1/me`, { headers: { authorization: `Bearer ${secret}` } });
    assert.equal(after.status, 401);
    assert.match((await after.json()).error.message, /revoked/);
    await context.close();
  });
});
