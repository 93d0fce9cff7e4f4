// Shared set-up for the browser tests: Debian's Chromium through playwright-core
// (never a downloaded browser), against the server xtask started.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';

export const BASE_URL = process.env.PARKWAY_BASE_URL ?? 'http://127.0.0.1:3000';
export const ARTIFACTS = process.env.PARKWAY_ARTIFACTS ?? path.resolve('end2end/artifacts');

// Flags measured to work on these machines: no sandbox as root, and no background
// networking, which this closed network would refuse over and over.
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];


export const ISSUER = process.env.PARKWAY_OIDC_ISSUER ?? 'http://127.0.0.1:4455';

/** A browser with a plain (non-persistent) context per test, for options such as
 *  disabling JavaScript or a phone viewport. Contexts are signed in through the test
 *  OpenID Provider as `as` (default `ada`, a platform admin); `as: null` stays anonymous. */
export async function browser() {
  const instance = await chromium.launch({
    executablePath: process.env.PARKWAY_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: FLAGS,
  });
  return {
    newContext: async ({ as = 'ada', ...options } = {}) => {
      const context = await instance.newContext({
        baseURL: BASE_URL,
        colorScheme: 'light',
        viewport: { width: 1280, height: 900 },
        ...options,
      });
      if (as) {
        const page = await context.newPage();
        await signIn(page, as);
        await page.close();
      }
      return context;
    },
    close: () => instance.close(),
  };
}

/** The real sign-in: Parkway's sign-in page, the provider's login form, and back.
 *  Works with JavaScript off too (every step is a link, a form or a redirect). */
export async function signIn(page, login, next = '/') {
  await page.goto(`/sign-in?next=${encodeURIComponent(next)}`);
  await page.getByRole('link', { name: 'Sign in with your company account' }).click();
  await page.waitForURL(`${ISSUER}/**`);
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password');
  await page.locator('button[type="submit"]').click();
  await page.waitForURL(`${BASE_URL}${next}`);
}

/** Collects console errors, failed requests and uncaught exceptions, so a test can
 *  assert a page is clean (a CSP violation shows up here). */
export function watchForErrors(page) {
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`exception: ${err.message}`));
  page.on('requestfailed', (req) => {
    // ERR_ABORTED is the browser cancelling a load because the page navigated away
    // (say, to the identity provider); anything else is a real failure.
    if (req.failure()?.errorText === 'net::ERR_ABORTED') return;
    problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`);
  });
  return problems;
}

/** Opens `path` in a new context, waits for hydration, and marks the document so a
 *  test can later prove no full reload happened (see `sameDocument`). */
export async function openHydrated(chrome, path, options = {}) {
  const context = await chrome.newContext(options);
  const page = await context.newPage();
  const problems = watchForErrors(page);
  await page.goto(path);
  await hydrated(page);
  await page.evaluate(() => {
    window.__sameDocument = 'yes';
  });
  return { context, page, problems };
}

/** Whether the document opened by `openHydrated` is still the one on screen. */
export async function sameDocument(page) {
  return (await page.evaluate(() => window.__sameDocument)) === 'yes';
}

/** Waits until the WebAssembly has hydrated the page's islands (the last island on
 *  every page marks the document). */
export async function hydrated(page) {
  await page.waitForSelector('html[data-hydrated="true"]', { timeout: 20_000 });
}

/** Opens a page the signed-in person may not see and checks the refusal twice: in the
 *  server-rendered HTML (what a reader without JavaScript gets, with its status) and
 *  on screen once the page's islands are live (nothing they do may hide it). */
export async function assertRefusedPage(page, path, status, reason) {
  const response = await page.goto(path);
  assert.equal(response.status(), status, `${path}: status`);
  assert.match(await response.text(), reason, `${path}: server-rendered refusal`);
  await hydrated(page);
  await page.locator('main').getByText(reason).first().waitFor();
  assert.match(await page.locator('h1').first().innerText(), /You don.t have access|Sign in to see this page|Not found/);
}

const require = createRequire(import.meta.url);

/** Runs axe-core inside the page; returns serious and critical violations. */
export async function accessibilityViolations(page) {
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  const results = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    return await axe.run(document, { resultTypes: ['violations'] });
  });
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}
