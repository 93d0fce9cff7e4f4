// The UI shell: server rendering, hydration, theme, 404, navigation, responsiveness.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ARTIFACTS, accessibilityViolations, browser, hydrated, openHydrated, sameDocument } from '../lib/browser.mjs';

let chrome;
before(async () => {
  chrome = await browser();
});
after(async () => {
  await chrome?.close();
});

describe('home page', () => {
  test('is server-rendered: content is there with JavaScript disabled', async () => {
    const context = await chrome.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    const response = await page.goto('/');
    assert.equal(response.status(), 200);
    assert.match(await page.locator('h1').first().innerText(), /paved road to production/i);
    assert.deepEqual(
      await page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link')
        .evaluateAll((links) => links.map((a) => a.getAttribute('href'))),
      ['/catalog', '/guardrails', '/onboarding', '/scorecards', '/evidence', '/admin'],
    );
    assert.equal(await page.title(), 'Parkway');
    assert.equal(await page.locator('html[data-hydrated]').count(), 0, 'nothing ran in the browser');
    await context.close();
  });

  test('hydrates without errors, and the dark-mode toggle works without a reload', async () => {
    const { context, page, problems } = await openHydrated(chrome, '/');
    const html = page.locator('html');
    const toggle = page.getByTestId('theme-toggle');
    assert.equal(await html.getAttribute('class'), null, 'light system theme: no dark class');
    assert.equal(await toggle.getAttribute('aria-pressed'), 'false');

    await toggle.click();
    await page.waitForFunction(() => document.documentElement.classList.contains('dark'));
    assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
    assert.ok(await sameDocument(page), 'the page did not reload');
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.notEqual(background, 'rgb(248, 250, 252)', 'the dark palette applies');

    await page.reload();
    assert.match((await html.getAttribute('class')) ?? '', /\bdark\b/, 'the choice is remembered');
    await hydrated(page);
    await page.getByTestId('theme-toggle').click();
    await page.waitForFunction(() => !document.documentElement.classList.contains('dark'));
    assert.equal(
      await page.evaluate(() => localStorage.getItem('parkway-theme')),
      null,
      'choosing the system theme again forgets the override',
    );
    assert.deepEqual(problems, [], 'no console errors, CSP violations or failed requests');
    await context.close();
  });

  test('follows a dark system theme before any script of ours hydrates', async () => {
    const context = await chrome.newContext({ colorScheme: 'dark' });
    const page = await context.newPage();
    await page.goto('/');
    assert.match((await page.locator('html').getAttribute('class')) ?? '', /\bdark\b/);
    await context.close();
  });

  test('has no serious accessibility violations in light and dark mode', async () => {
    for (const colorScheme of ['light', 'dark']) {
      // Our CSP (rightly) refuses the injected axe script; lift it for this audit only.
      const context = await chrome.newContext({ colorScheme, bypassCSP: true });
      const page = await context.newPage();
      for (const path of ['/', '/catalog', '/admin', '/sign-in', '/no-such-page']) {
        await page.goto(path);
        await hydrated(page);
        assert.deepEqual(await accessibilityViolations(page), [], `${path} in ${colorScheme} mode`);
      }
      await context.close();
    }
  });

  test('fits a phone screen without sideways scrolling', async () => {
    for (const colorScheme of ['light', 'dark']) {
      for (const [name, viewport] of [
        ['desktop', { width: 1280, height: 900 }],
        ['phone', { width: 390, height: 844 }],
      ]) {
        const context = await chrome.newContext({ colorScheme, viewport, deviceScaleFactor: 1 });
        const page = await context.newPage();
        await page.goto('/');
        await hydrated(page);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `${name}/${colorScheme}: page is ${overflow}px wider than the screen`);
        await page.screenshot({ path: path.join(ARTIFACTS, `home-${name}-${colorScheme}.png`), fullPage: true });
        await context.close();
      }
    }
  });

  test('offers a skip link as the first thing a keyboard reaches', async () => {
    const context = await chrome.newContext();
    const page = await context.newPage();
    await page.goto('/');
    await page.keyboard.press('Tab');
    const focused = page.locator(':focus');
    assert.equal(await focused.innerText(), 'Skip to main content');
    assert.ok(await focused.isVisible(), 'the skip link becomes visible when focused');
    await page.keyboard.press('Enter');
    assert.match(page.url(), /#main$/);
    await context.close();
  });
});

describe('navigation', () => {
  test('moves between areas, marking the current one, with no script errors on any page', async () => {
    const { context, page, problems } = await openHydrated(chrome, '/');
    const nav = page.getByRole('navigation', { name: 'Main' });
    for (const area of ['Catalog', 'Guardrails', 'Onboarding', 'Scorecards', 'Evidence', 'Admin']) {
      await nav.getByRole('link', { name: area }).click();
      await page.waitForURL(`**/${area.toLowerCase()}`);
      assert.equal(await page.locator('h1').innerText(), area);
      assert.equal(await page.title(), `${area} · Parkway`);
      assert.equal(await nav.getByRole('link', { name: area }).getAttribute('aria-current'), 'page');
      if (area === 'Catalog') {
        await page.getByTestId('catalog-table').waitFor();
      } else if (area === 'Guardrails') {
        await page.getByTestId('guardrails').waitFor();
      } else if (area === 'Scorecards') {
        await page.getByTestId('report-year').waitFor();
      } else if (area === 'Evidence') {
        await page.locator('#evidence-unit').waitFor();
      } else if (area !== 'Admin') {
        // Onboarding's list loads after the navigation: wait for it, then for the state.
        await page.locator('#empty-title').waitFor({ state: 'visible' });
        assert.ok(await page.locator('#empty-title').isVisible(), `${area} shows its empty state`);
      }
      await page.screenshot({ path: path.join(ARTIFACTS, `area-${area.toLowerCase()}.png`) });
    }
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('an unknown path shows the 404 page with status 404', async () => {
    const context = await chrome.newContext();
    const page = await context.newPage();
    const response = await page.goto('/definitely/not/here');
    assert.equal(response.status(), 404);
    assert.equal(await page.locator('h1').innerText(), 'Page not found');
    assert.equal(await page.title(), 'Page not found · Parkway');
    await page.screenshot({ path: path.join(ARTIFACTS, 'not-found.png') });
    await context.close();
  });
});
