// Off-boarding in the browser, and the start-up refusal of development sign-in.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { ARTIFACTS, BASE_URL, ISSUER, browser, hydrated, watchForErrors } from '../lib/browser.mjs';

let chrome;
before(async () => {
  chrome = await browser();
});
after(async () => {
  await chrome?.close();
});

describe('off-boarding', () => {
  test("a deactivated person's open page stops working and they cannot sign in again", async () => {
    const leaver = await chrome.newContext({ as: 'leo' });
    const leaverPage = await leaver.newPage();
    await leaverPage.goto('/catalog');
    await hydrated(leaverPage);
    assert.match(leaverPage.url(), /\/catalog$/, 'leo is in');

    const admin = await chrome.newContext();
    const page = await admin.newPage();
    const problems = watchForErrors(page);
    await page.goto('/admin/roles');
    await hydrated(page);
    const row = page.getByRole('row', { name: /leo@example\.com/ });
    assert.match(await row.innerText(), /1 session,/);
    // Nobody is offered to deactivate themselves.
    const me = page.getByRole('row', { name: /ada@example\.com/ });
    assert.match(await me.innerText(), /you/);
    assert.equal(await me.getByRole('link', { name: /Deactivate/ }).count(), 0);
    // It asks first, for that one row only.
    await row.getByRole('link', { name: 'Deactivate leo@example.com…' }).click();
    await page.waitForURL(/\/admin\/roles\?confirm=/);
    assert.equal(await page.getByRole('button', { name: /^Deactivate / }).count(), 1);
    await page.screenshot({ path: path.join(ARTIFACTS, 'people-confirm.png'), fullPage: true });
    await row.getByRole('button', { name: 'Deactivate leo@example.com' }).click();
    await page.getByText(/Deactivated leo@example\.com: 1 session ended, 0 API tokens revoked/).waitFor();
    await page.getByRole('row', { name: /leo@example\.com/ }).getByText(/Deactivated .* by user:ada@example\.com/).waitFor();
    assert.equal(await page.getByRole('button', { name: /^Deactivate / }).count(), 0, 'no confirm button is left open');
    await page.screenshot({ path: path.join(ARTIFACTS, 'people-deactivated.png'), fullPage: true });
    assert.deepEqual(problems, []);

    // The page leo still has open: the next request is no longer theirs.
    await leaverPage.reload();
    assert.match(leaverPage.url(), /\/sign-in\?next=%2Fcatalog$/, 'sent to sign in');
    // And the provider vouching for leo again does not let them back.
    // The provider may still remember leo and send them straight back.
    const callback = (url) => url.href.startsWith(`${BASE_URL}/auth/callback`);
    await leaverPage.getByRole('link', { name: 'Sign in with your company account' }).click();
    await leaverPage.waitForURL((url) => callback(url) || url.href.startsWith(ISSUER));
    if (leaverPage.url().startsWith(ISSUER)) {
      await leaverPage.locator('input[name="login"]').fill('leo');
      await leaverPage.locator('input[name="password"]').fill('any password');
      await leaverPage.locator('button[type="submit"]').click();
      await leaverPage.waitForURL(callback);
    }
    assert.match(await leaverPage.locator('#reason').innerText(), /this account has been deactivated/i);
    assert.equal((await leaver.cookies()).some((c) => c.name === 'parkway_session'), false);
    await leaver.close();
    await admin.close();
  });
});

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Runs the real server binary with `env` and resolves with its exit code and output. */
function runServer(env) {
  const bin = process.env.PARKWAY_SERVER_BIN;
  assert.ok(bin, 'PARKWAY_SERVER_BIN names the server binary under test');
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [], {
      env: { PATH: process.env.PATH, PARKWAY_LOG_FORMAT: 'pretty', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`still running: ${output}`)); }, 20_000);
    child.on('exit', (code) => { clearTimeout(timer); resolve({ code, output }); });
  });
}

describe('development sign-in', () => {
  for (const [what, listen, publicUrl] of [
    ['on every interface', '0.0.0.0', null],
    ['behind a public URL', '127.0.0.1', 'https://parkway.example.com'],
  ]) {
    test(`is refused at start-up ${what}, saying why`, async () => {
      const port = await freePort();
      const env = {
        PARKWAY_DEV_SIGN_IN: '1',
        PARKWAY_LISTEN: `${listen}:${port}`,
        DATABASE_URL: 'postgres://nobody@127.0.0.1:1/never-contacted',
      };
      if (publicUrl) env.PARKWAY_PUBLIC_URL = publicUrl;
      const { code, output } = await runServer(env);
      assert.notEqual(code, 0, output);
      assert.match(output, /PARKWAY_DEV_SIGN_IN refused: development sign-in lets anyone act as any demo user/);
      assert.match(output, new RegExp(`PARKWAY_LISTEN on a loopback address \\(it is ${listen.replaceAll('.', '\\.')}:${port}\\)`));
      assert.match(output, /PARKWAY_PUBLIC_URL starting with http:\/\/localhost or http:\/\/127\.0\.0\.1/);
      // Nothing listens: a browser gets no portal there.
      const page = await (await chrome.newContext({ as: null })).newPage();
      await assert.rejects(page.goto(`http://127.0.0.1:${port}/`), /ERR_CONNECTION_REFUSED/);
    });
  }
});
